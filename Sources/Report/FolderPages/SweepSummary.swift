import FileFormats
import Foundation

/// The numbers of a sweep report, as plain values: each member's result, and per config point
/// (a combination of the swept keys other than seeds) the mean and standard deviation over
/// its seeds, and the best point with how sure that is.
public struct SweepSummary: Sendable {
    /// One member as the report shows it.
    public struct Member: Sendable {
        public var name: String
        /// Swept key → value, in the sweep's key order.
        public var values: [(key: String, value: String)]
        /// complete, failed during train, not run …
        public var status: String
        public var complete: Bool
        /// The run folder relative to the sweep folder, if it started.
        public var run: String?
        public var accuracy: Double?
        public var mae: Double?
        public var seconds: Double?
        public var history: [EpochRecord]
        /// Class (letter) → test accuracy (recall).
        public var perClass: [String: Double]
        /// Where to read why it failed (its Slurm log, or its console output).
        public var log: String?

        public init(name: String, values: [(key: String, value: String)], status: String, complete: Bool, run: String?,
                    accuracy: Double?, mae: Double?, seconds: Double?, history: [EpochRecord], perClass: [String: Double], log: String?) {
            self.name = name
            self.values = values
            self.status = status
            self.complete = complete
            self.run = run
            self.accuracy = accuracy
            self.mae = mae
            self.seconds = seconds
            self.history = history
            self.perClass = perClass
            self.log = log
        }
    }

    /// Mean and sample standard deviation (nil for fewer than two values).
    public struct Spread: Equatable, Sendable {
        public var mean: Double
        public var sd: Double?
        public var count: Int

        public init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            count = values.count
            mean = values.reduce(0, +) / Double(values.count)
            if values.count > 1 {
                let m = mean
                sd = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
            }
        }
    }

    /// One combination of the non-seed swept values and its members.
    public struct Point: Sendable {
        /// "train.learning_rate=0.002" ("all members" when only seeds are swept).
        public var label: String
        public var values: [(key: String, value: String)]
        public var members: [Member]
        public var accuracy: Spread?
        public var mae: Spread?
        public var seconds: Spread?
    }

    public var members: [Member]
    /// The swept keys, in order, and which of them are seeds.
    public var keys: [String]
    public var seedKeys: [String]
    public var points: [Point]

    public init(members: [Member], keys: [String], seedKeys: Set<String>) {
        self.members = members
        self.keys = keys
        self.seedKeys = keys.filter(seedKeys.contains)
        let pointKeys = keys.filter { !seedKeys.contains($0) }
        var order: [String] = []
        var groups: [String: [Member]] = [:]
        var values: [String: [(key: String, value: String)]] = [:]
        for member in members {
            let chosen = member.values.filter { pointKeys.contains($0.key) }
            let label = chosen.isEmpty ? "all members" : chosen.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            if groups[label] == nil { order.append(label); values[label] = chosen }
            groups[label, default: []].append(member)
        }
        points = order.map { label in
            let done = groups[label]!.filter(\.complete)
            return Point(label: label, values: values[label]!, members: groups[label]!,
                         accuracy: Spread(done.compactMap(\.accuracy)), mae: Spread(done.compactMap(\.mae)),
                         seconds: Spread(done.compactMap(\.seconds)))
        }
    }

    /// The point of highest mean test accuracy, if any member completed.
    public var best: Point? {
        points.filter { $0.accuracy != nil }.max { $0.accuracy!.mean < $1.accuracy!.mean }
    }

    /// The runner-up, for saying how clear the best is.
    public var runnerUp: Point? {
        guard let best else { return nil }
        return points.filter { $0.accuracy != nil && $0.label != best.label }.max { $0.accuracy!.mean < $1.accuracy!.mean }
    }

    /// One or two sentences on the best point and how sure it is.
    public var verdict: String {
        guard let best, let accuracy = best.accuracy else { return "No member completed, so there is no best point yet." }
        var text = "Best: \(best.label), test accuracy \(Self.percent(accuracy))"
        text += accuracy.count > 1 ? " over \(accuracy.count) seeds." : " (one run: sweep a seed key, e.g. --set train.seed=0..4, to know the spread)."
        if let runnerUp, let other = runnerUp.accuracy {
            let gap = accuracy.mean - other.mean
            let spread = max(accuracy.sd ?? 0, other.sd ?? 0)
            text += String(format: " The next, %@, reaches %@: %.2f points lower, ", runnerUp.label, Self.percent(other), gap * 100)
            if accuracy.sd == nil || other.sd == nil {
                text += "but without repeated seeds the spread is unknown, so the order may be chance."
            } else if gap > 2 * spread {
                text += "more than twice the larger standard deviation over seeds: a clear difference."
            } else if gap > spread {
                text += "more than one standard deviation over seeds but less than two: likely, not certain."
            } else {
                text += "within one standard deviation over seeds: not a clear difference."
            }
        }
        return text
    }

    /// "98.12 ± 0.31 %" or "98.12 %".
    public static func percent(_ spread: Spread) -> String {
        String(format: "%.2f", spread.mean * 100) + (spread.sd.map { String(format: " ± %.2f", $0 * 100) } ?? "") + " %"
    }

    /// "0.241 ± 0.012" or "0.241".
    public static func number(_ spread: Spread) -> String {
        String(format: "%.3f", spread.mean) + (spread.sd.map { String(format: " ± %.3f", $0) } ?? "")
    }
}
