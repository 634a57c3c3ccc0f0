import BuildInfo
import Configuration
import Digest
import FileFormats
import NN

/// The cache key of each stage (`StageTable`): SHA-256 of the stage's name, the tool's
/// version, the stage's output revision, the key of the stage it is keyed by and the config
/// keys it reads, with `seed` standing for the seed the stage uses (`data.seed` or
/// `train.seed` when set). Changing `train.epochs` changes the train key (and so analyse's and the
/// report's) but not generate's. The train key also names the product kernel where it gives
/// other bytes than the kernel both kinds of machine share (`ProductKernel.distinctArithmetic`:
/// AMX, OpenBLAS, bf16 run in fp32), so a cache shared by machines of both kinds (a
/// cluster's file system) never hands one kind's model to the other as its own; on the
/// shared kernels the keys are what they always were.
public struct StageKeys: Equatable, Sendable {
    private var keys: [PipelineStage: String]

    /// Keys for training on this process's product kernel (`arithmetic(of:)`).
    /// `dataFingerprint`: the content hash of the user's data set folder (`data.source:
    /// folder`; see `DatasetFingerprint`), which is then the generate key's only input.
    public init(config: EffectiveConfig, revisions: [PipelineStage: Int] = StageKeys.outputRevisions, dataFingerprint: String? = nil) {
        self.init(config: config, revisions: revisions, dataFingerprint: dataFingerprint, arithmetic: Self.arithmetic(of: config))
    }

    /// `arithmetic`: `ProductKernel.distinctArithmetic` of the kernel training runs on.
    public init(config: EffectiveConfig, revisions: [PipelineStage: Int] = StageKeys.outputRevisions, dataFingerprint: String? = nil,
                arithmetic: String?) {
        var keys: [PipelineStage: String] = [:]
        for definition in StageTable.stages {
            let revision = revisions[definition.stage, default: 0]
            let input = definition.keyedBy.map { keys[$0]! }
            if definition.stage == .generate, let folder = FolderDataStage.folder(of: config) {
                keys[.generate] = SHA256.hex("stage=generate\nsource=folder\ncontent=\(dataFingerprint ?? "unknown:" + folder)\n")
                continue
            }
            keys[definition.stage] = SHA256.hex("stage=\(definition.stage.rawValue)\ntool=\(ToolInfo.version)\n"
                + (revision > 0 ? "revision=\(revision)\n" : "") + (input.map { "input=\($0)\n" } ?? "")
                + (definition.readsProductKernel ? arithmetic.map { "arithmetic=\($0)\n" } ?? "" : "")
                + config.resolvedText(under: definition.configKeys))
        }
        self.keys = keys
    }

    /// What this process's products would make of `config`'s training where it differs from
    /// the kernel both kinds of machine share; nil on that kernel.
    public static func arithmetic(of config: EffectiveConfig) -> String? {
        let precision = Config(config).train.precision
        return ProductKernel.running(precision).distinctArithmetic(for: precision)
    }

    /// The output revision of every stage, from the table.
    public static var outputRevisions: [PipelineStage: Int] {
        Dictionary(uniqueKeysWithValues: StageTable.stages.map { ($0.stage, $0.revision) })
    }

    public subscript(stage: PipelineStage) -> String { keys[stage]! }

    public var generate: String { self[.generate] }
    public var train: String { self[.train] }
    public var analyse: String { self[.analyse] }
    /// The report's figures drawn from these inputs (all but the run's own timings), kept in
    /// the cache so that a fully cached run links them instead of drawing them again.
    public var reportFigures: String { self[.report] }
}

extension StageKeys {
    /// The keys of `config` as a run computes them, fingerprinting a user's data set folder
    /// (by size and time, rehashing only changed files) when the config names one.
    static func of(_ config: EffectiveConfig, cacheRoot: String) throws -> StageKeys {
        let fingerprint = try FolderDataStage.fingerprint(config: config, cacheRoot: cacheRoot, verify: false)
        return StageKeys(config: config, dataFingerprint: fingerprint?.hash)
    }
}
