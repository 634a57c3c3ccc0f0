import Canvas
import Foundation
import SeededRandom
@testable import Plot

/// Small deterministic random numbers for test data (SplitMix64).
struct TestRandom {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(state: seed) }

    mutating func next() -> UInt64 { random.next() }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { random.unit() }

    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-12), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

enum TestData {
    static let letters = (0..<26).map { String(UnicodeScalar(65 + $0)!) }

    /// `count` points in 26 Gaussian clusters on a ring-ish layout, with their classes.
    static func clusters(count: Int, seed: UInt64 = 1) -> (x: [Double], y: [Double], classes: [Int]) {
        var random = TestRandom(seed: seed)
        var centres: [(Double, Double)] = []
        for k in 0..<26 {
            let angle = Double(k) * 2 * .pi / 26 * 3.7
            let radius = 18 + 22 * random.uniform()
            centres.append((radius * cos(angle), radius * sin(angle)))
        }
        var x: [Double] = [], y: [Double] = [], classes: [Int] = []
        for i in 0..<count {
            let k = i % 26
            x.append(centres[k].0 + 3.2 * random.normal())
            y.append(centres[k].1 + 3.2 * random.normal())
            classes.append(k)
        }
        return (x, y, classes)
    }

    /// A sample-like image: a letter on a noisy light background.
    static func letterImage(_ letter: String, size: Int = 64, seed: UInt64) -> RGBImage {
        var random = TestRandom(seed: seed)
        let base = 200 + Int(random.uniform() * 50)
        let canvas = try! ImageCanvas(width: size, height: size, background: Color(bytes: UInt8(base), UInt8(base), UInt8(base - 10)))
        canvas.setColor(Color(red: 0.1 + 0.3 * random.uniform(), green: 0.1, blue: 0.2 + 0.4 * random.uniform()))
        canvas.translate(x: Double(size) / 2, y: Double(size) / 2)
        canvas.rotate(radians: (random.uniform() - 0.5) * 0.6)
        let fontSize = Double(size) * (0.5 + 0.3 * random.uniform())
        let width = canvas.textWidth(letter, size: fontSize, bold: true)
        canvas.text(letter, x: -width / 2, y: fontSize * 0.36, size: fontSize, bold: true)
        var image = canvas.rgbImage()
        for i in image.pixels.indices {
            let noisy = Double(image.pixels[i]) + random.normal() * 6
            image.pixels[i] = UInt8(max(0, min(255, noisy)))
        }
        return image
    }
}

/// Minimal SVG inspection for tests: elements by tag, attributes, text content.
struct SVGDocument {
    let text: String

    init(_ text: String) { self.text = text }

    /// Every start tag `<tag …>` or `<tag …/>` of this element name, as its attribute text.
    func elements(_ tag: String) -> [String] {
        var found: [String] = []
        var rest = text[...]
        while let start = rest.range(of: "<\(tag)") {
            let after = rest[start.upperBound...]
            guard let first = after.first, first == " " || first == ">" || first == "/" else {
                rest = after
                continue
            }
            guard let end = after.firstIndex(of: ">") else { break }
            found.append(String(after[..<end]))
            rest = after[end...]
        }
        return found
    }

    /// The text content of `<text>` elements with `class="className"` (unescaped).
    func texts(className: String? = nil) -> [String] {
        var found: [String] = []
        var rest = text[...]
        while let start = rest.range(of: "<text") {
            let after = rest[start.upperBound...]
            guard let close = after.firstIndex(of: ">"), let end = after.range(of: "</text>") else { break }
            let attributes = after[..<close]
            if className == nil || attributes.contains("class=\"\(className!)\"") {
                found.append(String(after[after.index(after: close)..<end.lowerBound]))
            }
            rest = after[end.upperBound...]
        }
        return found
    }

    /// The content between `<g class="className"` and its matching `</g>`.
    func group(_ className: String) -> SVGDocument? {
        guard let start = text.range(of: "<g class=\"\(className)\"") else { return nil }
        var depth = 0
        var index = start.lowerBound
        while index < text.endIndex {
            if text[index...].hasPrefix("<g ") || text[index...].hasPrefix("<g>") { depth += 1 }
            if text[index...].hasPrefix("</g>") {
                depth -= 1
                if depth == 0 { return SVGDocument(String(text[start.lowerBound..<text.index(index, offsetBy: 4)])) }
            }
            index = text.index(after: index)
        }
        return nil
    }

    /// Every group with a class attribute that starts with `prefix`.
    func groups(prefix: String) -> [SVGDocument] {
        var out: [SVGDocument] = []
        var searchFrom = text.startIndex
        while let r = text.range(of: "<g class=\"\(prefix)", range: searchFrom..<text.endIndex) {
            let sub = SVGDocument(String(text[r.lowerBound...]))
            if let classEnd = sub.text.dropFirst(10).firstIndex(of: "\"") {
                let className = String(sub.text[sub.text.index(sub.text.startIndex, offsetBy: 10)..<classEnd])
                if let g = sub.group(className) { out.append(g) }
            }
            searchFrom = r.upperBound
        }
        return out
    }

    static func attribute(_ name: String, in element: String) -> String? {
        guard let r = element.range(of: " \(name)=\"") else { return nil }
        let after = element[r.upperBound...]
        guard let end = after.firstIndex(of: "\"") else { return nil }
        return String(after[..<end])
    }

    static func number(_ name: String, in element: String) -> Double? {
        attribute(name, in: element).flatMap(Double.init)
    }
}
