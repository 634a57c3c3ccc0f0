import Dispatch
import Foundation
import Interrupt
import Analysis
import Report
import Storage
import Synth
import Training

/// SIGINT and SIGTERM ask the running stage to stop at its next safe point (see
/// `StopRequest`); a second signal ends the process at once, with status 130.
public final class StopSignals {
    public let request: StopRequest
    private var sources: [DispatchSourceSignal] = []

    /// Installs the handlers; they set `request` (a new one unless given).
    public init(console: ConsoleOutput, request: StopRequest = StopRequest()) {
        self.request = request
        for signal in [SIGINT, SIGTERM] {
            Foundation.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { [request] in
                if request.isRequested { exit(130) }
                request.request(signal: signal)
                console.write("\nStopping at the next safe point (signal again to quit at once)…\n")
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
        Foundation.signal(SIGINT, SIG_DFL)
        Foundation.signal(SIGTERM, SIG_DFL)
    }

    /// Runs `body` with SIGINT and SIGTERM turned into a stop request that `body` polls. A stop
    /// that `body` reports (its module's `interrupted` error) becomes `PipelineError.interrupted`
    /// with `resume` as the advice, so standalone commands say how to carry on, exit with 130,
    /// and never die silently half-way.
    public static func run<T>(what: String, resume: String, console: ConsoleOutput = .standardError,
                              _ body: (StopRequest) throws -> T) throws -> T {
        let signals = StopSignals(console: console)
        defer { withExtendedLifetime(signals) {} }
        do {
            return try body(signals.request)
        } catch let error where Interruption.isInterruption(error) {
            throw PipelineError.interrupted(what: what, detail: "\(error)", advice: resume)
        }
    }
}

/// Recognises the `interrupted` errors of the stage modules.
enum Interruption {
    static func isInterruption(_ error: Error) -> Bool {
        switch error {
        case TrainingError.interrupted, SynthError.interrupted, AnalysisError.interrupted, ReportError.interrupted, TSNEError.interrupted:
            return true
        case PipelineError.interrupted, StorageError.stoppedWaitingForTheCache:
            return true
        default:
            return false
        }
    }
}
