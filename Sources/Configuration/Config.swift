import NN
import Synth
import Training

/// The typed configuration that stages read; built from a checked `EffectiveConfig`.
public struct Config: Equatable, Sendable {
    public var seed: UInt64
    /// The seed of the data set (`data.seed`, else `seed`).
    public var dataSeed: UInt64
    /// The seed of training and analysis (`train.seed`, else `seed`).
    public var trainSeed: UInt64
    public var data: DataConfig
    public var train: TrainConfig
    public var analyse: AnalyseConfig
    public var report: ReportConfig
    /// The user's data set folder (`data.source: folder`), or nil for a generated data set.
    public var dataFolder: String?

    /// The defaults built into the tool.
    public static let defaults = Config(EffectiveConfig.defaults)

    public init(_ c: EffectiveConfig) {
        seed = UInt64(c.int("seed"))
        dataSeed = c.dataSeed
        trainSeed = c.trainSeed
        data = DataConfig(
            imagesPerLetter: c.int("data.images_per_letter"),
            imageSize: c.int("data.image_size"),
            families: FamilySet(rawValue: c.text("data.families"))!,
            distanceMin: c.double("data.distance.min"),
            distanceMax: c.double("data.distance.max"),
            augment: AugmentConfig(
                rotationDegrees: c.double("data.augment.rotation_degrees"),
                blurProbability: c.double("data.augment.blur.probability"),
                blurRadius: c.numberPair("data.augment.blur.radius"),
                noiseSigma: c.double("data.augment.noise_sigma"),
                perlinAmplitude: c.double("data.augment.perlin.amplitude"),
                perlinScale: c.double("data.augment.perlin.scale"),
                backgroundBase: c.integerPair("data.augment.background.base"),
                backgroundJitter: c.int("data.augment.background.jitter"),
                geometricJitter: c.double("data.augment.geometric_jitter")))
        train = TrainConfig(
            inputSize: c.int("train.input_size"),
            batchSize: c.int("train.batch_size"),
            epochs: c.int("train.epochs"),
            learningRate: c.double("train.learning_rate"),
            distanceLossWeight: c.double("train.distance_loss_weight"),
            split: (c.double("train.split.train"), c.double("train.split.val"), c.double("train.split.test")),
            channels: c.integers("train.model.channels"),
            classHidden: c.int("train.model.class_hidden"),
            distanceHidden: c.int("train.model.distance_hidden"),
            standardiseInput: c.bool("train.standardise_input"),
            learningRateDecay: c.double("train.learning_rate_decay"),
            precision: Precision(rawValue: c.text("train.precision"))!,
            convolution: ConvolutionAlgorithm(rawValue: c.text("train.convolution"))!)
        analyse = AnalyseConfig(
            tsnePerplexity: c.double("analyse.tsne.perplexity"),
            tsneIterations: c.int("analyse.tsne.iterations"),
            tsneMaxPoints: c.optionalInt("analyse.tsne.max_points"),
            samplesPerLetter: c.int("analyse.samples_per_letter"))
        report = ReportConfig(title: c.text("report.title"), singleFile: c.bool("report.single_file"))
        dataFolder = c.text("data.source") == "folder" ? c.text("data.folder") : nil
    }
}

/// What the analyse stage reads (`analyse.*`).
public struct AnalyseConfig: Equatable, Sendable {
    public var tsnePerplexity: Double
    public var tsneIterations: Int
    /// nil: embed every test image.
    public var tsneMaxPoints: Int?
    public var samplesPerLetter: Int
}

/// What the report stage reads (`report.*`).
public struct ReportConfig: Equatable, Sendable {
    public var title: String
    public var singleFile: Bool
}

extension EffectiveConfig {
    func text(_ key: String) -> String {
        guard case .text(let v) = self[key] else { preconditionFailure("\(key) is not text") }
        return v
    }

    func bool(_ key: String) -> Bool {
        guard case .boolean(let v) = self[key] else { preconditionFailure("\(key) is not a boolean") }
        return v
    }

    func optionalInt(_ key: String) -> Int? {
        if case .none = self[key] { return nil }
        return int(key)
    }

    func integers(_ key: String) -> [Int] {
        guard case .list(let items) = self[key] else { preconditionFailure("\(key) is not a list") }
        return items.map { item in
            guard case .integer(let v) = item else { preconditionFailure("\(key) holds a non-integer") }
            return v
        }
    }

    func numberPair(_ key: String) -> ClosedRange<Double> {
        guard case .list(let items) = self[key], items.count == 2 else { preconditionFailure("\(key) is not a pair") }
        let v = items.map { item -> Double in
            switch item {
            case .number(let x): return x
            case .integer(let x): return Double(x)
            default: preconditionFailure("\(key) holds a non-number")
            }
        }
        return v[0]...v[1]
    }

    func integerPair(_ key: String) -> ClosedRange<Int> {
        let v = integers(key)
        return v[0]...v[1]
    }
}
