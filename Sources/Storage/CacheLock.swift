import AtomicIO
import Foundation
import Interrupt

/// A lock on a whole cache folder (`flock` on `CACHE/.lock`). Runs hold it shared, so any
/// number of them use the cache together (each entry they compute has its own
/// `CacheEntryLock`); `cache prune` and `cache verify`, which remove entries, hold it
/// exclusive and so wait for running runs, and runs wait for them. A waiting process says so
/// once and still hears a stop request. The kernel drops the lock when the process dies,
/// however it dies.
public final class CacheLock {
    /// Whether other holders are allowed at the same time.
    public enum Mode: Sendable {
        /// With other shared holders (a run).
        case shared
        /// Alone (removing entries).
        case exclusive
    }

    private let file: LockFile

    /// Takes the lock, calling `waiting` once if another process holds it in a conflicting
    /// mode; throws `StorageError.stoppedWaitingForTheCache` if `stop` is requested meanwhile.
    public init(cacheRoot: String, mode: Mode = .exclusive, stop: StopRequest? = nil, waiting: () -> Void) throws {
        do { try Folder.create(cacheRoot) } catch {
            throw StorageError.cacheFolder(path: error.path, problem: error.reason)
        }
        let path = (cacheRoot as NSString).appendingPathComponent(".lock")
        file = try LockFile(path: path, cacheRoot: cacheRoot)
        try file.take(mode == .shared ? LOCK_SH : LOCK_EX, stop: stop, waiting: waiting)
    }
}

/// An exclusive lock on one cache entry (`CACHE/.locks/<stage>-<key>.lock`), held while the
/// entry is computed and sealed: two runs needing the same entry compute it once (the second
/// waits, then finds it sealed), while runs needing different entries go on side by side.
public final class CacheEntryLock {
    /// The folder of the entry locks inside a cache.
    public static let folderName = ".locks"

    private let file: LockFile

    /// Takes the entry's lock, calling `waiting` once if another process holds it.
    public init(cacheRoot: String, stage: String, key: String, stop: StopRequest? = nil, waiting: () -> Void) throws {
        file = try LockFile(path: try Self.path(cacheRoot: cacheRoot, stage: stage, key: key), cacheRoot: cacheRoot)
        try file.take(LOCK_EX, stop: stop, waiting: waiting)
    }

    private init(file: LockFile) {
        self.file = file
    }

    /// The entry's lock if no other process holds it, else nil (for work that another
    /// process doing the same makes unnecessary, such as keeping a report's figures).
    public static func attempt(cacheRoot: String, stage: String, key: String) -> CacheEntryLock? {
        guard let path = try? path(cacheRoot: cacheRoot, stage: stage, key: key),
              let file = try? LockFile(path: path, cacheRoot: cacheRoot), flock(file.descriptor, LOCK_EX | LOCK_NB) == 0 else { return nil }
        return CacheEntryLock(file: file)
    }

    /// Removes the lock files (under the cache's exclusive lock, when no run can hold one).
    public static func removeAll(cacheRoot: String) {
        try? FileManager.default.removeItem(atPath: (cacheRoot as NSString).appendingPathComponent(folderName))
    }

    private static func path(cacheRoot: String, stage: String, key: String) throws -> String {
        let folder = (cacheRoot as NSString).appendingPathComponent(folderName)
        do { try Folder.create(folder) } catch {
            throw StorageError.cacheFolder(path: error.path, problem: error.reason)
        }
        return (folder as NSString).appendingPathComponent("\(stage)-\(key).lock")
    }
}

/// An open lock file; closing it (when the holder goes) drops the lock.
private final class LockFile {
    let descriptor: Int32
    let path: String

    init(path: String, cacheRoot: String) throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StorageError.cacheFolder(path: cacheRoot, problem: "its lock file \(path) cannot be opened: \(SystemReason.current(path: path))")
        }
    }

    /// Takes `operation` (LOCK_SH or LOCK_EX), calling `waiting` once if it must wait.
    func take(_ operation: Int32, stop: StopRequest?, waiting: () -> Void) throws {
        guard flock(descriptor, operation | LOCK_NB) != 0 else { return }
        waiting()
        // Polled rather than blocking, so that Ctrl-C while waiting is heard.
        while flock(descriptor, operation | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw StorageError.cache(path: path, problem: "the lock cannot be taken (\(SystemReason.current(path: path)))")
            }
            if stop.isRequested { throw StorageError.stoppedWaitingForTheCache }
            usleep(100_000)
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
