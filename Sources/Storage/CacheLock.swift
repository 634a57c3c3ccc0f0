import AtomicIO
import Foundation
import Interrupt

/// An exclusive lock on a cache folder (`flock` on `CACHE/.lock`), so two runs sharing a
/// cache never write the same entry at once. The second run waits, saying so, and still
/// hears a stop request while it waits. The kernel drops the lock when the process dies,
/// however it dies.
public final class CacheLock {
    private let descriptor: Int32

    /// Takes the lock, calling `waiting` once if another process holds it; throws
    /// `StorageError.interrupted` if `stop` is requested while waiting.
    public init(cacheRoot: String, stop: StopRequest? = nil, waiting: () -> Void) throws {
        do { try Folder.create(cacheRoot) } catch {
            throw StorageError.cacheFolder(path: error.path, problem: error.reason)
        }
        let path = (cacheRoot as NSString).appendingPathComponent(".lock")
        descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StorageError.cacheFolder(path: cacheRoot, problem: "its lock file \(path) cannot be opened: \(SystemReason.current(path: path))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) != 0 else { return }
        waiting()
        // Polled rather than blocking, so that Ctrl-C while waiting is heard.
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = SystemReason.current(path: path)
                close(descriptor)
                throw StorageError.cache(path: path, problem: "the lock cannot be taken (\(reason))")
            }
            if stop.isRequested {
                close(descriptor)
                throw StorageError.stoppedWaitingForTheCache
            }
            usleep(100_000)
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
