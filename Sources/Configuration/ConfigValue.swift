/// One typed value of the configuration, after parsing and checking.
public enum ConfigValue: Equatable, Sendable {
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case text(String)
    case list([ConfigValue])
    /// Named values in a fixed order (an entry of `analyse.shifts`).
    case mapping([ConfigEntry])
    /// An optional value left unset (`null` in YAML).
    case none

    /// A stable, unambiguous rendering used for hashing: the same value always gives the
    /// same text, whatever spelling the user chose (`5`, `5.0`, `+5`).
    public var canonical: String {
        switch self {
        case .integer(let v): return "i:\(v)"
        case .number(let v): return "f:\(v)"
        case .boolean(let v): return "b:\(v)"
        case .text(let v): return "s:\(v.count):\(v)"
        case .list(let items): return "[" + items.map(\.canonical).joined(separator: ",") + "]"
        case .mapping(let entries): return "{" + entries.map { "s:\($0.key.count):\($0.key)=\($0.value.canonical)" }.joined(separator: ",") + "}"
        case .none: return "null"
        }
    }

    /// The value as YAML flow text, which parses back to the same value.
    public var yaml: String {
        switch self {
        case .integer(let v): return String(v)
        case .number(let v): return ConfigValue.yamlNumber(v)
        case .boolean(let v): return v ? "true" : "false"
        case .text(let v): return ConfigValue.yamlString(v)
        case .list(let items): return "[" + items.map(\.yaml).joined(separator: ", ") + "]"
        case .mapping(let entries): return "{" + entries.map { ConfigValue.yamlString($0.key) + ": " + $0.value.yaml }.joined(separator: ", ") + "}"
        case .none: return "null"
        }
    }

    /// How the value reads in an error message.
    var display: String {
        switch self {
        case .text(let v): return "\"\(v)\""
        default: return yaml
        }
    }

    private static func yamlNumber(_ v: Double) -> String {
        // Keep a decimal point so YAML reads the value back as a float, not an integer.
        if v == v.rounded(), abs(v) < 1e15 { return String(format: "%.1f", v) }
        return "\(v)"
    }

    private static func yamlString(_ v: String) -> String {
        let plainSafe = !v.isEmpty
            && v.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == " " || $0 == "." || $0 == "/" || $0 == "+" }
            && !v.hasPrefix(" ") && !v.hasSuffix(" ") && !v.hasPrefix("-")
            && Double(v) == nil && Int(v) == nil
            && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(v.lowercased())
        if plainSafe { return v }
        var out = "\""
        for scalar in v.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 { out += String(format: "\\x%02X", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

import Foundation

/// One named value of a `ConfigValue.mapping`.
public struct ConfigEntry: Equatable, Sendable {
    public var key: String
    public var value: ConfigValue

    public init(_ key: String, _ value: ConfigValue) {
        self.key = key
        self.value = value
    }
}
