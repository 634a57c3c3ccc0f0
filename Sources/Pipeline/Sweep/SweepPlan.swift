import BuildInfo
import Configuration
import Digest
import FileFormats
import Foundation
import Storage

/// What a sweep runs: the config every member shares (`--config` and the single-valued
/// `--set`s), the swept keys with their values (`--set key=v1,v2,…`, `--set key=a..b`), and the
/// members made of them, every combination (`--grid`) or the n-th values together (`--zip`).
/// Each member is an ordinary run of a complete config; the plan checks every member's config
/// before anything runs.
public struct SweepPlan: Sendable {
    /// How the swept lists combine.
    public enum Mode: String, Sendable {
        /// Every combination (the cartesian product).
        case grid
        /// The n-th value of every list together; the lists are as long.
        case zip
    }

    /// One member: its name, its swept values and its whole config.
    public struct Member: Sendable {
        public var index: Int
        public var name: String
        /// Swept key → value (YAML text), in the axes' order.
        public var values: [(key: String, value: String)]
        public var config: EffectiveConfig

        /// "train.learning_rate=0.002, seed=3".
        public var label: String { values.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") }
    }

    /// The most members a sweep runs without `--yes`.
    public static let memberLimit = 1000

    public var name: String
    public var mode: Mode
    public var axes: [SweepRecord.Axis]
    public var baseConfig: String?
    public var fixedOverrides: [String]
    public var members: [Member]

    /// Keys that only change the seed: the sweep report averages over them.
    public static let seedKeys = SweepRecord.seedKeys

