import Dispatch
import Synchronization

/// Fixed-chunk parallel loops. Work is split into contiguous parts whose boundaries depend
/// only on the item count and the part count, never on scheduling. Callers whose results
/// would depend on the boundaries (sums across parts) fix the part count themselves, apart
/// from the thread count (see `forEachPart`). Every part runs with denormals flushed
/// (`Denormals`), whichever thread runs it.
enum Parallel {
    /// Runs `body(part, range)` for each of `partCount(count, threads:)` contiguous parts of
    /// `0..<count`, concurrently; returns when all are done.
    static func split(_ count: Int, threads: Int, minimumPerPart: Int = 1, _ body: @Sendable (_ part: Int, _ range: Range<Int>) -> Void) {
        let parts = partCount(count, threads: threads, minimumPerPart: minimumPerPart)
        if parts <= 1 {
            if count > 0 { Denormals.flushed { body(0, 0..<count) } }
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            Denormals.flushed { body(part, range(of: part, parts, count)) }
        }
    }

    /// Runs `body(range)` over contiguous shares of `0..<count` (up to `sharesPerThread` a
    /// thread, each at least `minimumPerPart` items), each taken by whichever thread is free.
    /// For passes whose results do not depend on how the items are grouped (element by element),
    /// where one slowed thread would otherwise hold the others up at the end of an even split.
    static func shares(_ count: Int, threads: Int, minimumPerPart: Int = 1, _ body: @Sendable (_ range: Range<Int>) -> Void) {
        guard count > 0 else { return }
        // More threads than items add no shares (and a huge count must not overflow).
        let parts = threads <= 1 ? 1 : max(1, min(min(threads, count) * sharesPerThread, count / max(1, minimumPerPart)))
        if parts == 1 { return Denormals.flushed { body(0..<count) } }
        forEachPart(parts, threads: threads) { _, part in body(range(of: part, parts, count)) }
    }

    /// Shares a thread gets in `shares` when there are items enough.
    static let sharesPerThread = 4

    /// The items of part `part` when `0..<count` is cut into `parts` contiguous parts: the
    /// boundaries every loop here (and every fixed part of a batch) uses.
    static func range(of part: Int, _ parts: Int, _ count: Int) -> Range<Int> {
        (count * part / parts)..<(count * (part + 1) / parts)
    }

    /// How many parts `split` uses for `count` items.
    static func partCount(_ count: Int, threads: Int, minimumPerPart: Int = 1) -> Int {
        max(1, min(threads, count / max(1, minimumPerPart)))
    }

    /// Runs `body(worker, part)` for every part in `0..<parts` on `min(threads, parts)`
    /// workers; each worker takes the next part not yet taken until none is left, so a worker
    /// the machine slows down (another process on its core) does fewer parts rather than
    /// holding the others up at the end. What a part computes must not depend on the worker
    /// (its scratch only), so the results are the same for every thread count and schedule.
    static func forEachPart(_ parts: Int, threads: Int, _ body: @Sendable (_ worker: Int, _ part: Int) -> Void) {
        let workers = max(1, min(threads, parts))
        if workers == 1 {
            Denormals.flushed {
                for part in 0..<parts { body(0, part) }
            }
            return
        }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            Denormals.flushed {
                while case let part = next.wrappingAdd(1, ordering: .relaxed).oldValue, part < parts {
                    body(worker, part)
                }
            }
        }
    }
}
