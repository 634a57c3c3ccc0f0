/// What can go wrong in the pipeline itself (cache, locks, run folders, run store).
public enum PipelineError: Error, Equatable, CustomStringConvertible, UserFacingError {
    case cache(path: String, problem: String)
    /// The cache folder itself cannot be used (a file stands there, no permission).
    case cacheFolder(path: String, problem: String)
    case cannotWrite(path: String, reason: String)
    case unknownStage(String)
    case noSuchRun(String, reports: String)
    case ambiguousRun(String, matches: [String])
    /// Work stopped by a signal: what stopped (`run`, `train`…), the stage's own account of what
    /// it kept, and how to carry on.
    case interrupted(what: String, detail: String, advice: String)
    /// A stage of `run` failed: the stage's message, and the run folder that records it.
    case runFailed(stage: String, message: String, runFolder: String)
    /// `cache verify` found damaged entries (and removed them).
    case cacheDamaged(String)
    /// A run folder without a manifest (it stopped before writing one, or is not a run).
    case nothingRecorded(String, status: String)
    /// A run that is not complete where only complete ones may be used.
    case incompleteRun(String, status: String)

    public var description: String {
        switch self {
        case .cache(let path, let problem):
            return "The cache entry \(path) cannot be used: \(problem)."
        case .cacheFolder(let path, let problem):
            return "The cache folder \(path) cannot be used: \(problem). Choose another one with --cache."
        case .cannotWrite(let path, let reason):
            return "Cannot write \(path): \(reason)."
        case .unknownStage(let name):
            return "There is no stage \"\(name)\"; the stages are \(PipelineStage.allCases.map(\.rawValue).joined(separator: ", "))."
        case .noSuchRun(let id, let reports):
            return "No run \"\(id)\" in \(reports); `asl-lab runs list` shows the runs there."
        case .ambiguousRun(let id, let matches):
            return "\"\(id)\" matches several runs (\(matches.joined(separator: ", "))); give more of the folder name."
        case .interrupted(let what, let detail, let advice):
            return "Stopped \(what) on request. \(detail) \(advice)"
        case .runFailed(let stage, let message, let runFolder):
            let sentence = message.hasSuffix(".") ? message : message + "."
            return "The \(stage) stage failed: \(sentence) The run folder \(runFolder) records the failure (status: failed); stages that finished are cached, so running the same command again after fixing the cause does only what is left."
        case .cacheDamaged(let summary):
            return summary + " The next run that needs a removed entry computes it again."
        case .nothingRecorded(let run, let status):
            return "The run \(run) (\(status)) has no manifest.json, so there is nothing of it to compare; it stopped before recording anything."
        case .incompleteRun(let run, let status):
            return "The run \(run) is not complete (\(status)); only complete runs can be archived. Run it again to finish it, or choose another run."
        }
    }
}

/// The pipeline's stages, in order.
public enum PipelineStage: String, CaseIterable, Sendable, Comparable {
    case generate, train, analyse, report

    public static func < (a: PipelineStage, b: PipelineStage) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses a stage name given on the command line.
    public static func named(_ name: String) throws -> PipelineStage {
        guard let stage = PipelineStage(rawValue: name.lowercased()) else { throw PipelineError.unknownStage(name) }
        return stage
    }
}
