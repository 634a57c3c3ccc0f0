import Digest

/// The cache key of each stage: SHA-256 of the stage's name, the tool's version, the config
/// slice it reads and the keys of the stages it reads from. Changing `train.epochs` changes
/// the train key (and so analyse's) but not generate's.
public struct StageKeys: Equatable, Sendable {
    public var generate: String
    public var train: String
    public var analyse: String
    /// The report's figures drawn from these inputs (all but the run's own timings), kept in
    /// the cache so that a fully cached run links them instead of drawing them again.
    public var reportFigures: String

    /// Config keys (prefixes) each cached stage reads.
    public static let configSlices: [PipelineStage: [String]] = [
        .generate: ["seed", "data"],
        .train: ["seed", "train"],
        .analyse: ["analyse"],
        .report: ["report"],
    ]

    public init(config: EffectiveConfig) {
        func key(_ stage: PipelineStage, inputs: [String]) -> String {
            let slice = Self.configSlices[stage]!
            return SHA256.hex("stage=\(stage.rawValue)\ntool=\(ToolInfo.version)\n"
                + inputs.map { "input=\($0)\n" }.joined() + config.canonicalText(under: slice))
        }
        generate = key(.generate, inputs: [])
        train = key(.train, inputs: [generate])
        analyse = key(.analyse, inputs: [train])
        reportFigures = key(.report, inputs: [analyse])
    }

    public func key(of stage: PipelineStage) -> String? {
        switch stage {
        case .generate: return generate
        case .train: return train
        case .analyse: return analyse
        case .report: return nil
        }
    }
}
