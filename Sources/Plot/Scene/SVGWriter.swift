import Canvas
import Foundation

/// Writes a `Scene` as clean, self-contained SVG text: one element per primitive, groups with
/// semantic classes, XML-escaped text, and raster layers embedded as `data:` PNGs (never an
/// external URL).
public struct SVGWriter: Sendable {
    /// Prefix for element ids (clip paths), so several SVGs can be inlined into one HTML page.
    public var idPrefix: String
    /// Resolution of raster layers relative to CSS pixels.
    public var rasterScale: Double

    public init(idPrefix: String = "plot", rasterScale: Double = 2) {
        self.idPrefix = idPrefix.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        if self.idPrefix.isEmpty || !(self.idPrefix.first!.isLetter) { self.idPrefix = "p" + self.idPrefix }
        self.rasterScale = rasterScale
    }

    /// The SVG document of `scene`.
    public func render(_ scene: Scene) throws -> String {
        var state = State()
        var body = ""
        body.reserveCapacity(64 * 1024)
        for item in scene.items { try write(item, into: &body, state: &state) }

        var out = ""
        out.reserveCapacity(body.utf8.count + 1024)
        let w = svgNumber(scene.width), h = svgNumber(scene.height)
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\""
        out += " font-family=\"\(Theme.fontFamily)\" role=\"img\">\n"
        if let title = scene.title, !title.isEmpty { out += "<title>\(xmlEscape(title))</title>\n" }
        if !state.defs.isEmpty { out += "<defs>\n" + state.defs + "</defs>\n" }
        out += "<rect class=\"background\" width=\"\(w)\" height=\"\(h)\" fill=\"\(scene.background.hex)\"/>\n"
        out += body
        out += "</svg>\n"
        return out
    }

    private struct State {
        var defs = ""
        var nextID = 0
    }

    private func write(_ item: SceneItem, into out: inout String, state: inout State) throws {
        switch item {
        case .line(let a, let b, let stroke):
            out += "<line x1=\"\(svgNumber(a.x))\" y1=\"\(svgNumber(a.y))\" x2=\"\(svgNumber(b.x))\" y2=\"\(svgNumber(b.y))\"\(strokeAttributes(stroke))/>\n"
        case .path(let points, let closed, let fill, let stroke):
            guard !points.isEmpty else { return }
            var d = ""
            d.reserveCapacity(points.count * 14)
            for (i, p) in points.enumerated() {
                d += i == 0 ? "M" : "L"
                d += svgNumber(p.x)
                d += " "
                d += svgNumber(p.y)
            }
            if closed { d += "Z" }
            out += "<path d=\"\(d)\"\(fillAttributes(fill))\(stroke.map(strokeAttributes) ?? "")"
            out += stroke != nil && !closed ? " stroke-linejoin=\"round\"/>\n" : "/>\n"
        case .rect(let r, let fill, let stroke):
            out += "<rect x=\"\(svgNumber(r.x))\" y=\"\(svgNumber(r.y))\" width=\"\(svgNumber(r.width))\" height=\"\(svgNumber(r.height))\""
            out += fillAttributes(fill) + (stroke.map(strokeAttributes) ?? "") + "/>\n"
        case .circle(let c, let radius, let fill, let stroke):
            out += "<circle cx=\"\(svgNumber(c.x))\" cy=\"\(svgNumber(c.y))\" r=\"\(svgNumber(radius))\""
            out += fillAttributes(fill) + (stroke.map(strokeAttributes) ?? "") + "/>\n"
        case .text(let t):
            writeText(t, into: &out)
        case .image(let image, let frame, let interpolation):
            var source = image
            if interpolation == .nearest {
                // Not every SVG renderer honours image-rendering (librsvg, Inkscape, some print
                // paths smooth anyway), so hard pixels are baked in up to the raster resolution.
                // Repeated pixels cost PNG almost nothing.
                let fx = Int((frame.width * rasterScale / Double(image.width)).rounded(.up))
                let fy = Int((frame.height * rasterScale / Double(image.height)).rounded(.up))
                let limit = 2048
                if (fx > 1 || fy > 1) && image.width * fx <= limit && image.height * fy <= limit {
                    source = upscaleNearest(image, fx: max(1, fx), fy: max(1, fy))
                }
            }
            let bytes = try encodePNG(source, photograph: interpolation == .smooth)
            out += "<image x=\"\(svgNumber(frame.x))\" y=\"\(svgNumber(frame.y))\" width=\"\(svgNumber(frame.width))\" height=\"\(svgNumber(frame.height))\""
            out += " preserveAspectRatio=\"none\""
            if interpolation == .nearest { out += " style=\"image-rendering:pixelated\"" }
            out += " href=\"data:image/png;base64,\(Data(bytes).base64EncodedString())\"/>\n"
        case .group(let group):
            try writeGroup(group, into: &out, state: &state)
        }
    }

