import AtomicIO
import Foundation

/// A serialised writer to standard output, standard error or (in tests) a closure; safe to
/// call from any thread. A teeing output (`teeing(into:)`) also hands every line to a
/// transcript (a run's `log.txt`), except the redraws of a live progress bar.
public final class ConsoleOutput: @unchecked Sendable {
    public static let standardOutput = ConsoleOutput(descriptor: STDOUT_FILENO)
    public static let standardError = ConsoleOutput(descriptor: STDERR_FILENO)

    /// Whether the stream is an interactive terminal (not a pipe, file or CI log).
    public let isTerminal: Bool
    private let sink: (String) -> Void
    private let transcript: ((String) -> Void)?
    private let lock = NSLock()

    private init(descriptor: Int32) {
        isTerminal = isatty(descriptor) == 1
        transcript = nil
        sink = { text in
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
                if n <= 0 { break } // a closed pipe: nothing useful left to do with the text
                offset += n
            }
        }
    }

    /// An output that hands every write to `capture` (for tests), behaving as a terminal or not.
    public init(isTerminal: Bool, capture: @escaping (String) -> Void) {
        self.isTerminal = isTerminal
        self.sink = capture
        self.transcript = nil
    }

    private init(isTerminal: Bool, sink: @escaping (String) -> Void, transcript: @escaping (String) -> Void) {
        self.isTerminal = isTerminal
        self.sink = sink
        self.transcript = transcript
    }

    /// An output that shows what this one shows and also hands every line to `transcript`,
    /// in the order written; `redraw` text is shown only.
    public func teeing(into transcript: @escaping (String) -> Void) -> ConsoleOutput {
        ConsoleOutput(isTerminal: isTerminal, sink: { [self] in redraw($0) }, transcript: transcript)
    }

    /// Shows `text` and adds it to the transcript, if any.
    public func write(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        sink(text)
        transcript?(text)
    }

    /// Shows `text` without adding it to the transcript: a live progress bar drawn over itself.
    public func redraw(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        sink(text)
    }

    /// Adds `text` to the transcript without showing it (the plain form of a redrawn line).
    public func transcribe(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        transcript?(text)
    }
}

/// Counts with their nouns ("1 epoch", "3 epochs") for the CLI, which prints through Pipeline.
public typealias Count = AtomicIO.Count
