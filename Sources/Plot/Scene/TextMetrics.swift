import Canvas

/// Measures text as the raster writer will draw it (DejaVu Sans through Cairo), so layout
/// can reserve room for tick labels and legends. One per layout; not thread-safe.
final class TextMetrics {
    private let canvas: ImageCanvas
    private var cache: [String: Double] = [:]

    init() throws {
        do {
            canvas = try ImageCanvas(width: 1, height: 1)
        } catch {
            throw PlotError.drawing(reason: "\(error)")
        }
    }

    /// The advance width of `text` at `size` px.
    func width(_ text: String, size: Double, bold: Bool = false) -> Double {
        let key = "\(bold ? "b" : "r")\(size)|\(text)"
        if let known = cache[key] { return known }
        let measured = canvas.textWidth(text, size: size, bold: bold)
        cache[key] = measured
        return measured
    }

    /// The height of a line of text at `size`, ascender to descender (DejaVu Sans: 1.164 em).
    func lineHeight(size: Double) -> Double { size * 1.164 }
}
