import Foundation

/// Why a file could not be written: its path and the system's reason ("permission denied",
/// "no space left on device"). Each module turns it into its own error type.
public struct FileWriteError: Error, Equatable, Sendable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// File writes that never leave half a file under the real name: the bytes go to a temporary
/// name beside the target, which is renamed over it only once complete. Written with POSIX
/// calls so a failure carries errno's reason.
public enum AtomicFile {
    /// Writes `data` to `path` through a temporary file and a rename: a reader sees the old
    /// file or the whole new one. The temporary file is removed on failure.
    public static func write(_ data: Data, to path: String) throws(FileWriteError) {
        let temporary = path + ".tmp-\(getpid())"
        do {
            try data.withUnsafeBytes { try writeDirectly($0, to: temporary) }
        } catch {
            unlink(temporary)
            throw FileWriteError(path: path, reason: (error as? FileWriteError)?.reason ?? "\(error)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = systemReason()
            unlink(temporary)
            throw FileWriteError(path: path, reason: reason)
        }
    }

    /// Writes `bytes` straight to `path` (created or truncated), for files whose folder is
    /// itself made visible by a rename once complete.
    public static func writeDirectly(_ bytes: UnsafeRawBufferPointer, to path: String) throws(FileWriteError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: path, reason: systemReason()) }
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                let reason = systemReason()
                close(fd)
                throw FileWriteError(path: path, reason: reason)
            }
            offset += n
        }
        guard close(fd) == 0 else { throw FileWriteError(path: path, reason: systemReason()) }
    }

    /// Puts the file `source` at `destination` (replacing what is there) as a hard link, or as a
    /// copy where a link cannot be made (another file system); a copy goes through a temporary
    /// name, so `destination` is never half a file.
    public static func linkOrCopy(_ source: String, to destination: String) throws(FileWriteError) {
        if unlink(destination) != 0, errno != ENOENT { throw FileWriteError(path: destination, reason: systemReason()) }
        if link(source, destination) == 0 { return }
        let temporary = destination + ".tmp-\(getpid())"
        unlink(temporary)
        do {
            try FileManager.default.copyItem(atPath: source, toPath: temporary)
        } catch {
            unlink(temporary)
            throw FileWriteError(path: destination, reason: (error as NSError).localizedFailureReason ?? error.localizedDescription)
        }
        guard rename(temporary, destination) == 0 else {
            let reason = systemReason()
            unlink(temporary)
            throw FileWriteError(path: destination, reason: reason)
        }
    }

    /// errno as a lower-case phrase: "permission denied".
    public static func systemReason() -> String {
        String(cString: strerror(errno)).lowercased()
    }
}