    private func writeGroup(_ group: SceneGroup, into out: inout String, state: inout State) throws {
        if let background = group.raster, let clip = group.clip {
            let image = try RasterWriter(scale: rasterScale).renderRegion(group.items, region: clip, background: background)
            out += "<g class=\"\(xmlEscape(group.className))\">\n"
            try write(.image(image, frame: clip, interpolation: .smooth), into: &out, state: &state)
            out += "</g>\n"
            return
        }
        out += "<g class=\"\(xmlEscape(group.className))\""
        if let clip = group.clip {
            let id = "\(idPrefix)-clip\(state.nextID)"
            state.nextID += 1
            state.defs += "<clipPath id=\"\(id)\"><rect x=\"\(svgNumber(clip.x))\" y=\"\(svgNumber(clip.y))\" width=\"\(svgNumber(clip.width))\" height=\"\(svgNumber(clip.height))\"/></clipPath>\n"
            out += " clip-path=\"url(#\(id))\""
        }
        out += ">\n"
        for item in group.items { try write(item, into: &out, state: &state) }
        out += "</g>\n"
    }

    private func writeText(_ t: TextItem, into out: inout String) {
        let offset = t.baseline.offset(size: t.size)
        out += "<text"
        if let className = t.className { out += " class=\"\(xmlEscape(className))\"" }
        if t.rotation != 0 {
            out += " x=\"\(svgNumber(t.position.x))\" y=\"\(svgNumber(t.position.y + offset))\""
            out += " transform=\"rotate(\(svgNumber(t.rotation)) \(svgNumber(t.position.x)) \(svgNumber(t.position.y)))\""
        } else {
            out += " x=\"\(svgNumber(t.position.x))\" y=\"\(svgNumber(t.position.y + offset))\""
        }
        out += " font-size=\"\(svgNumber(t.size))\""
        if t.anchor != .start { out += " text-anchor=\"\(t.anchor.rawValue)\"" }
        if t.bold { out += " font-weight=\"bold\"" }
        out += fillAttributes(t.color)
        if let halo = t.halo {
            out += " stroke=\"\(halo.hex)\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\""
        }
        out += ">\(xmlEscape(t.text))</text>\n"
    }

    private func fillAttributes(_ fill: Color?) -> String {
        guard let fill else { return " fill=\"none\"" }
        var s = " fill=\"\(fill.hex)\""
        if fill.alpha < 1 { s += " fill-opacity=\"\(svgNumber(fill.alpha, decimals: 3))\"" }
        return s
    }

    private func strokeAttributes(_ stroke: Stroke) -> String {
        var s = " stroke=\"\(stroke.color.hex)\""
        if stroke.width != 1 { s += " stroke-width=\"\(svgNumber(stroke.width))\"" }
        if stroke.color.alpha < 1 { s += " stroke-opacity=\"\(svgNumber(stroke.color.alpha, decimals: 3))\"" }
        if !stroke.dash.isEmpty { s += " stroke-dasharray=\"\(stroke.dash.map { svgNumber($0) }.joined(separator: " "))\"" }
        return s
    }

    /// Smoothly drawn images are photographs (data set samples): noise that LZ77 cannot shrink,
    /// so the Huffman-only encoder is several times faster at the same size.
    private func encodePNG(_ image: RGBImage, photograph: Bool = false) throws -> [UInt8] {
        do {
            return try PNG.encode(image, compression: photograph ? .huffmanOnly : .small)
        } catch {
            throw PlotError.drawing(reason: "\(error)")
        }
    }
}

/// Text safe inside XML character data and attribute values.
public func xmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for ch in text.unicodeScalars {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default:
            // XML 1.0 forbids most control characters even when escaped; drop them.
            if ch.value < 0x20 && ch != "\t" && ch != "\n" && ch != "\r" { continue }
            out.unicodeScalars.append(ch)
        }
    }
    return out
}

/// A coordinate with at most `decimals` decimals and no trailing zeros ("12", "3.5", "−" as "-").
func svgNumber(_ value: Double, decimals: Int = 2) -> String {
    guard value.isFinite else { return "0" }
    let factor = decimals == 2 ? 100.0 : pow(10, Double(decimals))
    let scaled = (value * factor).rounded()
    if scaled == 0 { return "0" }
    let negative = scaled < 0
    let magnitude = UInt64(abs(scaled))
    let whole = magnitude / UInt64(factor)
    var fraction = magnitude % UInt64(factor)
    var text = negative ? "-" : ""
    text += String(whole)
    if fraction != 0 {
        var digits = decimals
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let f = String(fraction)
        text += "." + String(repeating: "0", count: digits - f.count) + f
    }
    return text
}