    /// Splits `overrides` into the fixed and the swept ones and builds the members. Throws on an
    /// empty list, a duplicate value, a bad range, an unknown key (suggesting the nearest), a
    /// key swept twice, `--zip` lists of different lengths, a member config that breaks a rule,
    /// and more than `memberLimit` members unless `allowMany`.
    public init(name: String, configFile: String?, overrides: [String], mode: Mode, allowMany: Bool = false) throws {
        self.name = name
        self.mode = mode
        baseConfig = configFile
        var fixed: [String] = []
        var axes: [SweepRecord.Axis] = []
        for override in overrides {
            guard let values = try Self.sweptValues(override) else {
                fixed.append(override)
                continue
            }
            let key = Self.key(of: override)
            guard !axes.contains(where: { $0.key == key }) else { throw SweepError.keySweptTwice(key) }
            axes.append(SweepRecord.Axis(key: key, values: values))
        }
        fixedOverrides = fixed
        self.axes = axes
        guard !axes.isEmpty else { throw SweepError.nothingSwept }
        let base = try ConfigLoader.load(file: configFile, overrides: fixed)

        // Each value alone, against the shared config: a bad value is named with its key, and a
        // duplicate is found by what it means (0.001 and 1e-3 are one value).
        var canonical: [[String]] = []
        for axis in axes {
            var seen: [String: String] = [:]
            var texts: [String] = []
            for value in axis.values {
                var config = base
                try ConfigLoader.apply(override: "\(axis.key)=\(value)", to: &config)
                let meaning = config[axis.key].canonical
                if let earlier = seen[meaning] {
                    throw SweepError.badValues(override: "\(axis.key)=\(axis.values.joined(separator: ","))",
                                               problem: earlier == value ? "\(value) is listed twice" : "\(earlier) and \(value) are the same value")
                }
                seen[meaning] = value
                texts.append(config[axis.key].yaml)
            }
            canonical.append(texts)
        }
        let combinations: [[Int]]
        switch mode {
        case .grid:
            let count = axes.reduce(1) { $0.multipliedReportingOverflow(by: $1.values.count).partialValue }
            if count > Self.memberLimit && !allowMany { throw SweepError.tooManyMembers(count: count, limit: Self.memberLimit) }
            combinations = axes.reduce([[]]) { partial, axis in partial.flatMap { prefix in axis.values.indices.map { prefix + [$0] } } }
        case .zip:
            let lengths = Set(axes.map(\.values.count))
            guard lengths.count == 1 else {
                throw SweepError.zipLengths(Dictionary(uniqueKeysWithValues: axes.map { ($0.key, $0.values.count) }))
            }
            if lengths.first! > Self.memberLimit && !allowMany { throw SweepError.tooManyMembers(count: lengths.first!, limit: Self.memberLimit) }
            combinations = (0..<lengths.first!).map { i in axes.map { _ in i } }
        }
        let width = String(combinations.count).count
        members = try combinations.enumerated().map { offset, choice in
            var config = base
            var values: [(key: String, value: String)] = []
            for (axis, index) in zip(axes.indices, choice) {
                try ConfigLoader.apply(override: "\(axes[axis].key)=\(axes[axis].values[index])", to: &config)
                values.append((axes[axis].key, canonical[axis][index]))
            }
            let name = Self.memberName(index: offset + 1, width: width, values: values)
            do { try ConfigRules.checkConsistency(config) } catch {
                throw SweepError.memberConfig(member: "\(name) (\(values.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")))", problem: "\(error)")
            }
            return Member(index: offset + 1, name: name, values: values, config: config)
        }
    }

    /// SHA-256 of the sweep's name and its members' config hashes in order: the same sweep run
    /// again has the same hash (and carries on in its folder); another name starts a new one.
    public var hash: String {
        SHA256.hex("name=\(name)\n" + members.map(\.config.hash).joined(separator: "\n"))
    }

    /// The record `sweep.json` keeps.
    public func record(created: String, slurm: SweepRecord.SlurmJobs? = nil) -> SweepRecord {
        SweepRecord(name: name, created: created, mode: mode.rawValue, axes: axes, baseConfig: baseConfig, fixedOverrides: fixedOverrides,
                    members: members.map { member in
                        SweepRecord.Member(index: member.index, name: member.name, values: Dictionary(uniqueKeysWithValues: member.values.map { ($0.key, $0.value) }),
                                           configHash: member.config.hash, configFile: SweepFolder.configFile(of: member.name))
                    },
                    hash: hash, toolVersion: ToolInfo.version, slurm: slurm)
    }

    /// "m03-learning_rate-0.002-seed-3": the index keeps names unique and in order; the keys'
    /// last parts and the values say what the member is.
    static func memberName(index: Int, width: Int, values: [(key: String, value: String)]) -> String {
        let number = String(repeating: "0", count: max(0, width - String(index).count)) + String(index)
        let parts = values.map { ($0.key.split(separator: ".").last.map(String.init) ?? $0.key) + "-" + $0.value }
        let text = "m\(number)-" + parts.joined(separator: "-")
        let safe = String(text.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" })
        return String(safe.prefix(56))
    }

    static func key(of override: String) -> String {
        String(override.prefix { $0 != "=" }).trimmingCharacters(in: .whitespaces)
    }

    /// The values of a swept `--set` (a comma-separated list outside brackets, each item a value
    /// or an integer range `a..b`), or nil for a single value. Free-text keys are never split.
    static func sweptValues(_ override: String) throws -> [String]? {
        guard let equals = override.firstIndex(of: "=") else { return nil }
        let key = key(of: override)
        if let field = ConfigSchema.field(key), field.kind == .text { return nil }
        let text = String(override[override.index(after: equals)...])
        var items: [String] = []
        var depth = 0
        var current = ""
        for character in text {
            switch character {
            case "[", "{": depth += 1
            case "]", "}": depth -= 1
            case "," where depth == 0:
                items.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        items.append(current)
        items = items.map { $0.trimmingCharacters(in: .whitespaces) }
        let hasRange = items.contains { $0.contains("..") }
        guard items.count > 1 || hasRange else { return nil }
        var values: [String] = []
        for item in items {
            guard !item.isEmpty else {
                throw SweepError.badValues(override: override, problem: "the list has an empty value (two commas together, or one at an end)")
            }
            if item.contains("..") {
                values += try range(item, override: override)
            } else {
                values.append(item)
            }
        }
        return values
    }

    /// `a..b`: the integers from a to b, both included.
    static func range(_ item: String, override: String) throws -> [String] {
        let ends = item.components(separatedBy: "..")
        guard ends.count == 2, let low = Int(ends[0].trimmingCharacters(in: .whitespaces)), let high = Int(ends[1].trimmingCharacters(in: .whitespaces)) else {
            throw SweepError.badValues(override: override, problem: "\(item) is not a range of integers a..b (both ends included, e.g. 0..4)")
        }
        guard low <= high else {
            throw SweepError.badValues(override: override, problem: "the range \(item) is empty (its start is above its end)")
        }
        // Counted in 128 bits: 0..9223372036854775807 has one value more than an Int holds.
        let count = Int128(high) - Int128(low) + 1
        guard count <= Int128(memberLimit * 10) else {
            throw SweepError.badValues(override: override, problem: "the range \(item) has \(count) values, far more than a sweep can run")
        }
        return (low...high).map(String.init)
    }
}
