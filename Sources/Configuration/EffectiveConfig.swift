import Digest

/// The checked values of every key after defaults, file and overrides were merged, with where
/// each came from. It renders as YAML and hashes stably; `Config` is its typed view.
public struct EffectiveConfig: Equatable, Sendable {
    private(set) var values: [String: ConfigValue]
    private(set) var sources: [String: ConfigSource]

    /// The built-in defaults.
    public static let defaults: EffectiveConfig = {
        var config = EffectiveConfig(values: [:], sources: [:])
        for field in ConfigSchema.fields {
            config.values[field.key] = field.defaultValue
            config.sources[field.key] = .defaults
        }
        return config
    }()

    public subscript(key: String) -> ConfigValue {
        guard let value = values[key] else { preconditionFailure("no config key \(key)") }
        return value
    }

    /// Where the value of `key` came from.
    public func source(of key: String) -> ConfigSource {
        sources[key] ?? .defaults
    }

    mutating func set(_ key: String, _ value: ConfigValue, from source: ConfigSource) {
        precondition(ConfigSchema.field(key) != nil, "no config key \(key)")
        values[key] = value
        sources[key] = source
    }

    /// The canonical text of every key under `prefix` ("" for all): one `key=value` line each,
    /// in schema order. Hashes of it do not depend on YAML spelling or key order.
    public func canonicalText(under prefixes: String...) -> String {
        canonicalText(fields(under: prefixes))
    }

    /// The canonical text of every key under any of `prefixes`.
    public func canonicalText(under prefixes: [String]) -> String {
        canonicalText(fields(under: prefixes))
    }

    private func canonicalText(_ fields: [ConfigField]) -> String {
        fields.filter { $0.hashedAtDefault || self[$0.key] != $0.defaultValue }.map { "\($0.key)=\(self[$0.key].canonical)\n" }.joined()
    }

    /// The seed the data set is drawn with: `data.seed`, or `seed` while it is null.
    public var dataSeed: UInt64 { resolvedSeed("data.seed") }

    /// The seed of training and analysis: `train.seed`, or `seed` while it is null.
    public var trainSeed: UInt64 { resolvedSeed("train.seed") }

    private func resolvedSeed(_ key: String) -> UInt64 {
        if case .integer(let own) = self[key] { return UInt64(own) }
        guard case .integer(let seed) = self["seed"] else { preconditionFailure("seed is not an integer") }
        return UInt64(seed)
    }

    /// The config as the stages under `prefixes` see it: `seed` is the seed they draw with
    /// (`data.seed` under "data", `train.seed` under "train", when set) and the per-stage seeds
    /// are null. So a data set drawn with seed 3 is keyed and recorded alike whether the config
    /// says `seed: 3` or `data.seed: 3`, and a sweep over `seed` with `data.seed` fixed draws its
    /// data set once. Only where the prefixes take in stages with different seeds does
    /// `data.seed` keep its value (and `seed` is the training seed).
    public func resolvingSeeds(under prefixes: [String]) -> EffectiveConfig {
        var resolved = self
        let data = prefixes.contains("data") ? dataSeed : nil
        let train = prefixes.contains("train") ? trainSeed : nil
        let seed = train ?? data ?? resolvedSeed("seed")
        resolved.set("seed", .integer(Int(seed)), from: source(of: "seed"))
        resolved.set("train.seed", .none, from: source(of: "train.seed"))
        resolved.set("data.seed", data.map { $0 == seed ? .none : .integer(Int($0)) } ?? .none, from: source(of: "data.seed"))
        return resolved
    }

    /// The canonical text of the keys under `prefixes` with their seeds resolved
    /// (`resolvingSeeds(under:)`): what stage keys and provenance hashes are made of.
    public func resolvedText(under prefixes: [String]) -> String {
        resolvingSeeds(under: prefixes).canonicalText(under: prefixes)
    }

    /// The keys under `prefixes` with their seeds resolved, as YAML without the null per-stage
    /// seeds: the provenance a data set records.
    public func resolvedYAML(under prefixes: [String]) -> String {
        let resolved = resolvingSeeds(under: prefixes)
        return resolved.yaml(fields: resolved.fields(under: prefixes).filter { $0.hashedAtDefault || resolved[$0.key] != $0.defaultValue })
    }

    /// SHA-256 (hex) of the whole effective config.
    public var hash: String { SHA256.hex(canonicalText()) }

    /// SHA-256 (hex) of the keys under the given prefixes, e.g. "seed" and "data" for what the
    /// generate stage reads.
    public func hash(under prefixes: String...) -> String {
        hash(under: prefixes)
    }

    /// SHA-256 (hex) of the keys under the given prefixes.
    public func hash(under prefixes: [String]) -> String {
        SHA256.hex(canonicalText(fields(under: prefixes)))
    }

    /// The effective config as YAML, nested as the user writes it; parsing it back gives the
    /// same config.
    public var yaml: String { yaml(fields: ConfigSchema.fields) }

    /// Only the keys under the given prefixes, as YAML.
    public func yaml(under prefixes: String...) -> String { yaml(fields: fields(under: prefixes)) }

    /// Only the keys under the given prefixes, as YAML.
    public func yaml(under prefixes: [String]) -> String { yaml(fields: fields(under: prefixes)) }

    /// Schema fields under any of `prefixes` (all fields when there are none), in schema order.
    private func fields(under prefixes: [String]) -> [ConfigField] {
        ConfigSchema.fields.filter { field in
            prefixes.isEmpty || prefixes.contains { field.key == $0 || field.key.hasPrefix($0 + ".") }
        }
    }

    private func yaml(fields: [ConfigField]) -> String {
        var lines: [String] = []
        var openSections: [String] = []
        for field in fields {
            let parts = field.key.split(separator: ".").map(String.init)
            let sections = Array(parts.dropLast())
            var common = 0
            while common < min(sections.count, openSections.count), sections[common] == openSections[common] { common += 1 }
            if common == 0, !sections.isEmpty || !openSections.isEmpty, !lines.isEmpty, sections.first != openSections.first {
                lines.append("")
            }
            for depth in common..<sections.count {
                lines.append(String(repeating: "  ", count: depth) + sections[depth] + ":")
            }
            openSections = sections
            lines.append(String(repeating: "  ", count: sections.count) + parts.last! + ": " + self[field.key].yaml)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
