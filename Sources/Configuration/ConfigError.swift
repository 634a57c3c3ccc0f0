import AtomicIO

/// Where a config value came from, so that errors can point at it.
public enum ConfigSource: Equatable, Sendable, CustomStringConvertible {
    /// A YAML file, with 1-based line and column when known.
    case file(path: String, line: Int?, column: Int?)
    /// A `--set key=value` override on the command line.
    case override(String)
    /// The defaults built into the tool.
    case defaults

    public var description: String {
        switch self {
        case .file(let path, let line?, _): return "in \(path), line \(line)"
        case .file(let path, nil, _): return "in \(path)"
        case .override(let text): return "in --set \(InputText.shown(text))"
        case .defaults: return "in the built-in defaults"
        }
    }
}

/// Everything that can be wrong with a configuration, each with what a user needs to fix it.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case unknownKey(key: String, source: ConfigSource, suggestion: String?, validKeys: [String])
    case wrongType(key: String, expected: String, got: String, source: ConfigSource)
    case outOfRange(key: String, requirement: String, got: String, source: ConfigSource)
    case inconsistent(keys: [String], problem: String)
    case yamlSyntax(path: String, line: Int, column: Int, problem: String)
    case missingFile(path: String)
    case unreadableFile(path: String, reason: String)
    case malformedOverride(String)

    public var description: String {
        switch self {
        case .unknownKey(let key, let source, let suggestion, let validKeys):
            var text = "Unknown config key \(InputText.quoted(key))\(InputText.invisibleNote(key)) \(source)."
            if let suggestion {
                text += " Did you mean \"\(suggestion)\"?"
            } else if !validKeys.isEmpty {
                text += " Valid keys here: \(validKeys.joined(separator: ", "))."
            }
            return text + " Run `asl-lab config show` to see every key with its current value."
        case .wrongType(let key, let expected, let got, let source):
            return "Config key \"\(key)\" expects \(expected), but got \(got) \(source)."
        case .outOfRange(let key, let requirement, let got, let source):
            return "Config key \"\(key)\" must be \(requirement), but got \(got) \(source)."
        case .inconsistent(_, let problem):
            return problem
        case .yamlSyntax(let path, let line, let column, let problem):
            return "The config file \(path) is not valid YAML: line \(line), column \(column): \(problem)."
        case .missingFile(let path):
            return "The config file \(path) does not exist. Check the path given to --config."
        case .unreadableFile(let path, let reason):
            return "The config file \(path) cannot be read: \(reason)."
        case .malformedOverride(let text):
            return "--set expects key=value, for example --set train.epochs=5, but got \(InputText.quoted(text))."
        }
    }
}
