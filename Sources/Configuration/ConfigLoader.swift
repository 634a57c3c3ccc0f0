import AtomicIO
import Foundation
import Yams

/// Builds the effective configuration: embedded defaults, then a YAML file merged over them,
/// then `--set key=value` overrides in order. Every value is checked against `ConfigSchema`.
public enum ConfigLoader {
    /// Loads and checks a configuration. `file` is a YAML path or nil for defaults only;
    /// `overrides` are `key=value` strings as given to `--set`.
    public static func load(file: String? = nil, overrides: [String] = []) throws -> EffectiveConfig {
        var config = EffectiveConfig.defaults
        if let file {
            let text = try readFile(file)
            try merge(yaml: text, path: file, into: &config)
        }
        for override in overrides {
            try apply(override: override, to: &config)
        }
        try ConfigRules.checkConsistency(config)
        return config
    }

    /// Merges a YAML document over `config`; `path` names it in errors.
    public static func merge(yaml text: String, path: String, into config: inout EffectiveConfig) throws {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, path: path)
        }
        guard let node else { return } // an empty file changes nothing
        guard case .mapping(let mapping) = node else {
            throw ConfigError.wrongType(key: "", expected: "a mapping of config keys", got: describe(node),
                                        source: .file(path: path, line: node.mark?.line, column: node.mark?.column))
        }
        try merge(mapping: mapping, section: "", path: path, into: &config)
    }

    /// Applies one `key=value` override; the value is read as YAML (`5`, `0.5`, `seed4`, `[1, 2]`).
    public static func apply(override: String, to config: inout EffectiveConfig) throws {
        guard let equals = override.firstIndex(of: "=") else { throw ConfigError.malformedOverride(override) }
        let key = override[..<equals].trimmingCharacters(in: .whitespaces)
        let valueText = String(override[override.index(after: equals)...])
        guard !key.isEmpty else { throw ConfigError.malformedOverride(override) }
        let source = ConfigSource.override(override)
        guard let field = ConfigSchema.field(key) else {
            if ConfigSchema.sections.contains(key) {
                throw ConfigError.wrongType(key: key, expected: "a mapping of keys (set one of \(ConfigSchema.children(of: key).map { key + "." + $0 }.joined(separator: ", ")) instead)",
                                            got: "a single value", source: source)
            }
            throw unknownKey(key, source: source)
        }
        let node: Node
        if field.kind == .text {
            // Free text is taken literally, so a title may hold ": " or quotes.
            node = Node(valueText, Tag(.str), .doubleQuoted)
        } else {
            do {
                node = try Yams.compose(yaml: valueText) ?? Node("", Tag(.null), .plain)
            } catch {
                // Not YAML on its own (e.g. a stray colon): treat it as literal text.
                node = Node(valueText)
            }
        }
        config.set(key, try ConfigRules.value(of: node, for: field, source: source), from: source)
    }

    // MARK: - Internals

    private static func readFile(_ path: String) throws -> String {
        do {
            return try InputFile.readText(path, limit: InputFile.Limit.config)
        } catch {
            if error.problem == .missing { throw ConfigError.missingFile(path: path) }
            throw ConfigError.unreadableFile(path: path, reason: error.reason)
        }
    }

    private static func merge(mapping: Node.Mapping, section: String, path: String, into config: inout EffectiveConfig) throws {
        var seen = Set<String>()
        for (keyNode, valueNode) in mapping {
            let name = keyNode.scalar?.string ?? describe(keyNode)
            let key = section.isEmpty ? name : section + "." + name
            let source = ConfigSource.file(path: path, line: keyNode.mark?.line, column: keyNode.mark?.column)
            guard seen.insert(name).inserted else {
                throw ConfigError.yamlSyntax(path: path, line: keyNode.mark?.line ?? 0, column: keyNode.mark?.column ?? 0,
                                             problem: "the key \"\(key)\" appears twice")
            }
            if let field = ConfigSchema.field(key) {
                config.set(key, try ConfigRules.value(of: valueNode, for: field, source: source), from: source)
            } else if ConfigSchema.sections.contains(key) {
                guard case .mapping(let inner) = valueNode else {
                    if valueNode.scalar.map({ isNull($0) }) == true { continue } // `data:` with nothing under it
                    throw ConfigError.wrongType(key: key, expected: "a mapping of keys (\(ConfigSchema.children(of: key).joined(separator: ", ")))",
                                                got: describe(valueNode), source: source)
                }
                try merge(mapping: inner, section: key, path: path, into: &config)
            } else {
                throw unknownKey(key, source: source)
            }
        }
    }

    static func unknownKey(_ key: String, source: ConfigSource) -> ConfigError {
        guard key.utf8.count <= KeySuggestion.longestKeyCompared else {
            return .unknownKey(key: key, source: source, suggestion: nil, validKeys: [])
        }
        let parts = key.split(separator: ".").map(String.init)
        let parent = parts.dropLast().joined(separator: ".")
        let validHere = ConfigSchema.sections.contains(parent) || parent.isEmpty
            ? ConfigSchema.children(of: parent).map { parent.isEmpty ? $0 : parent + "." + $0 }
            : []
        return .unknownKey(key: key, source: source, suggestion: KeySuggestion.nearest(to: key), validKeys: validHere)
    }

    private static func syntaxError(_ error: YamlError, path: String) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            // libyaml stops at 1000 levels (so the composer's recursion stays shallow); its
            // own words name a C function.
            let said = problem.hasPrefix("Maximum nesting level reached")
                ? "it nests deeper than 1000 levels (a config nests 4)" : InputText.shown(problem, limit: 200)
            return .yamlSyntax(path: path, line: mark.line, column: mark.column, problem: said)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .yamlSyntax(path: path, line: context.mark.line, column: context.mark.column,
                               problem: "duplicated keys \(duplicates.joined(separator: ", "))")
        case .reader(let problem, _, _, _):
            return .yamlSyntax(path: path, line: 1, column: 1, problem: problem)
        default:
            return .yamlSyntax(path: path, line: 1, column: 1, problem: "\(error)")
        }
    }

    static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return isNull(scalar) ? "null" : InputText.quoted(scalar.string)
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}

/// Finds the valid key a mistyped one most likely meant.
enum KeySuggestion {
    /// Keys longer than this get no suggestion: no config key is half as long, and the edit
    /// distance of a 10 MB key to every candidate would take minutes.
    static let longestKeyCompared = 100

    static func nearest(to key: String) -> String? {
        guard key.utf8.count <= longestKeyCompared else { return nil }
        let candidates = ConfigSchema.fields.map(\.key) + ConfigSchema.sections.sorted()
        // Right name in the wrong section ("train.image_size" → "data.image_size").
        let leaf = key.split(separator: ".").last.map(String.init) ?? key
        if let sameLeaf = ConfigSchema.fields.first(where: { $0.key.split(separator: ".").last.map(String.init) == leaf }) {
            return sameLeaf.key
        }
        var best: (key: String, distance: Int)?
        for candidate in candidates {
            let d = editDistance(key, candidate)
            if best == nil || d < best!.distance { best = (candidate, d) }
        }
        guard let best, best.distance <= max(2, key.count / 4) else { return nil }
        return best.key
    }

    /// Levenshtein distance between two strings.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
