import Foundation

/// Folders made with POSIX calls, so a failure says what is wrong with which path, and so
/// that folders asl-lab re-enters under predictable names are never someone else's links.
public enum Folder {
    /// Creates `path` and any missing parents (like `mkdir -p`); an existing folder, or a link
    /// to one, is accepted. Fails naming the first component that is a file, a name that is too
    /// long, or the permission that is missing.
    public static func create(_ path: String) throws(FileWriteError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw FileWriteError(path: path, reason: "it is \(FileKind(mode: info.st_mode).phrase), not a folder")
            }
            return
        }
        let parent = PathText.parent(path)
        if !parent.isEmpty, parent != path { try create(parent) }
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw FileWriteError(path: path, code: errno) }
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw FileWriteError(path: path, reason: "something that is not a folder appeared under that name")
        }
    }

    /// Creates `path` (its parents as `create` does) or accepts it only if it is already a real
    /// folder owned by this user: never a symbolic link, never another user's folder. For the
    /// predictable names that asl-lab comes back to (a cache entry's `.partial` folder that a
    /// resumed training continues in, the shared folder of generation shards).
    public static func createOwned(_ path: String) throws(FileWriteError) {
        try create(PathText.parent(path))
        if mkdir(path, 0o755) != 0 {
            guard errno == EEXIST else { throw FileWriteError(path: path, code: errno) }
        }
        try requireOwned(path)
    }

    /// Throws unless `path` is a real folder (not a link) owned by this user.
    public static func requireOwned(_ path: String) throws(FileWriteError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw FileWriteError(path: path, code: errno) }
        let kind = FileKind(mode: info.st_mode)
        guard kind == .folder else {
            throw FileWriteError(path: path, reason: "it is \(kind.phrase) where asl-lab keeps a folder of its own; remove it and run again")
        }
        guard info.st_uid == geteuid() else {
            throw FileWriteError(path: path, reason: "it belongs to another user (uid \(info.st_uid)); asl-lab only writes into its own folders")
        }
    }

    /// A new, empty folder with an unpredictable name beside `final` (created exclusively, as
    /// `mkdtemp` does), in which a result is assembled before it is renamed to `final`.
    public static func createTemporary(beside final: String) throws(FileWriteError) -> String {
        let parent = PathText.parent(final)
        try create(parent.isEmpty ? "." : parent)
        for _ in 0..<16 {
            let candidate = (parent as NSString).appendingPathComponent(TemporaryName.make(for: (final as NSString).lastPathComponent, kind: "partial"))
            if mkdir(candidate, 0o755) == 0 { return candidate }
            guard errno == EEXIST else { throw FileWriteError(path: final, code: errno) }
        }
        throw FileWriteError(path: final, reason: "no unused temporary name could be found beside it")
    }

    /// Removes the temporary files and folders in `folder` that processes on this machine left
    /// when they died (killed, or the machine stopped). Returns what it removed. Work of live
    /// processes, and anything whose name asl-lab did not make, is left alone.
    @discardableResult
    public static func removeLeftovers(in folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(".") {
            guard let temporary = TemporaryName(parsing: name), temporary.isLeftover else { continue }
            let path = (folder as NSString).appendingPathComponent(name)
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        return removed
    }

    /// Flushes every file written so far on the file system that holds `path` to the device
    /// (Linux's `syncfs`; elsewhere `sync`): one call before a seal or a status that vouches for
    /// many files, instead of one `fsync` per file.
    public static func syncFileSystem(containing path: String) throws(FileWriteError) {
        guard let syncfs else {
            Foundation.sync()
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileWriteError(path: path, code: errno) }
        defer { close(fd) }
        guard syncfs(fd) == 0 else { throw FileWriteError(path: path, code: errno) }
    }

    /// glibc's `syncfs`, which Swift's Glibc module does not declare (it needs _GNU_SOURCE).
    private static let syncfs: (@convention(c) (Int32) -> Int32)? = {
        #if os(Linux)
        // RTLD_DEFAULT is a null handle in glibc.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
        #else
        return nil
        #endif
    }()

    /// Flushes `folder`'s list of names to the device, so that a rename or a new file in it
    /// survives a power loss (fsync of the folder).
    public static func sync(_ folder: String) throws(FileWriteError) {
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileWriteError(path: folder, code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 || errno == EINVAL else { throw FileWriteError(path: folder, code: errno) }
    }
}

/// What a directory entry is, in words for messages.
public enum FileKind: Equatable, Sendable {
    case regular, folder, link, fifo, device, socket, other

    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .folder
        case S_IFLNK: self = .link
        case S_IFIFO: self = .fifo
        case S_IFCHR, S_IFBLK: self = .device
        case S_IFSOCK: self = .socket
        default: self = .other
        }
    }

    /// The kind of what `path` names without following a final link; nil when nothing is there.
    public init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        self.init(mode: info.st_mode)
    }

    public var phrase: String {
        switch self {
        case .regular: return "a file"
        case .folder: return "a folder"
        case .link: return "a symbolic link"
        case .fifo: return "a FIFO (named pipe)"
        case .device: return "a device"
        case .socket: return "a socket"
        case .other: return "a special file"
        }
    }
}
