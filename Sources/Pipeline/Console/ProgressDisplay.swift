import Foundation

/// Shows how far a long task is: a live bar with rate and ETA on a terminal, or a plain line
/// every few seconds when the output is a file or a pipe (CI logs, `tee`). Safe to advance
/// from several threads.
public final class ProgressDisplay: @unchecked Sendable {
    public let label: String
    public let total: Int
    /// What is counted, plural ("images").
    public let unit: String

    private let output: ConsoleOutput
    private let live: Bool
    private let clock: () -> Double
    private let lock = NSLock()
    private let start: Double
    private var done = 0
    private var lastShown: Double
    private var finished = false

    /// - Parameters:
    ///   - live: draw a bar in place (default: when the output is a terminal).
    ///   - clock: seconds since any fixed point; tests pass their own.
    public init(label: String, total: Int, unit: String, output: ConsoleOutput = .standardError,
                live: Bool? = nil, clock: @escaping () -> Double = ProgressDisplay.monotonicSeconds) {
        self.label = label
        self.total = max(total, 0)
        self.unit = unit
        self.output = output
        self.live = live ?? output.isTerminal
        self.clock = clock
        self.start = clock()
        self.lastShown = start
    }

    /// Records `count` more items done, redrawing when it is time to.
    public func advance(by count: Int = 1) {
        lock.lock()
        defer { lock.unlock() }
        done += count
        let now = clock()
        let interval = live ? 0.1 : 10
        if now - lastShown >= interval {
            lastShown = now
            show(now: now, final: false)
        }
    }

    /// Prints the final line (once), with the overall rate.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        finished = true
        show(now: clock(), final: true)
    }

    private func show(now: Double, final: Bool) {
        let line = ProgressDisplay.line(label: label, done: done, total: total, unit: unit,
                                        elapsed: now - start, barWidth: live ? 24 : 0)
        if live {
            // Redraws stay off a transcript (log.txt); the bar's final state goes in as a line.
            output.redraw("\r\u{1B}[2K" + line + (final ? "\n" : ""))
            if final {
                output.transcribe(ProgressDisplay.line(label: label, done: done, total: total, unit: unit, elapsed: now - start, barWidth: 0) + "\n")
            }
        } else {
            output.write(line + "\n")
        }
    }

    /// One progress line, e.g. `generate [#####-----] 1300/2600 50% 1250 images/s ETA 0:01`.
    /// `barWidth` 0 leaves the bar out.
    public static func line(label: String, done: Int, total: Int, unit: String, elapsed: Double, barWidth: Int) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        var parts = [label]
        if barWidth > 0 {
            let filled = Int((fraction * Double(barWidth)).rounded(.down))
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "]")
        }
        parts.append("\(done)/\(total)")
        parts.append("\(Int((fraction * 100).rounded(.down)))%")
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        parts.append(rate >= 100 ? "\(Int(rate.rounded())) \(unit)/s" : String(format: "%.1f %@/s", rate, unit))
        if done >= total {
            parts.append("in " + duration(elapsed))
        } else if rate > 0 {
            parts.append("ETA " + duration(Double(total - done) / rate))
        } else {
            parts.append("ETA --")
        }
        return parts.joined(separator: " ")
    }

    /// `m:ss` below an hour, `h:mm:ss` above.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) }
        return String(format: "%d:%02d", s / 60, s % 60)
    }

    public static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
