import AtomicIO

/// A record file that cannot be read or written: its path and why, as a sentence.
public enum RecordError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, problem: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let problem): return "\(path) cannot be read: \(problem)."
        case .cannotWrite(let path, let reason): return "Cannot write \(path): \(reason)."
        }
    }

    /// What is wrong, as a phrase without the path.
    public var problem: String {
        switch self {
        case .unreadable(_, let problem): return problem
        case .cannotWrite(_, let reason): return reason
        }
    }

    public var path: String {
        switch self {
        case .unreadable(let path, _), .cannotWrite(let path, _): return path
        }
    }
}
