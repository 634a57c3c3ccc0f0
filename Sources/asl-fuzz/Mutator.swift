/// Seeded mutations of a valid input: bit flips, interesting bytes, inserted, deleted and
/// repeated ranges, truncation, splicing with another seed, and for text formats numbers
/// replaced by edge values, characters that mean something to the parsers, and repeated lines.
enum Mutator {
    /// What numbers in a text input become: zero, signs, overflow of every integer width,
    /// float's edges, NaN and infinities in the spellings parsers accept.
    static let numbers = ["0", "-1", "-0", "1e39", "-1e39", "1e308", "1e-45", "nan", "NaN", ".nan", "inf", "-inf", ".inf", "2147483648",
                          "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616", "99999999999999999999999999",
                          "65536", "16384", "1024", "3e38", "0.0000001", "1.5", "0x10"]
    /// Fragments that mean something to one of the parsers.
    static let fragments = ["\u{FEFF}", "\r\n", "\r", "\0", "\"", "'", ",", ":", "{", "}", "[", "]", "{{", "}}", "{{#a}}", "{{/a}}", "{{>layout}}",
                            "{{>page}}", "{{>block}}", "{{>figure}}", "{{=<% %>=}}", "{{>*x}}", "- ", "&amp;", "<!DOCTYPE x>", "..", "/", "\\",
                            "\u{200B}", "é", "\u{FFFD}", "*a", "&a ", "!!binary ", "<<: ", "~", "__metadata__"]

    static func mutate(_ input: [UInt8], seeds: [[UInt8]], text: Bool, random: inout FuzzRandom) -> [UInt8] {
        var bytes = input
        for _ in 0...random.below(4) {
            let choice = random.below(text ? 11 : 8)
            let n = bytes.count
            switch choice {
            case 0 where n > 0:
                bytes[random.below(n)] ^= UInt8(1 << random.below(8))
            case 1 where n > 0:
                bytes[random.below(n)] = random.pick([0, 0xFF, 0x7F, 0x80, 0x20, 0x0A, UInt8(truncatingIfNeeded: random.next())])
            case 2:
                let count = 1 + random.below(16)
                bytes.insert(contentsOf: (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: random.below(n + 1))
            case 3 where n > 0:
                let start = random.below(n)
                bytes.removeSubrange(start..<min(n, start + 1 + random.below(64)))
            case 4 where n > 0:
                let start = random.below(n)
                let piece = bytes[start..<min(n, start + 1 + random.below(256))]
                bytes.insert(contentsOf: Array(piece), at: random.below(n + 1))
            case 5 where n > 0:
                bytes.removeLast(random.below(n))
            case 6:
                let other = random.pick(seeds)
                let cut = random.below(n + 1), from = random.below(other.count + 1)
                bytes = Array(bytes[..<cut]) + Array(other[from...])
            case 7 where n > 0:
                // Four bytes set to a big-endian or little-endian edge value (lengths, sizes).
                let at = random.below(n)
                let value: UInt32 = random.pick([0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x4000, 0x10000, 0xFFFF])
                let le = random.below(2) == 0
                for i in 0..<4 where at + i < n { bytes[at + i] = UInt8(truncatingIfNeeded: le ? value >> (8 * i) : value >> (24 - 8 * i)) }
            case 8:
                bytes = replaceNumber(in: bytes, random: &random)
            case 9:
                bytes.insert(contentsOf: Array(random.pick(fragments).utf8), at: random.below(n + 1))
            case 10:
                bytes = repeatLine(in: bytes, random: &random)
            default:
                break
            }
        }
        return bytes
    }

    /// One run of ASCII digits (with its sign, point and exponent) replaced by an edge value.
    private static func replaceNumber(in bytes: [UInt8], random: inout FuzzRandom) -> [UInt8] {
        let isNumberByte: (UInt8) -> Bool = { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "e") }
        let digits = bytes.indices.filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
        guard !digits.isEmpty else { return bytes }
        var start = random.pick(digits), end = start + 1
        while start > 0, isNumberByte(bytes[start - 1]) { start -= 1 }
        while end < bytes.count, isNumberByte(bytes[end]) { end += 1 }
        var out = bytes
        out.replaceSubrange(start..<end, with: Array(random.pick(numbers).utf8))
        return out
    }

    private static func repeatLine(in bytes: [UInt8], random: inout FuzzRandom) -> [UInt8] {
        let starts = [0] + bytes.indices.filter { bytes[$0] == 0x0A }.map { $0 + 1 }
        let start = random.pick(starts)
        let end = bytes[start...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count
        var out = bytes
        out.insert(contentsOf: Array(bytes[start..<end]), at: random.pick(starts))
        return out
    }
}
