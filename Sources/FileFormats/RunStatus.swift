import Foundation

/// `status.json` in a run folder: whether the run is still going, finished, was stopped or
/// failed, and why. It is written when the run folder is made and again at every change,
/// flushed to the device each time, so `runs list`, `runs compare`, `runs archive` and the
/// index page never take a run that did not finish for a complete one.
public struct RunStatus: JSONRecord, Equatable, Sendable {
    public enum State: String, Codable, Sendable {
        case running, complete, interrupted, failed
    }

    public var state: State
    /// The stage that was running when the run stopped or failed.
    public var stage: String?
    /// Why it stopped or failed, as the sentence the console showed.
    public var reason: String?
    /// The command that started the run; running it again carries an interrupted or failed run
    /// on (finished stages are cached, training resumes from its checkpoint).
    public var command: String?
    /// The process that runs (or ran) it, and on which machine: a `running` run whose process
    /// is gone was killed (or its machine stopped).
    public var pid: Int32
    public var host: String
    public var started: String
    public var updated: String

    public static let fileName = "status.json"
    public static let what = "a run status"

    /// What a reader should believe: `running` only while the process that writes the file is
    /// alive on this machine; otherwise it was stopped without a chance to say so.
    public var effective: RunStatus {
        guard state == .running, host == ProcessInfo.processInfo.hostName, kill(pid, 0) != 0, errno == ESRCH else { return self }
        var stopped = self
        stopped.state = .interrupted
        stopped.reason = "its process (\(pid)) ended without finishing the run: it was killed, or the machine stopped"
        return stopped
    }

    /// One phrase for lists: "complete", "interrupted during train", "failed during report".
    public var summary: String {
        switch state {
        case .running, .complete: return state.rawValue
        case .interrupted, .failed: return state.rawValue + (stage.map { " during \($0)" } ?? "")
        }
    }

    public static func starting(command: String?) -> RunStatus {
        let now = timestamp()
        return RunStatus(state: .running, stage: nil, reason: nil, command: command, pid: getpid(),
                         host: ProcessInfo.processInfo.hostName, started: now, updated: now)
    }

    /// A copy in another state.
    public func with(_ state: State, stage: String? = nil, reason: String? = nil) -> RunStatus {
        var next = self
        next.state = state
        next.stage = stage
        next.reason = reason
        next.updated = Self.timestamp()
        return next
    }

    /// The status a run folder records; nil when it has none (a folder made before status files
    /// existed, or not a run folder).
    public static func read(runFolder: String) -> RunStatus? {
        readIfPresent(folder: runFolder)
    }

    static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}
