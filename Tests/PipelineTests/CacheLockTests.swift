import Interrupt
import Storage
import TestSupport
import XCTest

/// The cache's locks: runs share the cache and lock only the entries they compute; pruning and
/// verifying take it alone. `flock` locks belong to open files, so two locks taken in one
/// process conflict exactly as two processes' do.
final class CacheLockTests: TemporaryFolderTestCase {
    private func stopped() -> StopRequest {
        let stop = StopRequest()
        stop.request()
        return stop
    }

    func testRunsShareTheCacheAndPruningWaitsForThemAll() throws {
        let root = path("cache")
        let first = try CacheLock(cacheRoot: root, mode: .shared) { XCTFail("nothing holds the cache") }
        var second: CacheLock? = try CacheLock(cacheRoot: root, mode: .shared) { XCTFail("runs share the cache") }
        var waited = 0
        XCTAssertThrowsError(try CacheLock(cacheRoot: root, mode: .exclusive, stop: stopped()) { waited += 1 }) { error in
            XCTAssertEqual(error as? StorageError, .stoppedWaitingForTheCache)
        }
        XCTAssertEqual(waited, 1, "pruning waits, saying so once, while a run holds the cache")
        second = nil
        XCTAssertThrowsError(try CacheLock(cacheRoot: root, mode: .exclusive, stop: stopped()) {}, "one run still holds it")
        withExtendedLifetime(first) {}
        XCTAssertNil(second)
    }

    func testAPruneHoldingTheCacheMakesARunWait() throws {
        let root = path("cache")
        var prune: CacheLock? = try CacheLock(cacheRoot: root, mode: .exclusive) {}
        XCTAssertThrowsError(try CacheLock(cacheRoot: root, mode: .shared, stop: stopped()) {})
        prune = nil
        XCTAssertNoThrow(try CacheLock(cacheRoot: root, mode: .shared) { XCTFail("the prune is over") })
        XCTAssertNil(prune)
    }

    func testAnEntryIsComputedByOneHolderWhileOtherEntriesAreFree() throws {
        let root = path("cache")
        var held: CacheEntryLock? = try CacheEntryLock(cacheRoot: root, stage: "train", key: "aaaa") { XCTFail("free") }
        var waited = false
        XCTAssertThrowsError(try CacheEntryLock(cacheRoot: root, stage: "train", key: "aaaa", stop: stopped()) { waited = true })
        XCTAssertTrue(waited)
        XCTAssertNil(CacheEntryLock.attempt(cacheRoot: root, stage: "train", key: "aaaa"), "the entry is being computed")
        XCTAssertNotNil(CacheEntryLock.attempt(cacheRoot: root, stage: "train", key: "bbbb"), "another key is free")
        XCTAssertNotNil(CacheEntryLock.attempt(cacheRoot: root, stage: "generate", key: "aaaa"), "the same key of another stage is free")
        XCTAssertNotNil(held)
        held = nil
        XCTAssertNotNil(CacheEntryLock.attempt(cacheRoot: root, stage: "train", key: "aaaa"), "released with its holder")
    }
}
