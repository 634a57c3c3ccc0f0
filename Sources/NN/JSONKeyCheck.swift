/// A structural pass over JSON text that finds what `JSONSerialization` would accept silently
/// or choke on: a key repeated in one object (one value would be dropped without a word) and
/// nesting deep enough to exhaust a recursive parser's stack.
enum JSONKeyCheck {
    /// Deeper nesting is refused; a safetensors header nests three levels.
    static let maximumDepth = 64

    /// Why the JSON text is refused ("repeats the key \"x\"", "nests deeper than 64 levels"),
    /// or nil when neither is the case. Text that is not JSON at all is left to the parser.
    static func problem<Bytes: Collection>(in bytes: Bytes) -> String? where Bytes.Element == UInt8 {
        // One entry per open container: the keys seen so far when it is an object, nil for an array.
        var stack: [Set<[UInt8]>?] = []
        var expectingKey = false
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard stack.count < maximumDepth else { return "nests deeper than \(maximumDepth) levels" }
                stack.append(byte == UInt8(ascii: "{") ? Set() : nil)
                expectingKey = byte == UInt8(ascii: "{")
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                expectingKey = false
            case UInt8(ascii: ","):
                expectingKey = stack.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                // The raw bytes of the string, escapes kept as written (so "a" and "\u0061"
                // count as two keys here).
                var text: [UInt8] = []
                var escaped = false
                while let b = iterator.next() {
                    if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { break }
                    text.append(b)
                }
                if expectingKey, var keys = stack.last ?? nil {
                    guard keys.insert(text).inserted else {
                        return "repeats the key \"\(String(decoding: text.prefix(80), as: UTF8.self))\" in one object"
                    }
                    stack[stack.count - 1] = keys
                    expectingKey = false
                }
            default:
                break
            }
        }
        return nil
    }
}
