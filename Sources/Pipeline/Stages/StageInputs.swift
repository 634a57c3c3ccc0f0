import AtomicIO
import Foundation

/// Checks a standalone command makes on its inputs before it says it is working on them, so
/// that a mistyped path gets one clear message and nothing is announced, created or half done.
enum StageInputs {
    /// A data set folder: an existing folder holding `labels.csv` or `labels.xlsx`.
    static func requireDataset(_ folder: String, option: String) throws {
        guard FileKind(path: folder) == .folder else {
            throw PipelineError.missingInput(path: folder, problem: FileKind(path: folder) == nil ? "it does not exist" : "it is not a folder",
                                             advice: "\(option) takes a data set folder written by `asl-lab generate`")
        }
        let labels = ["labels.csv", "labels.xlsx"].map { (folder as NSString).appendingPathComponent($0) }
        guard labels.contains(where: { FileKind(path: $0) == .regular }) else {
            throw PipelineError.missingInput(path: folder, problem: "it holds neither labels.csv nor labels.xlsx, so it is not a data set",
                                             advice: "\(option) takes a data set folder written by `asl-lab generate`")
        }
    }

    /// A file that must exist (a model, an input matrix).
    static func requireFile(_ path: String, option: String, what: String) throws {
        switch FileKind(path: path) {
        case .regular?: return
        case nil: throw PipelineError.missingInput(path: path, problem: "it does not exist", advice: "\(option) takes \(what)")
        default: throw PipelineError.missingInput(path: path, problem: "it is not a file", advice: "\(option) takes \(what)")
        }
    }
}
