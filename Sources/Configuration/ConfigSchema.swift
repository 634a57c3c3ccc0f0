import Synth

/// Limits of a real-valued key; either end may be open, inclusive or exclusive.
public struct NumberBounds: Sendable, Equatable {
    public var min: Double?
    public var minInclusive = true
    public var max: Double?
    public var maxInclusive = true

    func contains(_ v: Double) -> Bool {
        if let min, minInclusive ? v < min : v <= min { return false }
        if let max, maxInclusive ? v > max : v >= max { return false }
        return true
    }

    /// The rule in words, e.g. "between 0 and 1" or "greater than 0".
    var requirement: String {
        func n(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }
        switch (min, max) {
        case let (lo?, hi?) where minInclusive && maxInclusive: return "between \(n(lo)) and \(n(hi))"
        case let (lo?, hi?):
            return "\(minInclusive ? "at least" : "greater than") \(n(lo)) and \(maxInclusive ? "at most" : "less than") \(n(hi))"
        case let (lo?, nil): return "\(minInclusive ? "at least" : "greater than") \(n(lo))"
        case let (nil, hi?): return "\(maxInclusive ? "at most" : "less than") \(n(hi))"
        case (nil, nil): return "a finite number"
        }
    }

    static func atLeast(_ v: Double) -> NumberBounds { NumberBounds(min: v) }
    static func above(_ v: Double) -> NumberBounds { NumberBounds(min: v, minInclusive: false) }
    static func within(_ lo: Double, _ hi: Double) -> NumberBounds { NumberBounds(min: lo, max: hi) }
}

/// What values a key accepts.
public enum ConfigKind: Sendable, Equatable {
    case integer(ClosedRange<Int>)
    /// An integer, or `null` for "no limit".
    case optionalInteger(ClosedRange<Int>)
    case number(NumberBounds)
    case boolean
    case text
    case choice([String])
    /// `[low, high]` with low ≤ high, both within the bounds.
    case numberRange(NumberBounds)
    /// `[low, high]` integers with low ≤ high, both within the range.
    case integerRange(ClosedRange<Int>)
    /// Exactly `count` integers, each within the range.
    case integerList(count: Int, ClosedRange<Int>)
    /// A list of shifted evaluation sets: `{name: NAME, set: {data.KEY: VALUE, …}}` each.
    case shifts

    /// The expected type in words, for error messages.
    var expected: String {
        switch self {
        case .integer: return "an integer"
        case .optionalInteger: return "an integer or null"
        case .number: return "a number"
        case .boolean: return "true or false"
        case .text: return "a text value"
        case .choice(let options): return "one of " + options.joined(separator: ", ")
        case .numberRange: return "a range of two numbers [low, high]"
        case .integerRange: return "a range of two integers [low, high]"
        case .integerList(let count, _): return "a list of \(count) integers"
        case .shifts: return "a list of {name: NAME, set: {data.KEY: VALUE, …}}"
        }
    }
}

/// One key of the configuration: its dotted path, what it accepts, its default and meaning.
public struct ConfigField: Sendable {
    public let key: String
    public let kind: ConfigKind
    public let defaultValue: ConfigValue
    /// One sentence for the README and `config reference`, with units.
    public let summary: String
    /// false for keys added after runs were cached: at their default they stay out of every
    /// hash, so that the stage keys and config hashes (recorded in model files) of configs
    /// that do not use them stay what they were.
    public var hashedAtDefault = true
}

