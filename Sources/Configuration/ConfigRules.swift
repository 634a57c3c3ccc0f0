import AtomicIO
import Foundation
import NN
import Yams

/// Turns YAML nodes into checked values, and checks the rules that span several keys.
public enum ConfigRules {
    /// The value `node` gives `field`, or an error naming the key, what it expects and what it got.
    static func value(of node: Node, for field: ConfigField, source: ConfigSource) throws -> ConfigValue {
        let key = field.key
        func wrongType() -> ConfigError {
            .wrongType(key: key, expected: field.kind.expected, got: ConfigLoader.describe(node), source: source)
        }
        func outOfRange(_ requirement: String, _ got: String) -> ConfigError {
            .outOfRange(key: key, requirement: requirement, got: got, source: source)
        }
        func integers(count: Int) throws -> [Int] {
            guard case .sequence(let sequence) = node, sequence.count == count else { throw wrongType() }
            return try sequence.map { try integer($0) ?? { throw wrongType() }() }
        }

        switch field.kind {
        case .integer(let range):
            guard let v = integer(node) else { throw wrongType() }
            guard range.contains(v) else { throw outOfRange(describe(range), String(v)) }
            return .integer(v)

        case .optionalInteger(let range):
            if case .scalar(let scalar) = node, ConfigLoader.isNull(scalar) { return .none }
            guard let v = integer(node) else { throw wrongType() }
            guard range.contains(v) else { throw outOfRange(describe(range) + " (or null for no limit)", String(v)) }
            return .integer(v)

        case .number(let bounds):
            guard let v = number(node) else { throw wrongType() }
            guard v.isFinite else { throw outOfRange("a finite number", scalarText(node)) }
            guard bounds.contains(v) else { throw outOfRange(bounds.requirement, scalarText(node)) }
            return .number(v)

        case .boolean:
            guard case .scalar(let scalar) = node, scalar.style == .plain else { throw wrongType() }
            switch scalar.string {
            case "true", "True", "TRUE": return .boolean(true)
            case "false", "False", "FALSE": return .boolean(false)
            default: throw wrongType()
            }

        case .text:
            guard case .scalar(let scalar) = node, !ConfigLoader.isNull(scalar) else { throw wrongType() }
            return .text(scalar.string)

        case .choice(let options):
            guard case .scalar(let scalar) = node, !ConfigLoader.isNull(scalar) else { throw wrongType() }
            guard options.contains(scalar.string) else {
                throw outOfRange("one of " + options.joined(separator: ", "), "\"\(scalar.string)\"")
            }
            return .text(scalar.string)

        case .numberRange(let bounds):
            guard case .sequence(let sequence) = node, sequence.count == 2,
                  let lo = number(sequence[0]), let hi = number(sequence[1]) else { throw wrongType() }
            let got = "[\(scalarText(sequence[0])), \(scalarText(sequence[1]))]"
            guard lo.isFinite, hi.isFinite, bounds.contains(lo), bounds.contains(hi) else {
                throw outOfRange("a range [low, high] with both ends \(bounds.requirement)", got)
            }
            guard lo <= hi else { throw outOfRange("a range [low, high] with low ≤ high", got) }
            return .list([.number(lo), .number(hi)])

        case .integerRange(let range):
            let pair = try integers(count: 2)
            let got = "[\(pair[0]), \(pair[1])]"
            guard pair.allSatisfy(range.contains) else {
                throw outOfRange("a range [low, high] with both ends \(describe(range))", got)
            }
            guard pair[0] <= pair[1] else { throw outOfRange("a range [low, high] with low ≤ high", got) }
            return .list(pair.map(ConfigValue.integer))

        case .shifts:
            return try shifts(node, key: key, source: source)

        case .integerList(let count, let range):
            let list = try integers(count: count)
            guard list.allSatisfy(range.contains) else {
                throw outOfRange("a list of \(count) integers, each \(describe(range))", "[" + list.map(String.init).joined(separator: ", ") + "]")
            }
            return .list(list.map(ConfigValue.integer))
        }
    }

