import Dispatch

/// Fixed-chunk parallel loops. Work is split into `Threads.count` contiguous parts whose
/// boundaries depend only on the item count and the thread count, never on scheduling, so
/// every result is reproducible for a given thread count.
enum Parallel {
    /// Runs `body(part, range)` for each of `min(Threads.count, count)` contiguous parts of
    /// `0..<count`, concurrently; returns when all are done.
    static func split(_ count: Int, minimumPerPart: Int = 1, _ body: @Sendable (_ part: Int, _ range: Range<Int>) -> Void) {
        let parts = partCount(count, minimumPerPart: minimumPerPart)
        if parts <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            body(part, (count * part / parts)..<(count * (part + 1) / parts))
        }
    }

    /// How many parts `split` uses for `count` items.
    static func partCount(_ count: Int, minimumPerPart: Int = 1) -> Int {
        max(1, min(Threads.count, count / max(1, minimumPerPart)))
    }
}
