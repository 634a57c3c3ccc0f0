import Dispatch
import Foundation
import Synchronization
import XCTest
@testable import NN

/// `Parallel.forEachPart` runs every part once, on at most `min(threads, parts)` workers, and
/// hands the parts out as workers become free rather than dealing them out in advance.
final class ParallelTests: XCTestCase {
    func testEveryPartRunsExactlyOnceOnAtMostThatManyWorkers() {
        for (parts, threads) in [(1, 1), (1, 4), (5, 1), (5, 2), (8, 2), (8, 3), (3, 8), (64, 4)] {
            let runs = Mutex([Int](repeating: 0, count: parts))
            let workers = Mutex(Set<Int>())
            Parallel.forEachPart(parts, threads: threads) { worker, part in
                runs.withLock { $0[part] += 1 }
                workers.withLock { _ = $0.insert(worker) }
            }
            XCTAssertEqual(runs.withLock { $0 }, [Int](repeating: 1, count: parts), "\(parts) parts on \(threads) threads")
            let used = workers.withLock { $0 }
            XCTAssertTrue(used.isSubset(of: Set(0..<min(threads, parts))), "workers \(used.sorted()) for \(parts) parts on \(threads) threads")
        }
    }

    func testSharesCoverEveryItemOnceInRangesOfAtLeastTheMinimum() {
        for (count, threads, minimum) in [(0, 2, 1), (1, 2, 1), (7, 2, 8), (100, 1, 1), (100, 2, 1), (100, 3, 16), (1 << 20, 2, 1 << 16)] {
            let ranges = Mutex([Range<Int>]())
            Parallel.shares(count, threads: threads, minimumPerPart: minimum) { range in ranges.withLock { $0.append(range) } }
            let sorted = ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
            XCTAssertEqual(sorted.first?.lowerBound ?? 0, 0)
            XCTAssertEqual(sorted.last?.upperBound ?? 0, count, "\(count) items")
            XCTAssertTrue(zip(sorted, sorted.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "contiguous, no overlap: \(sorted)")
            XCTAssertLessThanOrEqual(sorted.count, max(1, threads * Parallel.sharesPerThread))
            if sorted.count > 1 { XCTAssertTrue(sorted.allSatisfy { $0.count >= minimum }, "shares of at least \(minimum): \(sorted)") }
        }
    }

    /// Part 0 holds its worker until every other part is done. Parts dealt out in advance (worker
    /// w taking w, w + 2, …) would leave half of them waiting behind it until the deadline; taken
    /// as workers become free, the other worker does them all.
    func testAWorkerHeldUpLeavesTheRemainingPartsToTheOther() throws {
        try XCTSkipIf(ProcessInfo.processInfo.activeProcessorCount < 2, "two workers at once need two cores; this machine has one")
        let parts = 8
        let otherPartDone = DispatchSemaphore(value: 0)
        let doneBy = Mutex([Int?](repeating: nil, count: parts))
        let deadline = DispatchTime.now() + .seconds(20)
        Parallel.forEachPart(parts, threads: 2) { worker, part in
            if part == 0 {
                for _ in 1..<parts { _ = otherPartDone.wait(timeout: deadline) }
            }
            doneBy.withLock { $0[part] = worker }
            if part != 0 { otherPartDone.signal() }
        }
        let workers = doneBy.withLock { $0 }
        XCTAssertFalse(workers.contains(nil), "every part ran")
        let held = try XCTUnwrap(workers[0])
        XCTAssertEqual(Set(workers[1...].compactMap { $0 }), [1 - held], "parts 1–7 all done by the worker that was not held up: \(workers)")
    }
}
