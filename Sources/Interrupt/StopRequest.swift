import Foundation

/// A user's request to stop long work (SIGINT, SIGTERM) that every stage polls at its safe
/// points: generation between batches of images, training between batches and after each
/// epoch's checkpoint, analysis between its phases and t-SNE iterations, the report between
/// figures. A stage that sees it stops, keeps only what a later run may trust, and throws its
/// module's `interrupted` error.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var signal: Int32?

    public init() {}

    /// Asks the work to stop; `signal` is the signal that asked (SIGINT if none).
    public func request(signal: Int32 = SIGINT) {
        lock.lock()
        if self.signal == nil { self.signal = signal }
        lock.unlock()
    }

    public var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return signal != nil
    }

    /// The signal that asked for the stop, if any.
    public var requestingSignal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return signal
    }
}

extension Optional where Wrapped == StopRequest {
    /// Whether a stop was asked for (false when there is no request to ask through).
    public var isRequested: Bool { self?.isRequested ?? false }
}
