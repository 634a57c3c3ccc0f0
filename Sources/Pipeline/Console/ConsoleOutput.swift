import AtomicIO
import Foundation

/// A serialised writer to standard output, standard error or (in tests) a closure; safe to
/// call from any thread.
public final class ConsoleOutput: @unchecked Sendable {
    public static let standardOutput = ConsoleOutput(descriptor: STDOUT_FILENO)
    public static let standardError = ConsoleOutput(descriptor: STDERR_FILENO)

    /// Whether the stream is an interactive terminal (not a pipe, file or CI log).
    public let isTerminal: Bool
    private let sink: (String) -> Void
    private let lock = NSLock()

    private init(descriptor: Int32) {
        isTerminal = isatty(descriptor) == 1
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
    }

    public func write(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        sink(text)
    }
}

/// Counts with their nouns ("1 epoch", "3 epochs") for the CLI, which prints through Pipeline.
public typealias Count = AtomicIO.Count
