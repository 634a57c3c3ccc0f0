/// What the Mustache library would recurse on without limit, found before it parses or
/// renders: partials that include themselves (directly or through others) and sections
/// nested thousands deep. Either would overflow the stack, a crash rather than an error.
/// The scan follows the library's tag syntax (set-delimiter tags, which end with their
/// section there, triple mustaches, comments); anything else it leaves to the parser.
enum TemplateCheck {
    /// Deepest nesting of sections in one template, and of partials from the layout.
    static let maximumDepth = 32

    /// What one template refers to.
    struct Scan {
        /// Partials it includes (`{{> name}}`) or inherits from (`{{< name}}`).
        var partials: [(name: String, line: Int)] = []
        /// Deepest section nesting, with the line where it is reached.
        var depth = 0
        var depthLine = 1
        /// A dynamic partial (`{{>*name}}`), whose target the data would choose.
        var dynamicLine: Int?
    }

    static func scan(_ text: String) -> Scan {
        var result = Scan()
        var open = "{{", close = "}}"
        // One entry per open section: the delimiters to restore when it closes.
        var sections: [(String, String)] = []
        var line = 1
        var rest = Substring(text)
        while let start = rest.range(of: open) {
            line += rest[..<start.lowerBound].reduce(0) { $1.isNewline ? $0 + 1 : $0 }
            var body = rest[start.upperBound...]
            let sigil = body.first
            if sigil == "{" { // {{{name}}}: ends at "}}}"
                guard let end = body.range(of: "}" + close) else { break }
                line += body[..<end.upperBound].reduce(0) { $1.isNewline ? $0 + 1 : $0 }
                rest = body[end.upperBound...]
                continue
            }
            guard let end = body.range(of: close) else { break }
            let tag = body[..<end.lowerBound]
            body = body[end.upperBound...]
            let name = tag.dropFirst().trimmingCharacters(in: .whitespaces)
            switch sigil {
            case "#", "^", "$", "<":
                sections.append((open, close))
                if sections.count > result.depth { result.depth = sections.count; result.depthLine = line }
                if sigil == "<" { addPartial(name, line: line, to: &result) }
            case "/":
                if let restored = sections.popLast() { (open, close) = restored }
            case ">":
                addPartial(name, line: line, to: &result)
            case "=":
                // {{=<% %>=}}: new delimiters, in force until the enclosing section ends.
                let parts = tag.dropFirst().dropLast().split(whereSeparator: \.isWhitespace)
                if tag.last == "=", parts.count == 2 { (open, close) = (String(parts[0]), String(parts[1])) }
            default:
                break
            }
            line += tag.reduce(0) { $1.isNewline ? $0 + 1 : $0 }
            rest = body
        }
        return result
    }

    private static func addPartial(_ name: String, line: Int, to result: inout Scan) {
        if name.hasPrefix("*") {
            result.dynamicLine = result.dynamicLine ?? line
        } else {
            result.partials.append((name, line))
        }
    }

    /// Checks every template (by name without ".mustache") for a dynamic partial, sections
    /// nested deeper than `maximumDepth`, and chains of partials that loop or run deeper than
    /// `maximumDepth`; throws a `ReportError.template` naming the file and line.
    static func check(_ templates: [String: String]) throws {
        var scans: [String: Scan] = [:]
        for (name, text) in templates.sorted(by: { $0.key < $1.key }) {
            let scan = scan(text)
            if let line = scan.dynamicLine {
                throw ReportError.template(name: name + ".mustache", reason: "line \(line) has a dynamic partial ({{>*…}}), which report templates may not use")
            }
            if scan.depth > maximumDepth {
                throw ReportError.template(name: name + ".mustache", reason: "its sections nest more than \(maximumDepth) deep (line \(scan.depthLine))")
            }
            scans[name] = scan
        }
        // Depth-first from every template: a partial already on the path is a loop. Each
        // template's depth of partials below it is kept, so shared partials are walked once.
        var depthBelow: [String: Int] = [:]
        func visit(_ name: String, path: [String]) throws -> Int {
            if let known = depthBelow[name] { return known }
            guard let scan = scans[name] else { return 0 } // an unknown partial renders as nothing
            var deepest = 0
            for (partial, line) in scan.partials {
                if let loopStart = path.firstIndex(of: partial) {
                    let chain = (path[loopStart...] + [partial]).map { $0 + ".mustache" }
                    throw ReportError.template(name: name + ".mustache",
                                               reason: "line \(line) includes \(partial).mustache, which leads back to itself (\(chain.joined(separator: " → "))); partials may not loop")
                }
                guard path.count < maximumDepth else {
                    throw ReportError.template(name: name + ".mustache", reason: "partials nest more than \(maximumDepth) deep (line \(line) includes \(partial).mustache)")
                }
                let below = try visit(partial, path: path + [partial]) + 1
                guard path.count + below <= maximumDepth else {
                    throw ReportError.template(name: name + ".mustache", reason: "partials nest more than \(maximumDepth) deep (line \(line) includes \(partial).mustache)")
                }
                deepest = max(deepest, below)
            }
            depthBelow[name] = deepest
            return deepest
        }
        for name in scans.keys.sorted() { _ = try visit(name, path: [name]) }
    }
}
