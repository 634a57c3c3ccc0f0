import CCairo

/// How stroke ends are drawn.
public enum LineCap: Sendable {
    case butt, round, square
}

/// A raster drawing surface backed by a Cairo RGB image: draw paths in pixel coordinates
/// (origin top-left, y down), then take the pixels out as an `RGBImage`.
///
/// Not thread-safe; use one canvas per thread.
public final class ImageCanvas {
    public let width: Int
    public let height: Int
    private let surface: OpaquePointer
    private let context: OpaquePointer

    /// What a pixel holds.
    public enum Format: Sendable {
        /// Opaque colour; read back with `rgbImage()`.
        case rgb
        /// Coverage only (0 = nothing drawn, 255 = fully covered), cheaper to draw into;
        /// colours are ignored except for their alpha. Read back with `coverage()`.
        case coverage
    }

    public let format: Format

    /// A new colour canvas filled with `background`.
    public convenience init(width: Int, height: Int, background: Color = .white) throws {
        try self.init(width: width, height: height, format: .rgb)
        setColor(background)
        cairo_paint(context)
    }

    /// A new coverage canvas, empty (all 0); drawing with any opaque colour covers pixels.
    public static func coverage(width: Int, height: Int) throws -> ImageCanvas {
        let canvas = try ImageCanvas(width: width, height: height, format: .coverage)
        canvas.setColor(.black)
        return canvas
    }

