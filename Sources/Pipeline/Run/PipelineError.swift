/// What can go wrong in the pipeline itself (cache, locks, run folders, run store).
public enum PipelineError: Error, Equatable, CustomStringConvertible, UserFacingError {
    case cache(path: String, problem: String)
    case cannotWrite(path: String, reason: String)
    case unknownStage(String)
    case noSuchRun(String, reports: String)
    case ambiguousRun(String, matches: [String])

    public var description: String {
        switch self {
        case .cache(let path, let problem):
            return "The cache entry \(path) cannot be used: \(problem)."
        case .cannotWrite(let path, let reason):
            return "Cannot write \(path): \(reason)."
        case .unknownStage(let name):
            return "There is no stage \"\(name)\"; the stages are \(PipelineStage.allCases.map(\.rawValue).joined(separator: ", "))."
        case .noSuchRun(let id, let reports):
            return "No run \"\(id)\" in \(reports); `asl-lab runs list` shows the runs there."
        case .ambiguousRun(let id, let matches):
            return "\"\(id)\" matches several runs (\(matches.joined(separator: ", "))); give more of the folder name."
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