    /// `analyse.shifts`: a list of `{name, set}` mappings; each name of letters, digits, "-" and
    /// "_", used once; each `set` a mapping of generator keys (`data.*` but the source) to
    /// values checked as those keys check them.
    static func shifts(_ node: Node, key: String, source: ConfigSource) throws -> ConfigValue {
        if case .scalar(let scalar) = node, ConfigLoader.isNull(scalar) { return .list([]) }
        func bad(_ index: Int, _ problem: String) -> ConfigError {
            .outOfRange(key: key, requirement: "a list of {name: NAME, set: {data.KEY: VALUE, …}}", got: "entry \(index + 1): \(problem)", source: source)
        }
        guard case .sequence(let sequence) = node else {
            throw ConfigError.wrongType(key: key, expected: ConfigKind.shifts.expected, got: ConfigLoader.describe(node), source: source)
        }
        var names = Set<String>()
        var shifts: [ConfigValue] = []
        for (i, item) in sequence.enumerated() {
            guard case .mapping(let mapping) = item else { throw bad(i, "not a mapping") }
            var name: String?
            var settings: [ConfigEntry] = []
            for (keyNode, entryValue) in mapping {
                switch keyNode.scalar?.string {
                case "name":
                    guard case .scalar(let scalar) = entryValue, !scalar.string.isEmpty, scalar.string.count <= 40,
                          scalar.string.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                        throw bad(i, "the name must be 1 to 40 letters, digits, - or _")
                    }
                    name = scalar.string
                case "set":
                    guard case .mapping(let set) = entryValue else { throw bad(i, "set must be a mapping of data.* keys to values") }
                    for (settingKey, settingValue) in set {
                        let dotted = settingKey.scalar?.string ?? ""
                        guard dotted.hasPrefix("data."), !["data.source", "data.folder"].contains(dotted), let field = ConfigSchema.field(dotted) else {
                            throw bad(i, "\(InputText.quoted(dotted)) is not a generator key (data.distance.min, data.augment.blur.probability, …)")
                        }
                        settings.append(ConfigEntry(dotted, try value(of: settingValue, for: field, source: source)))
                    }
                default:
                    throw bad(i, "unknown key \(InputText.quoted(keyNode.scalar?.string ?? "?")); an entry has name and set")
                }
            }
            guard let name else { throw bad(i, "it has no name") }
            guard !settings.isEmpty else { throw bad(i, "its set names no data.* key to change") }
            guard names.insert(name).inserted else { throw bad(i, "the name \(name) is used twice") }
            let order = ConfigSchema.fields.map(\.key)
            settings.sort { order.firstIndex(of: $0.key)! < order.firstIndex(of: $1.key)! }
            shifts.append(.mapping([ConfigEntry("name", .text(name)), ConfigEntry("set", .mapping(settings))]))
        }
        return .list(shifts)
    }

    /// Rules that involve more than one key, or more than a key's own range (split fractions sum
    /// to 1, ranges in order …).
    public static func checkConsistency(_ config: EffectiveConfig) throws {
        let lo = config.double("data.distance.min"), hi = config.double("data.distance.max")
        guard lo < hi else {
            throw ConfigError.inconsistent(
                keys: ["data.distance.min", "data.distance.max"],
                problem: "Config key \"data.distance.min\" (\(fmt(lo)), \(config.source(of: "data.distance.min"))) must be less than \"data.distance.max\" (\(fmt(hi)), \(config.source(of: "data.distance.max"))).")
        }
        let split = ["train", "val", "test"].map { config.double("train.split." + $0) }
        let total = split.reduce(0, +)
        guard abs(total - 1) <= 1e-6 else {
            throw ConfigError.inconsistent(
                keys: ["train.split.train", "train.split.val", "train.split.test"],
                problem: "The fractions train.split.train + train.split.val + train.split.test must sum to 1, but \(split.map(fmt).joined(separator: " + ")) = \(fmt(total)).")
        }
        if config.text("data.source") == "folder", config.text("data.folder").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ConfigError.inconsistent(keys: ["data.source", "data.folder"],
                                           problem: "Config key \"data.source\" is folder (\(config.source(of: "data.source"))) but \"data.folder\" names no folder; set it to the folder holding labels.csv (or use `asl-lab run --data DIR`).")
        }
        if config.text("data.source") == "folder", case .list(let shifts) = config["analyse.shifts"], !shifts.isEmpty {
            throw ConfigError.inconsistent(keys: ["data.source", "analyse.shifts"],
                                           problem: "Config key \"analyse.shifts\" draws shifted sets with the pattern generator, but \"data.source\" is folder (\(config.source(of: "data.source"))); evaluate a folder model on another folder with `asl-lab analyse --whole --data OTHER --model MODEL --out DIR` instead.")
        }
        let inputSize = config.int("train.input_size")
        guard inputSize % 8 == 0 else {
            throw ConfigError.outOfRange(key: "train.input_size", requirement: "a multiple of 8 (the model halves it three times)",
                                         got: String(inputSize), source: config.source(of: "train.input_size"))
        }
        if let problem = TrainingMemory(config).problem(available: Double(ProcessInfo.processInfo.physicalMemory)) {
            throw ConfigError.inconsistent(keys: TrainingMemory.keys, problem: problem)
        }
    }

    // MARK: scalars

    private static func integer(_ node: Node) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return nil }
        let text = scalar.string.hasPrefix("+") ? String(scalar.string.dropFirst()) : scalar.string
        return Int(text)
    }

    private static func number(_ node: Node) -> Double? {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return nil }
        switch scalar.string {
        case ".inf", ".Inf", ".INF", "+.inf": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default:
            // Only decimal spellings: Swift's parser would also take "nan", "inf" and hex floats.
            let text = scalar.string
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { return nil }
            return Double(text)
        }
    }

    private static func scalarText(_ node: Node) -> String {
        node.scalar?.string ?? ConfigLoader.describe(node)
    }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
    }

    private static func fmt(_ v: Double) -> String {
        String(format: "%g", v) // 0.7 + 0.2 + 0.15 = 1.05, not 1.0499999999999998
    }
}

extension EffectiveConfig {
    /// The integer at `key`; the schema guarantees its type.
    func int(_ key: String) -> Int {
        guard case .integer(let v) = self[key] else { preconditionFailure("\(key) is not an integer") }
        return v
    }

    /// The number at `key` (integers widen).
    func double(_ key: String) -> Double {
        switch self[key] {
        case .number(let v): return v
        case .integer(let v): return Double(v)
        default: preconditionFailure("\(key) is not a number")
        }
    }
}
