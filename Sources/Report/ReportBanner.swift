import FileFormats
import Foundation

/// The line across the top of every page of a run that is not finished: in progress (with the
/// epoch and an estimate of the time left), stopped or failed. A finished run's report has none.
public struct ReportBanner: Sendable, Equatable {
    /// What state the run is in, for the stylesheet (`banner-running`, `banner-stopped` …).
    public enum Kind: String, Sendable {
        case running, stopped, failed, ended
    }

    public var kind: Kind
    /// A few words in bold: "In progress", "Interrupted", "Failed".
    public var heading: String
    /// One or two sentences after the heading.
    public var text: String

    /// The banner of pages drawn while training runs: epoch `epoch` of `epochs`, `finished` or
    /// still running, about `secondsLeft` of training to go (nil while unknown), drawn at `time`.
    public static func training(epoch: Int, of epochs: Int, finished: Bool, secondsLeft: Double?, at time: Date = Date()) -> ReportBanner {
        let state: String
        if finished && epoch >= epochs {
            state = "epoch \(epoch) of \(epochs) finished, training is done; the test split, analysis and the report follow."
        } else {
            let eta = secondsLeft.map { "ETA " + Format.seconds($0) + " of training" } ?? "ETA known after the first batches"
            state = "epoch \(epoch) of \(epochs) \(finished ? "finished" : "running"), \(eta)."
        }
        let clock = DateFormatter()
        clock.locale = Locale(identifier: "en_US_POSIX")
        clock.dateFormat = "HH:mm:ss"
        return ReportBanner(
            kind: .running, heading: "In progress: " + state,
            text: "These pages were drawn at \(clock.string(from: time)) while the model trains, and are drawn again after every epoch and about every 30 s: reload to see new curves. The full report replaces them when the run ends; pages whose results do not exist yet say so. If they stop changing, the run's status.json (or asl-lab runs list) says whether it is still running.")
    }

    /// The banner of a run that ended without its report: interrupted or failed (from its
    /// status), or complete before its report stage (`--until`). Nil for a run that is
    /// running or complete with a report.
    public static func ended(_ status: RunStatus?, reportPending: Bool = false) -> ReportBanner? {
        guard let status else { return nil }
        let stage = status.stage.map { " during \($0)" } ?? ""
        let reason = status.reason.map { ": " + ($0.hasSuffix(".") ? String($0.dropLast()) : $0) } ?? ""
        switch status.state {
        case .interrupted:
            return ReportBanner(kind: .stopped, heading: "Interrupted\(stage).",
                                text: "The run was stopped before it finished\(reason). These pages show what it had done by then; running the same command again carries it on.")
        case .failed:
            return ReportBanner(kind: .failed, heading: "Failed\(stage).",
                                text: "The run ended with an error\(reason). These pages show what it had done by then.")
        case .complete where reportPending:
            return ReportBanner(kind: .ended, heading: "Ended before its report.",
                                text: "The run stopped after the stage it was asked to end with (--until), so only the pages its results allow are drawn. asl-lab report --run on this folder draws the report of what it holds.")
        case .running, .complete:
            return nil
        }
    }
}
