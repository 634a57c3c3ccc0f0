import Canvas

/// Thumbnails placed at 2-D data positions (an embedding shown with its images), each
/// centred on its point, optionally framed in a colour (its class).
public struct ImageScatterMark: Mark {
    public let x: [Double]
    public let y: [Double]
    public let images: [RGBImage]
    /// The longer side of each thumbnail, in CSS pixels.
    public var size: Double
    public var borderColors: [Color]?
    /// Above this many thumbnails the SVG embeds them as one raster image.
    public var rasterThreshold = 200
    /// Pixels per CSS pixel that images are stored at; nil matches the output (2× for the
    /// report). 1 halves the size of an SVG full of photographs, at the PNG's expense.
    public var imageScale: Double?

    public var kind: String { "image-scatter" }

    public init(x: [Double], y: [Double], images: [RGBImage], size: Double = 28, borderColors: [Color]? = nil) throws {
        try Validate.sameCount("image scatter", "x values", x.count, "y values", y.count)
        try Validate.sameCount("image scatter", "points", x.count, "images", images.count)
        if let borderColors { try Validate.sameCount("image scatter", "images", images.count, "border colours", borderColors.count) }
        guard DataExtent.of(x: x, y: y) != nil else { throw PlotError.emptyData(mark: "image scatter") }
        guard size > 0, size.isFinite else {
            throw PlotError.invalidParameter(mark: "image scatter", name: "size", reason: "it must be a positive number of pixels, not \(size)")
        }
        self.x = x
        self.y = y
        self.images = images
        self.size = size
        self.borderColors = borderColors
    }

    public var extent: DataExtent? { DataExtent.of(x: x, y: y) }
    public var prefersRaster: Bool { images.count > rasterThreshold }

    public func footprint(limit: Int) -> [Point] {
        Validate.sample(x.count, limit: limit).compactMap { x[$0].isFinite && y[$0].isFinite ? Point(x: x[$0], y: y[$0]) : nil }
    }

    public func items(in context: MarkContext) -> [SceneItem] {
        let resolution = imageScale ?? context.rasterScale
        var items: [SceneItem] = []
        for i in x.indices {
            let p = context.point(x[i], y[i])
            guard p.x.isFinite, p.y.isFinite else { continue }
            let image = images[i]
            let scale = size / Double(max(image.width, image.height))
            let w = Double(image.width) * scale, h = Double(image.height) * scale
            let frame = Rect(x: p.x - w / 2, y: p.y - h / 2, width: w, height: h)
            let target = (Int((w * resolution).rounded(.up)), Int((h * resolution).rounded(.up)))
            let prepared = target.0 < image.width ? resized(image, width: max(1, target.0), height: max(1, target.1)) : image
            items.append(.image(prepared, frame: frame, interpolation: .smooth))
            if let border = borderColors?[i] {
                items.append(.rect(frame, fill: nil, stroke: Stroke(color: border, width: 1.5)))
            }
        }
        return items
    }
}