    private init(width: Int, height: Int, format: Format) throws {
        precondition(width > 0 && height > 0, "canvas size must be positive")
        let cairoFormat = format == .rgb ? CAIRO_FORMAT_RGB24 : CAIRO_FORMAT_A8
        guard let surface = cairo_image_surface_create(cairoFormat, Int32(width), Int32(height)) else {
            throw CanvasError.cairo(status: "cannot create a \(width)×\(height) surface")
        }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS, let context = cairo_create(surface) else {
            cairo_surface_destroy(surface)
            throw CanvasError.cairo(status: String(cString: cairo_status_to_string(status)))
        }
        self.width = width
        self.height = height
        self.format = format
        self.surface = surface
        self.context = context
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    // MARK: state

    public func setColor(_ color: Color) {
        cairo_set_source_rgba(context, color.red, color.green, color.blue, color.alpha)
    }

    /// Stroke width in user units (pixels unless the transform scales).
    public func setLineWidth(_ width: Double) {
        cairo_set_line_width(context, width)
    }

    public func setLineCap(_ cap: LineCap) {
        switch cap {
        case .butt: cairo_set_line_cap(context, CAIRO_LINE_CAP_BUTT)
        case .round: cairo_set_line_cap(context, CAIRO_LINE_CAP_ROUND)
        case .square: cairo_set_line_cap(context, CAIRO_LINE_CAP_SQUARE)
        }
    }

    /// Turns antialiasing off for exact, hard-edged pixels (tests) or on (the default).
    public func setAntialias(_ on: Bool) {
        cairo_set_antialias(context, on ? CAIRO_ANTIALIAS_DEFAULT : CAIRO_ANTIALIAS_NONE)
    }

    /// Runs `body` with the transform and drawing state saved, restoring them afterwards.
    public func withSavedState<T>(_ body: () throws -> T) rethrows -> T {
        cairo_save(context)
        defer { cairo_restore(context) }
        return try body()
    }

    public func translate(x: Double, y: Double) { cairo_translate(context, x, y) }
    /// Rotates later drawing by `radians` (clockwise on screen, since y points down).
    public func rotate(radians: Double) { cairo_rotate(context, radians) }
    public func scale(x: Double, y: Double) { cairo_scale(context, x, y) }

    // MARK: paths

    public func move(to x: Double, _ y: Double) { cairo_move_to(context, x, y) }
    public func line(to x: Double, _ y: Double) { cairo_line_to(context, x, y) }
    public func closePath() { cairo_close_path(context) }
    public func newPath() { cairo_new_path(context) }
    public func rectangle(x: Double, y: Double, width: Double, height: Double) {
        cairo_rectangle(context, x, y, width, height)
    }
    /// A circular arc around (`cx`, `cy`) from `start` to `end` radians, increasing angle.
    public func arc(cx: Double, cy: Double, radius: Double, start: Double, end: Double) {
        cairo_arc(context, cx, cy, radius, start, end)
    }
    public func curve(to x: Double, _ y: Double, control1: (Double, Double), control2: (Double, Double)) {
        cairo_curve_to(context, control1.0, control1.1, control2.0, control2.1, x, y)
    }

    // MARK: painting

    /// Strokes the current path and clears it.
    public func stroke() { cairo_stroke(context) }
    /// Fills the current path and clears it.
    public func fill() { cairo_fill(context) }
    /// Fills the whole canvas (within the clip) with the current colour.
    public func paint() { cairo_paint(context) }

    // MARK: images and text

    /// Draws `image` scaled into the rectangle (x, y, width, height) with good filtering.
    public func draw(_ image: RGBImage, x: Double, y: Double, width: Double, height: Double) {
        guard let source = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(image.width), Int32(image.height)) else { return }
        defer { cairo_surface_destroy(source) }
        cairo_surface_flush(source)
        let stride = Int(cairo_image_surface_get_stride(source))
        if let base = cairo_image_surface_get_data(source) {
            image.pixels.withUnsafeBufferPointer { px in
                for row in 0..<image.height {
                    let out = UnsafeMutableRawPointer(base + row * stride).assumingMemoryBound(to: UInt32.self)
                    for col in 0..<image.width {
                        let i = (row * image.width + col) * 3
                        out[col] = UInt32(px[i]) << 16 | UInt32(px[i + 1]) << 8 | UInt32(px[i + 2])
                    }
                }
            }
        }
        cairo_surface_mark_dirty(source)
        withSavedState {
            cairo_rectangle(context, x, y, width, height)
            cairo_clip(context)
            cairo_translate(context, x, y)
            cairo_scale(context, width / Double(image.width), height / Double(image.height))
            cairo_set_source_surface(context, source, 0, 0)
            cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_GOOD)
            cairo_paint(context)
        }
    }

    /// Draws `string` with its baseline starting at (x, y), in the sans-serif font at `size`
    /// pixels, in the current colour.
    public func text(_ string: String, x: Double, y: Double, size: Double, bold: Bool = false) {
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
        cairo_move_to(context, x, y)
        cairo_show_text(context, string)
    }

    /// The width `string` would take with `text(…)` at `size`.
    public func textWidth(_ string: String, size: Double, bold: Bool = false) -> Double {
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, string, &extents)
        return extents.x_advance
    }

    // MARK: pixels

    /// The coverage of a `.coverage` canvas: `width * height` bytes, row-major.
    public func coverage() -> [UInt8] {
        precondition(format == .coverage, "coverage() needs a coverage canvas")
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let base = cairo_image_surface_get_data(surface)!
        var out = [UInt8](repeating: 0, count: width * height)
        out.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                (out.baseAddress! + y * width).update(from: base + y * stride, count: width)
            }
        }
        return out
    }

    /// Clears a coverage canvas back to empty and resets the transform, for reuse.
    public func clear() {
        cairo_save(context)
        cairo_identity_matrix(context)
        cairo_set_operator(context, CAIRO_OPERATOR_CLEAR)
        cairo_paint(context)
        cairo_restore(context)
        cairo_identity_matrix(context)
        cairo_new_path(context)
    }

    /// The canvas as an 8-bit RGB image.
    public func rgbImage() -> RGBImage {
        precondition(format == .rgb, "rgbImage() needs an rgb canvas")
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let base = cairo_image_surface_get_data(surface)!
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                // RGB24 keeps each pixel as a native-endian UInt32 0x00RRGGBB.
                let row = UnsafeRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
                var o = y * width * 3
                for x in 0..<width {
                    let p = row[x]
                    out[o] = UInt8(truncatingIfNeeded: p >> 16)
                    out[o + 1] = UInt8(truncatingIfNeeded: p >> 8)
                    out[o + 2] = UInt8(truncatingIfNeeded: p)
                    o += 3
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    // MARK: - Added for Plot

    /// Restricts later drawing to the rectangle (within any current clip); undo by drawing
    /// inside `withSavedState`.
    public func clip(x: Double, y: Double, width: Double, height: Double) {
        cairo_rectangle(context, x, y, width, height)
        cairo_clip(context)
    }

    /// Dash pattern for later strokes, (on, off, …) in user units; empty for solid lines.
    public func setDash(_ lengths: [Double]) {
        cairo_set_dash(context, lengths, Int32(lengths.count), 0)
    }

    /// Round (true) or mitred (false, the default) corners where stroked path segments meet.
    public func setRoundLineJoin(_ round: Bool) {
        cairo_set_line_join(context, round ? CAIRO_LINE_JOIN_ROUND : CAIRO_LINE_JOIN_MITER)
    }

    /// Strokes the outline of `string` placed as `text(…)` places it, with the current line
    /// width and colour: a halo that keeps labels readable over dense marks.
    public func strokeText(_ string: String, x: Double, y: Double, size: Double, bold: Bool = false) {
        cairo_select_font_face(context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
        cairo_new_path(context)
        cairo_move_to(context, x, y)
        cairo_text_path(context, string)
        cairo_stroke(context)
    }
}