/// Every key `asl-lab` understands, in the order `config show` prints them. The defaults here
/// are the embedded default configuration; where they come from the original Python project
/// the summary says so.
public enum ConfigSchema {
    public static let fields: [ConfigField] = [
        .init(key: "seed", kind: .integer(0...Int.max), defaultValue: .integer(0),
              summary: "Seed of every random choice: same config and seed give the same bytes (`data.seed` and `train.seed`, when set, take over for their stages)."),

        .init(key: "data.seed", kind: .optionalInteger(0...Int.max), defaultValue: .none,
              summary: "Seed of the data set's random choices alone; null (the default) uses `seed`. Fix it to sweep `train.seed` over one data set.",
              hashedAtDefault: false),
        .init(key: "data.images_per_letter", kind: .integer(1...1_000_000), defaultValue: .integer(450),
              summary: "Images generated per letter (26 letters); 450 with 3 epochs reaches ≥ 97 % test accuracy. Original: 20 (demo) or 4000."),
        .init(key: "data.image_size", kind: .integer(32...4096), defaultValue: .integer(256),
              summary: "Side of the square generated images, in pixels. Original: 256."),
        .init(key: "data.families", kind: .choice(["asl26", "seed4"]), defaultValue: .text("asl26"),
              summary: "Pattern families: asl26 draws a distinct family per letter; seed4 reproduces the original (letter index mod 4, only 4 real styles)."),
        .init(key: "data.distance.min", kind: .number(NumberBounds(min: 0, minInclusive: false, max: LabelsTable.maximumDistance)), defaultValue: .number(1),
              summary: "Smallest distance scalar d; the shape is drawn at scale 1.5/d. Original: 1."),
        .init(key: "data.distance.max", kind: .number(NumberBounds(min: 0, minInclusive: false, max: LabelsTable.maximumDistance)), defaultValue: .number(5),
              summary: "Largest distance scalar d. Original: 5."),
        .init(key: "data.augment.rotation_degrees", kind: .number(.within(0, 360)), defaultValue: .number(360),
              summary: "Rotation drawn uniformly from [0, this) degrees. Original: 360."),
        .init(key: "data.augment.blur.probability", kind: .number(.within(0, 1)), defaultValue: .number(0.2),
              summary: "Probability that an image is Gaussian-blurred. Original: 0.2."),
        .init(key: "data.augment.blur.radius", kind: .numberRange(.within(0, 50)), defaultValue: .list([.number(0.5), .number(1.5)]),
              summary: "Blur radius range in pixels, drawn uniformly. Original: [0.5, 1.5]."),
        .init(key: "data.augment.noise_sigma", kind: .number(.within(0, 128)), defaultValue: .number(6),
              summary: "Standard deviation of additive Gaussian pixel noise, in 8-bit levels. Original: 6."),
        .init(key: "data.augment.perlin.amplitude", kind: .number(.within(0, 255)), defaultValue: .number(12),
              summary: "Peak amplitude of the Perlin background texture, in 8-bit levels (0 turns it off; the original promised it but had none)."),
        .init(key: "data.augment.perlin.scale", kind: .number(.above(0)), defaultValue: .number(48),
              summary: "Feature size of the Perlin texture, in pixels."),
        .init(key: "data.augment.background.base", kind: .integerRange(0...255), defaultValue: .list([.integer(200), .integer(255)]),
              summary: "Range of the background grey level. Original: [200, 255]."),
        .init(key: "data.augment.background.jitter", kind: .integer(0...255), defaultValue: .integer(20),
              summary: "Per-channel jitter added to the background grey level. Original: 20."),
        .init(key: "data.augment.geometric_jitter", kind: .number(.within(0, 1)), defaultValue: .number(0.15),
              summary: "Relative random perturbation of primitive positions, lengths and angles (0 = none)."),
        .init(key: "data.source", kind: .choice(["generated", "folder"]), defaultValue: .text("generated"),
              summary: "Where the images come from: generated by the pattern generator (the data.* keys above), or a folder of your own (data.folder; the generator keys are then not used).",
              hashedAtDefault: false),
        .init(key: "data.folder", kind: .text, defaultValue: .text(""),
              summary: "With data.source: folder, the data set folder: labels.csv or labels.xlsx with the columns filepath, label and optionally distance, and the PNG images it names (`run --data DIR` sets both keys).",
              hashedAtDefault: false),

        .init(key: "train.seed", kind: .optionalInteger(0...Int.max), defaultValue: .none,
              summary: "Seed of training alone (the split of the data set, the initial weights, the order of batches) and of the analysis; null (the default) uses `seed`.",
              hashedAtDefault: false),
        .init(key: "train.input_size", kind: .integer(16...1024), defaultValue: .integer(128),
              summary: "Side of the model's input in pixels, a multiple of 8 (images are resized to it). Original: 128."),
        .init(key: "train.batch_size", kind: .integer(1...4096), defaultValue: .integer(32),
              summary: "Images per optimisation step. Original: 32."),
        .init(key: "train.epochs", kind: .integer(1...100_000), defaultValue: .integer(3),
              summary: "Passes over the training split. Original: 100."),
        .init(key: "train.learning_rate", kind: .number(NumberBounds(min: 0, minInclusive: false, max: 10)), defaultValue: .number(0.001),
              summary: "Adam learning rate. Original: 0.001."),
        .init(key: "train.learning_rate_decay", kind: .number(.within(0, 1)), defaultValue: .number(0.3),
              summary: "Fraction of all steps, at the end, over which the learning rate falls linearly to 0 (0 keeps it constant, as the original)."),
        .init(key: "train.standardise_input", kind: .boolean, defaultValue: .boolean(true),
              summary: "Standardise each input channel by the training images' mean and std while training (false: raw [0, 1] pixels, as the original). The saved model folds it into its first layer and takes [0, 1] images either way."),
        .init(key: "train.precision", kind: .choice(["fp32", "bf16"]), defaultValue: .text("fp32"),
              summary: "Arithmetic of the convolutions' and linear layers' products: fp32, or bf16 (mixed precision as PyTorch's autocast: bf16 operands, fp32 accumulation, fp32 weights, loss and Adam; AVX512-BF16 or AMX, fp32 with a note on CPUs with neither). fp32 gives the same bytes on every AVX-512 CPU; bf16's bytes are the same for a given CPU kind."),
        .init(key: "train.convolution", kind: .choice(["winograd", "winograd-2x2", "direct"]), defaultValue: .text("winograd"),
              summary: "How the convolutions with 16 or more input channels (the second and third) compute: winograd (the default: Winograd F(4×4,3×3), 4× fewer multiply-adds, where the planes' sides are multiples of 4 in fp32, else F(2×2,3×3), 2.25× fewer; bf16 always takes F(2×2), whose rounding stays near bf16's own), winograd-2x2 (F(2×2,3×3) alone, as the builds before F(4×4)) or direct (lowering and one matrix product per piece; the first convolution always computes so). Each gives the same bytes on every AVX-512 CPU, but not the others': their sums round differently."),
        .init(key: "train.distance_loss_weight", kind: .number(.within(0, 1000)), defaultValue: .number(0.25),
              summary: "Weight of the distance MSE in the loss CE + w·MSE. Original: 0.25."),
        .init(key: "train.split.train", kind: .number(NumberBounds(min: 0, minInclusive: false, max: 1)), defaultValue: .number(0.7),
              summary: "Fraction of each letter's images used for training."),
        .init(key: "train.split.val", kind: .number(.within(0, 1)), defaultValue: .number(0.15),
              summary: "Fraction used for validation after each epoch."),
        .init(key: "train.split.test", kind: .number(.within(0, 1)), defaultValue: .number(0.15),
              summary: "Fraction held out for the final evaluation; the three fractions sum to 1."),
        .init(key: "train.model.channels", kind: .integerList(count: 3, 1...1024), defaultValue: .list([.integer(32), .integer(64), .integer(128)]),
              summary: "Output channels of the three conv blocks. Original: [32, 64, 128]."),
        .init(key: "train.model.class_hidden", kind: .integer(1...65536), defaultValue: .integer(256),
              summary: "Hidden units of the letter head. Original: 256."),
        .init(key: "train.model.distance_hidden", kind: .integer(1...65536), defaultValue: .integer(128),
              summary: "Hidden units of the distance head. Original: 128."),

        .init(key: "analyse.tsne.perplexity", kind: .number(NumberBounds(min: 1, max: 1000)), defaultValue: .number(30),
              summary: "t-SNE perplexity (effective number of neighbours)."),
        .init(key: "analyse.tsne.iterations", kind: .integer(1...100_000), defaultValue: .integer(750),
              summary: "t-SNE iterations in all, the first 250 with early exaggeration."),
        .init(key: "analyse.tsne.max_points", kind: .optionalInteger(1...10_000_000), defaultValue: .integer(10_000),
              summary: "Largest number of test images embedded by t-SNE (a seeded subsample above it); null for all."),
        .init(key: "analyse.shifts", kind: .shifts, defaultValue: .list([]),
              summary: "Shifted evaluation sets drawn by the generator, e.g. [{name: far, set: {data.distance.min: 5, data.distance.max: 8}}]: each is the data set with those data.* keys changed (and its own seed), generated through the cache, and the model is evaluated on all of it (the report's Generalisation page).",
              hashedAtDefault: false),
        .init(key: "analyse.samples_per_letter", kind: .integer(0...100), defaultValue: .integer(2),
              summary: "Samples per letter shown with feature maps, predictions and saliency."),

        .init(key: "report.title", kind: .text, defaultValue: .text("ASL synthetic patterns: data set, SmallCNN and embeddings"),
              summary: "Title shown on every page of the report."),
        .init(key: "report.single_file", kind: .boolean, defaultValue: .boolean(false),
              summary: "Also write the whole report as one self-contained HTML file."),
    ]

    /// The field at a dotted key, if there is one.
    public static func field(_ key: String) -> ConfigField? { byKey[key] }

    /// Dotted keys that hold other keys ("data", "data.augment", …).
    public static let sections: Set<String> = {
        var result = Set<String>()
        for field in fields {
            var parts = field.key.split(separator: ".").map(String.init)
            parts.removeLast()
            while !parts.isEmpty {
                result.insert(parts.joined(separator: "."))
                parts.removeLast()
            }
        }
        return result
    }()

    /// The direct children of a section ("" for the top level), as written in YAML.
    static func children(of section: String) -> [String] {
        var seen: [String] = []
        let prefix = section.isEmpty ? "" : section + "."
        for field in fields where field.key.hasPrefix(prefix) {
            let rest = field.key.dropFirst(prefix.count)
            let child = String(rest.split(separator: ".").first!)
            if !seen.contains(child) { seen.append(child) }
        }
        return seen
    }

    private static let byKey: [String: ConfigField] = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0) })
}
