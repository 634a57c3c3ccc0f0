import AtomicIO
import Foundation

/// What can stop `asl-lab report`. Missing analysis files are not errors (the pages say what
/// is missing); these are problems with the run folder or the templates themselves.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    case notARunFolder(String)
    case missingFile(String)
    case unreadable(path: String, reason: String)
    case template(name: String, reason: String)
    /// Stopped on request (a signal) before the pages were written.
    case interrupted

    public var description: String {
        switch self {
        case .notARunFolder(let path):
            return "\(path) is not a run folder: it has neither history.csv, training.json nor manifest.json. Pass the folder `asl-lab run` or `asl-lab train --out` wrote."
        case .missingFile(let path):
            return "\(path) does not exist."
        case .unreadable(let path, let reason):
            return "\(path) cannot be read: \(reason)."
        case .template(let name, let reason):
            return "The report template \(name) is not valid Mustache: \(reason). Fix it, or drop --templates to use the built-in templates."
        case .interrupted:
            return "The report was stopped before its pages were written; pages of an earlier report of this folder, if any, are unchanged."
        }
    }

}
