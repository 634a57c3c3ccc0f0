import Foundation

/// Text from input files shown in messages: quoted with its invisible characters made
/// visible and its length bounded, so a message never looks like it repeats the expected
/// text when a byte-order mark differs, and never echoes a 10 MB value whole.
public enum InputText {
    /// `text` in double quotes, as `shown` writes it.
    public static func quoted<S: StringProtocol>(_ text: S, limit: Int = 80) -> String {
        let (shown, count) = visible(text, limit: limit)
        return count <= limit ? "\"\(shown)\"" : "\"\(shown)…\" (\(count) characters)"
    }

    /// At most `limit` characters of `text` followed by "…" and its length when longer, with
    /// control and invisible formatting characters (a byte-order mark, zero-width spaces, NUL)
    /// written as ⟨U+FEFF⟩.
    public static func shown<S: StringProtocol>(_ text: S, limit: Int = 80) -> String {
        let (shown, count) = visible(text, limit: limit)
        return count <= limit ? shown : "\(shown)… (\(count) characters)"
    }

    private static func visible<S: StringProtocol>(_ text: S, limit: Int) -> (String, Int) {
        var shown = ""
        var count = 0
        for scalar in text.unicodeScalars {
            count += 1
            guard count <= limit else { continue }
            if isInvisible(scalar) {
                shown += String(format: "⟨U+%04X⟩", scalar.value)
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        return (shown, count)
    }

    /// Whether `text` holds characters that `quoted` makes visible.
    public static func hasInvisibleCharacters<S: StringProtocol>(_ text: S) -> Bool {
        text.unicodeScalars.contains(where: isInvisible)
    }

    /// A note to add to a message about `text` when it holds invisible characters, naming
    /// the byte-order mark (the usual one) by its name; "" otherwise.
    public static func invisibleNote<S: StringProtocol>(_ text: S) -> String {
        if text.unicodeScalars.contains("\u{FEFF}") { return " (it holds an invisible byte-order mark, U+FEFF)" }
        return hasInvisibleCharacters(text) ? " (it holds invisible characters, shown as ⟨U+…⟩)" : ""
    }

    private static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control: return scalar != "\t"
        case .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned: return true
        default: return false
        }
    }

    /// The offset of the first byte of `data` that is not valid UTF-8 (where the character
    /// it spoils starts), or nil.
    public static func firstInvalidUTF8(_ data: Data) -> Int? {
        var decoder = UTF8()
        var bytes = CountingIterator(base: data.makeIterator())
        var start = 0
        while true {
            switch decoder.decode(&bytes) {
            case .scalarValue: start = bytes.consumed
            case .emptyInput: return nil
            case .error: return start
            }
        }
    }

    private struct CountingIterator: IteratorProtocol {
        var base: Data.Iterator
        var consumed = 0
        mutating func next() -> UInt8? {
            let b = base.next()
            if b != nil { consumed += 1 }
            return b
        }
    }
}

/// A `DecodingError` (or any error from a JSON decoder) as a short phrase for a user, never
/// Foundation's own text: "the key \"channels\" is missing", "a wrong type at inputSize".
public enum DecodingProblem {
    public static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "the key \"\(key.stringValue)\" is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "a value has the wrong type" : "the value at \(path) has the wrong type"
        case DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "it is not valid JSON" : "the value at \(path) is not valid"
        default: return "it cannot be decoded"
        }
    }
}
