import AtomicIO
import Foundation

/// The few file operations the generator needs, as POSIX calls so that failures carry the
/// system's reason (permission denied, no space left on device) into `SynthError`.
enum Files {
    static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        do { try AtomicFile.writeDirectly(bytes, to: path) } catch { throw SynthError.cannotWrite(path: error.path, reason: error.reason) }
    }

    static func write(_ data: Data, to path: String) throws {
        try data.withUnsafeBytes { try write($0, to: path) }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { try write($0, to: path) }
    }

    /// Writes to a temporary name beside `path`, then renames: readers see all or nothing.
    static func writeAtomically(_ data: Data, to path: String) throws {
        do { try AtomicFile.write(data, to: path) } catch { throw SynthError.cannotWrite(path: error.path, reason: error.reason) }
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw SynthError.cannotWrite(path: path, reason: (error as NSError).localizedFailureReason ?? reasonFromFoundation(error))
        }
    }

    static func rename(_ from: String, to: String) throws {
        guard Foundation.rename(from, to) == 0 else { throw SynthError.cannotWrite(path: to, reason: reason()) }
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    static func exists(_ path: String) -> (exists: Bool, isDirectory: Bool) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        return (exists, isDirectory.boolValue)
    }

    static func isEmptyDirectory(_ path: String) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? ["?"]).isEmpty
    }

    /// Whether a process with this id is running (for cleaning up after crashed runs).
    static func processIsAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Runs `body` holding an exclusive lock on `path` (created if needed); other processes
    /// taking the same lock wait.
    static func withLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SynthError.cannotWrite(path: path, reason: reason()) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw SynthError.cannotWrite(path: path, reason: reason()) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    static func reason() -> String {
        AtomicFile.systemReason()
    }

    private static func reasonFromFoundation(_ error: Error) -> String {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        return error.localizedDescription
    }
}
