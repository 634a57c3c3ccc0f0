import AtomicIO
import Foundation

/// The few file operations the generator needs beyond AtomicIO's, as POSIX calls so that
/// failures carry the system's reason (permission denied, no space left on device).
enum Files {
    /// Writes a new file inside a staging folder: created exclusively and never through a link.
    /// A file of the same name (a shard drawn again) is removed first; a link there is removed,
    /// not followed.
    static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        unlink(path)
        try AtomicFile.createNew(bytes, at: path)
    }

    static func write(_ data: Data, to path: String) throws {
        try data.withUnsafeBytes { try write($0, to: path) }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { try write($0, to: path) }
    }

    static func rename(_ from: String, to: String) throws {
        guard Foundation.rename(from, to) == 0 else { throw SynthError.cannotWrite(path: to, reason: SystemReason.current(path: to)) }
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Whether a process with this id is running (for cleaning up after crashed runs).
    static func processIsAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Runs `body` holding an exclusive lock on `path` (created if needed); other processes
    /// taking the same lock wait.
    static func withLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SynthError.cannotWrite(path: path, reason: SystemReason.current(path: path)) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw SynthError.cannotWrite(path: path, reason: SystemReason.current(path: path)) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
