import Foundation

/// Why a file or folder could not be written: its path and the reason as a phrase a user can
/// act on ("no space is left on the device", "its name is too long"). Modules let it pass as
/// it is: the sentence names the file, and nothing the module could add would help more.
public struct FileWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "Cannot write \(path): \(reason)." }

    /// The error for `path` after a system call failed with `code` (errno).
    public init(path: String, code: Int32) {
        self.init(path: path, reason: SystemReason.phrase(code, path: path))
    }
}

/// errno as a phrase that says what is wrong with *this* path, not the C library's generic
/// text: "permission denied" is never given for a name that is too long or for a file standing
/// where a folder is expected.
public enum SystemReason {
    /// The phrase for the current `errno`.
    public static func current(path: String) -> String {
        phrase(errno, path: path)
    }

    public static func phrase(_ code: Int32, path: String) -> String {
        switch code {
        case ENAMETOOLONG:
            return longestName(in: path).map { "the name \"\($0.prefix(40))…\" is \($0.utf8.count) bytes long, more than the file system allows (\(Int(NAME_MAX)) per name)" }
                ?? "the path is longer than the file system allows (\(Int(PATH_MAX)) bytes)"
        case ENOTDIR:
            return firstFileOnPath(path).map { "\($0) is a file, not a folder" } ?? "a part of the path is a file, not a folder"
        case EISDIR: return "it is a folder"
        case ENOENT: return firstMissingFolder(of: path).map { "the folder \($0) does not exist" } ?? "no such file or folder"
        case ENOSPC: return "no space is left on the device"
        case EDQUOT: return "the disk quota is used up"
        case EROFS: return "the file system is read-only"
        case EACCES, EPERM: return "permission denied"
        case ELOOP: return "it is a symbolic link, which asl-lab does not write through"
        case EEXIST: return "something already exists under that name"
        case EXDEV: return "it is on another file system"
        case EMFILE, ENFILE: return "too many files are open"
        case EIO: return "the device reported an input/output error"
        default: return String(cString: strerror(code)).lowercased()
        }
    }

    private static func longestName(in path: String) -> String? {
        path.split(separator: "/").map(String.init).filter { $0.utf8.count > Int(NAME_MAX) }.first
    }

    /// The first existing component of `path` that is not a folder.
    static func firstFileOnPath(_ path: String) -> String? {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            var info = stat()
            guard stat(prefix, &info) == 0 else { return nil }
            if info.st_mode & S_IFMT != S_IFDIR { return prefix.hasPrefix("./") ? String(prefix.dropFirst(2)) : prefix }
        }
        return nil
    }

    /// The first missing folder on the way to `path` (its parent folders, not the file itself).
    static func firstMissingFolder(of path: String) -> String? {
        let parent = PathText.parent(path)
        guard !parent.isEmpty else { return nil }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in parent.split(separator: "/") {
            prefix += "/" + component
            if access(prefix, F_OK) != 0 { return prefix.hasPrefix("./") ? String(prefix.dropFirst(2)) : prefix }
        }
        return nil
    }
}
