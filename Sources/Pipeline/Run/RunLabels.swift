/// `run --note TEXT` and `run --tag T`: checked before anything runs, so that lists and pages
/// can show them as typed (a tag is one word, so a list can join tags with commas).
public enum RunLabels {
    public static let noteLimit = 2000
    public static let tagLimit = 64

    public static func check(note: String?, tags: [String]) throws {
        if let note {
            if note.trimmingCharacters(in: .whitespaces).isEmpty { throw PipelineError.badLabel("--note is empty; leave it out, or say something about the run.") }
            if note.count > noteLimit { throw PipelineError.badLabel("--note is \(note.count) characters long; keep it to \(noteLimit) (longer notes belong in a file beside the run).") }
            if let bad = note.unicodeScalars.first(where: { $0.properties.generalCategory == .control && $0 != "\n" }) {
                throw PipelineError.badLabel("--note holds the control character U+\(String(bad.value, radix: 16, uppercase: true)); write plain text.")
            }
        }
        var seen: Set<String> = []
        for tag in tags {
            guard !tag.isEmpty, tag.count <= tagLimit, tag.unicodeScalars.allSatisfy({ !$0.properties.isWhitespace && $0.properties.generalCategory != .control && $0 != "," }) else {
                throw PipelineError.badLabel("--tag \"\(tag)\" is not a tag: a tag is 1 to \(tagLimit) characters without spaces or commas, e.g. --tag baseline.")
            }
            guard seen.insert(tag).inserted else { throw PipelineError.badLabel("--tag \(tag) is given twice.") }
        }
    }
}
