import Dispatch

/// Fixed-chunk parallel loops. Work is split into contiguous parts whose boundaries depend
/// only on the item count and the part count, never on scheduling. Callers whose results
/// would depend on the boundaries (sums across parts) fix the part count themselves, apart
/// from the thread count (see `forEachPart`).
enum Parallel {
    /// Runs `body(part, range)` for each of `partCount(count, threads:)` contiguous parts of
    /// `0..<count`, concurrently; returns when all are done.
    static func split(_ count: Int, threads: Int, minimumPerPart: Int = 1, _ body: @Sendable (_ part: Int, _ range: Range<Int>) -> Void) {
        let parts = partCount(count, threads: threads, minimumPerPart: minimumPerPart)
        if parts <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            body(part, (count * part / parts)..<(count * (part + 1) / parts))
        }
    }

    /// How many parts `split` uses for `count` items.
    static func partCount(_ count: Int, threads: Int, minimumPerPart: Int = 1) -> Int {
        max(1, min(threads, count / max(1, minimumPerPart)))
    }

    /// Runs `body(worker, part)` for every part in `0..<parts` on `min(threads, parts)`
    /// workers; worker w takes parts w, w + workers, …. What a part computes must not depend
    /// on the worker (its scratch only), so the results are the same for every thread count.
    static func forEachPart(_ parts: Int, threads: Int, _ body: @Sendable (_ worker: Int, _ part: Int) -> Void) {
        let workers = max(1, min(threads, parts))
        if workers == 1 {
            for part in 0..<parts { body(0, part) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for part in stride(from: worker, to: parts, by: workers) { body(worker, part) }
        }
    }
}
