import Canvas
import Foundation

/// Draws a `Scene` through Canvas (Cairo) into an RGB image at `scale` device pixels per CSS
/// pixel (2 for the report's PNGs). Draws exactly what the scene says, nothing more.
public struct RasterWriter: Sendable {
    public var scale: Double

    public init(scale: Double = 2) {
        precondition(scale > 0, "scale must be positive")
        self.scale = scale
    }

    /// The whole scene as an image of `ceil(width × scale) × ceil(height × scale)` pixels.
    public func render(_ scene: Scene) throws -> RGBImage {
        let canvas = try makeCanvas(width: scene.width, height: scene.height, background: scene.background)
        canvas.scale(x: scale, y: scale)
        let painter = Painter(canvas: canvas, scale: scale)
        painter.draw(scene.items)
        return canvas.rgbImage()
    }

    /// `items` cropped to `region` (CSS pixels) on `background`, as an image of
    /// `region × scale` pixels: the raster layer the SVG writer embeds.
    func renderRegion(_ items: [SceneItem], region: Rect, background: Color) throws -> RGBImage {
        let canvas = try makeCanvas(width: region.width, height: region.height, background: background)
        canvas.scale(x: scale, y: scale)
        canvas.translate(x: -region.x, y: -region.y)
        let painter = Painter(canvas: canvas, scale: scale)
        painter.draw(items)
        return canvas.rgbImage()
    }

    private func makeCanvas(width: Double, height: Double, background: Color) throws -> ImageCanvas {
        let w = max(1, Int((width * scale).rounded(.up))), h = max(1, Int((height * scale).rounded(.up)))
        do {
            return try ImageCanvas(width: w, height: h, background: background)
        } catch {
            throw PlotError.drawing(reason: "\(error)")
        }
    }
}

/// Walks scene items onto one canvas.
private struct Painter {
    let canvas: ImageCanvas
    let scale: Double

    func draw(_ items: [SceneItem]) {
        for item in items { draw(item) }
    }

    func draw(_ item: SceneItem) {
        switch item {
        case .line(let a, let b, let stroke):
            canvas.newPath()
            canvas.move(to: a.x, a.y)
            canvas.line(to: b.x, b.y)
            apply(stroke)
            canvas.stroke()
        case .path(let points, let closed, let fill, let stroke):
            guard let first = points.first else { return }
            if let fill {
                trace(points, first: first, closed: true)
                canvas.setColor(fill)
                canvas.fill()
            }
            if let stroke {
                trace(points, first: first, closed: closed)
                apply(stroke)
                canvas.setRoundLineJoin(!closed)
                canvas.stroke()
                canvas.setRoundLineJoin(false)
            }
        case .rect(let r, let fill, let stroke):
            if let fill {
                canvas.rectangle(x: r.x, y: r.y, width: r.width, height: r.height)
                canvas.setColor(fill)
                canvas.fill()
            }
            if let stroke {
                canvas.rectangle(x: r.x, y: r.y, width: r.width, height: r.height)
                apply(stroke)
                canvas.stroke()
            }
        case .circle(let c, let radius, let fill, let stroke):
            canvas.newPath()
            if let fill {
                canvas.arc(cx: c.x, cy: c.y, radius: radius, start: 0, end: 2 * .pi)
                canvas.setColor(fill)
                canvas.fill()
            }
            if let stroke {
                canvas.arc(cx: c.x, cy: c.y, radius: radius, start: 0, end: 2 * .pi)
                apply(stroke)
                canvas.stroke()
            }
        case .text(let t):
            drawText(t)
        case .image(let image, let frame, let interpolation):
            drawImage(image, frame: frame, interpolation: interpolation)
        case .group(let group):
            canvas.withSavedState {
                if let clip = group.clip {
                    canvas.clip(x: clip.x, y: clip.y, width: clip.width, height: clip.height)
                    if let background = group.raster {
                        canvas.setColor(background)
                        canvas.paint()
                    }
                }
                draw(group.items)
            }
        }
    }

    private func trace(_ points: [Point], first: Point, closed: Bool) {
        canvas.newPath()
        canvas.move(to: first.x, first.y)
        for p in points.dropFirst() { canvas.line(to: p.x, p.y) }
        if closed { canvas.closePath() }
    }

    private func apply(_ stroke: Stroke) {
        canvas.setColor(stroke.color)
        canvas.setLineWidth(stroke.width)
        canvas.setDash(stroke.dash)
    }

    private func drawText(_ t: TextItem) {
        let width = canvas.textWidth(t.text, size: t.size, bold: t.bold)
        let dx: Double = t.anchor == .start ? 0 : t.anchor == .middle ? -width / 2 : -width
        let dy = t.baseline.offset(size: t.size)
        canvas.withSavedState {
            canvas.translate(x: t.position.x, y: t.position.y)
            if t.rotation != 0 { canvas.rotate(radians: t.rotation * .pi / 180) }
            if let halo = t.halo {
                canvas.setColor(halo)
                canvas.setLineWidth(3)
                canvas.setDash([])
                canvas.setRoundLineJoin(true)
                canvas.strokeText(t.text, x: dx, y: dy, size: t.size, bold: t.bold)
            }
            canvas.setColor(t.color)
            canvas.text(t.text, x: dx, y: dy, size: t.size, bold: t.bold)
        }
    }

    private func drawImage(_ image: RGBImage, frame: Rect, interpolation: ImageInterpolation) {
        var source = image
        if interpolation == .nearest {
            // Cairo's filter would blur a blown-up image; repeat pixels first so each source
            // pixel is at least as large as it lands, then let the filter only shrink.
            let fx = Int((frame.width * scale / Double(image.width)).rounded(.up))
            let fy = Int((frame.height * scale / Double(image.height)).rounded(.up))
            if fx > 1 || fy > 1 { source = upscaleNearest(image, fx: max(1, fx), fy: max(1, fy)) }
        }
        canvas.draw(source, x: frame.x, y: frame.y, width: frame.width, height: frame.height)
    }
}

/// `image` with every pixel repeated `fx` times across and `fy` times down.
func upscaleNearest(_ image: RGBImage, fx: Int, fy: Int) -> RGBImage {
    let w = image.width * fx, h = image.height * fy
    var out = [UInt8](repeating: 0, count: w * h * 3)
    image.pixels.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<image.height {
                let rowStart = y * fy * w * 3
                var o = rowStart
                for x in 0..<image.width {
                    let i = (y * image.width + x) * 3
                    for _ in 0..<fx {
                        dst[o] = src[i]; dst[o + 1] = src[i + 1]; dst[o + 2] = src[i + 2]
                        o += 3
                    }
                }
                for r in 1..<max(1, fy) {
                    let target = rowStart + r * w * 3
                    for k in 0..<(w * 3) { dst[target + k] = dst[rowStart + k] }
                }
            }
        }
    }
    return RGBImage(width: w, height: h, pixels: out)
}

/// `image` resampled smoothly to `width × height` (for thumbnails: shrink before embedding).
func resized(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
    guard width > 0, height > 0, width != image.width || height != image.height,
          let canvas = try? ImageCanvas(width: width, height: height) else { return image }
    canvas.draw(image, x: 0, y: 0, width: Double(width), height: Double(height))
    return canvas.rgbImage()
}
