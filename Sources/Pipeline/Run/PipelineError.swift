import Foundation
import FileFormats
import Storage
/// What can go wrong in running the pipeline itself: a stage name, a stop, a failed stage,
/// a file the pipeline writes. (Run folders and the cache have `StorageError`.)
public enum PipelineError: Error, Equatable, CustomStringConvertible, UserFacingError {
    case cannotWrite(path: String, reason: String)
    case unknownStage(String)
    /// Work stopped by a signal: what stopped (`run`, `train`…), the stage's own account of what
    /// it kept, and how to carry on.
    case interrupted(what: String, detail: String, advice: String)
    /// A stage of `run` failed: the stage's message, and the run folder that records it.
    case runFailed(stage: String, message: String, runFolder: String)
    /// A `--note` or `--tag` that cannot be kept as given.
    case badLabel(String)
    /// An input a command was given (a model, a data set folder) is missing or of the wrong kind.
    case missingInput(path: String, problem: String, advice: String)
    /// A Slurm program (`sbatch`) is not on PATH.
    case slurmNotInstalled(program: String)
    /// Slurm refused a request or answered in a way we cannot read: what was asked (a sentence
    /// fragment naming the script), and Slurm's own words.
    case slurmFailed(action: String, detail: String)
    /// A value for a Slurm option (`--partition`, `--time`, `--cpus-per-task`, a log path…)
    /// that cannot go into a batch script.
    case badSlurmOption(option: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason):
            return "Cannot write \(path): \(reason)."
        case .unknownStage(let name):
            return "There is no stage \"\(name)\"; the stages are \(PipelineStage.allCases.map(\.rawValue).joined(separator: ", "))."
        case .interrupted(let what, let detail, let advice):
            return "Stopped \(what) on request. \(detail) \(advice)"
        case .badLabel(let sentence):
            return sentence
        case .missingInput(let path, let problem, let advice):
            return "Cannot use \(path): \(problem); \(advice). Nothing was done."
        case .slurmNotInstalled(let program):
            return "Cannot submit to Slurm: \(program) is not on PATH. Install Debian's slurm-client package (apt-get install slurm-client) on this machine, which also needs the cluster's slurm.conf, or submit from the cluster's login node, which has it. Nothing was submitted."
        case .slurmFailed(let action, let detail):
            // Slurm's messages come one per line; the paragraph keeps them as sentences.
            let words = detail.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return "Slurm could not \(action): \(words.isEmpty ? "it gave no reason" : words.joined(separator: "; "))."
        case .badSlurmOption(let option, let value, let expected):
            return "\(option) \(CommandLineText.quote(value)) cannot be given to Slurm: \(expected). Nothing was submitted."
        case .runFailed(let stage, let message, let runFolder):
            let sentence = message.hasSuffix(".") ? message : message + "."
            return "The \(stage) stage failed: \(sentence) The run folder \(runFolder) records the failure (status: failed); stages that finished are cached, so running the same command again after fixing the cause does only what is left."
        }
    }
}

extension PipelineRun {
    /// The stage `--until` or `--force` names.
    public static func stage(named name: String) throws -> PipelineStage {
        try PipelineStage.named(name)
    }

    /// The first stage `--force` reruns: `all` stands for every stage.
    public static func forcedStage(named name: String, all: String) throws -> PipelineStage {
        name == all ? PipelineStage.allCases[0] : try PipelineStage.named(name)
    }
}

extension PipelineStage {
    /// Parses a stage name given on the command line.
    public static func named(_ name: String) throws -> PipelineStage {
        guard let stage = PipelineStage(rawValue: name.lowercased()) else { throw PipelineError.unknownStage(name) }
        return stage
    }
}
