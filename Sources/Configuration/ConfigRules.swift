import AtomicIO
import Foundation
import NN
import Yams

/// Turns YAML nodes into checked values, and checks the rules that span several keys.
enum ConfigRules {
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

        case .integerList(let count, let range):
            let list = try integers(count: count)
            guard list.allSatisfy(range.contains) else {
                throw outOfRange("a list of \(count) integers, each \(describe(range))", "[" + list.map(String.init).joined(separator: ", ") + "]")
            }
            return .list(list.map(ConfigValue.integer))
        }
    }

    /// Rules that involve more than one key, or more than a key's own range.
    static func checkConsistency(_ config: EffectiveConfig) throws {
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
