import Digest

/// The cache key of each stage: SHA-256 of the stage's name, the tool's version, the stage's
/// output revision, the config slice it reads and the keys of the stages it reads from. Changing `train.epochs` changes
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

    /// Raised when a stage's code makes different outputs from the same inputs, so that cache
    /// entries from earlier builds of the same version are not reused for it (and, through the
    /// keys, for the stages after it). A stage at revision 0 keys as it always did.
    /// analyse 1: t-SNE's tree, attraction and neighbour search changed; metrics.json records the search.
    /// report 1: the epoch axes of the training and compare figures tick on whole epochs.
    /// (Training's new keys, train.standardise_input and train.learning_rate_decay, change every
    /// train key through the config slice, so train needed no revision for them.)
    /// train 1: the weight gradients sum over a split of the batch fixed apart from the thread
    /// count, so the trained bytes changed (and no longer depend on `--threads`, which is why
    /// the key leaves the thread count out). train.precision is in the config slice: bf16
    /// changes every train key through it.
    public static let outputRevisions: [PipelineStage: Int] = [.train: 1, .analyse: 1, .report: 1]

    public init(config: EffectiveConfig, revisions: [PipelineStage: Int] = StageKeys.outputRevisions) {
        func key(_ stage: PipelineStage, inputs: [String]) -> String {
            let slice = Self.configSlices[stage]!
            let revision = revisions[stage, default: 0]
            return SHA256.hex("stage=\(stage.rawValue)\ntool=\(ToolInfo.version)\n" + (revision > 0 ? "revision=\(revision)\n" : "")
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
