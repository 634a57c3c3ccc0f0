import Foundation

/// An exclusive lock on a cache folder (`flock` on `CACHE/.lock`), so two runs sharing a
/// cache never write the same entry at once. The second run waits, saying so. The kernel
/// drops the lock when the process dies, however it dies.
final class CacheLock {
    private let descriptor: Int32

    /// Takes the lock, calling `waiting` once if another process holds it.
    init(cacheRoot: String, waiting: () -> Void) throws {
        try FileManager.default.createDirectory(atPath: cacheRoot, withIntermediateDirectories: true)
        let path = (cacheRoot as NSString).appendingPathComponent(".lock")
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw PipelineError.cache(path: path, problem: "the lock file cannot be opened (\(String(cString: strerror(errno))))")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            waiting()
            while flock(descriptor, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    close(descriptor)
                    throw PipelineError.cache(path: path, problem: "the lock cannot be taken (\(String(cString: strerror(errno))))")
                }
            }
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
