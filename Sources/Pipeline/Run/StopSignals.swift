import Dispatch
import Foundation
import Training

/// SIGINT and SIGTERM ask the running stage to stop at its next safe point (training after
/// saving nothing new: its last epoch's checkpoint is already on disk); a second signal ends
/// the process at once.
final class StopSignals {
    let request = StopRequest()
    private var sources: [DispatchSourceSignal] = []

    init(console: ConsoleOutput) {
        for signal in [SIGINT, SIGTERM] {
            Foundation.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { [request] in
                if request.isRequested { exit(130) }
                request.request()
                console.write("\nStopping after the current step (signal again to quit at once)…\n")
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
}
