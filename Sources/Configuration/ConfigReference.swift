/// The config keys as documentation: a Markdown table for the README and `config reference`.
public enum ConfigReference {
    public static func markdown() -> String {
        var lines = ["| key | default | accepts | meaning |", "|---|---|---|---|"]
        for field in ConfigSchema.fields {
            let accepts: String
            switch field.kind {
            case .integer(let r), .optionalInteger(let r):
                accepts = field.kind.expected + (r.upperBound == Int.max ? ", ≥ \(r.lowerBound)" : ", \(r.lowerBound)…\(r.upperBound)")
            case .number(let b), .numberRange(let b):
                accepts = field.kind.expected + ", " + b.requirement
            case .integerRange(let r), .integerList(_, let r):
                accepts = field.kind.expected + ", each \(r.lowerBound)…\(r.upperBound)"
            case .boolean, .text, .choice, .shifts:
                accepts = field.kind.expected
            }
            lines.append("| `\(field.key)` | `\(field.defaultValue.yaml)` | \(accepts) | \(field.summary) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
