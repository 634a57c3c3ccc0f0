import Canvas

/// Images in a grid of `columns` columns, row by row, with optional captions under each image
/// and names for rows and columns (e.g. 26 letters × 8 samples, or 4 × 8 filter tiles); column
/// names head the columns, above the first row.
/// Use it on an axes of its own: the axes hides its frame and grid.
public struct ImageGridMark: Mark {
    public let images: [RGBImage]
    public let columns: Int
    public let captions: [String]?
    public let rowLabels: [String]?
    public let columnLabels: [String]?
    /// How images are resampled; nil: hard pixels when enlarged (small filters), smooth when shrunk.
    public var interpolation: ImageInterpolation?
    /// An outline around each image (helps light images on white).
    public var outline: Color? = Color(bytes: 0xd0, 0xd0, 0xd0)
    /// Pixels per CSS pixel that images are stored at; nil matches the output (2× for the
    /// report). 1 halves the size of an SVG full of photographs, at the PNG's expense.
    public var imageScale: Double?

    public var kind: String { "image-grid" }
    public var rows: Int { (images.count + columns - 1) / columns }

    public init(images: [RGBImage], columns: Int, captions: [String]? = nil, rowLabels: [String]? = nil,
                columnLabels: [String]? = nil, interpolation: ImageInterpolation? = nil) throws {
        guard !images.isEmpty else { throw PlotError.emptyData(mark: "image grid") }
        guard columns >= 1 else {
            throw PlotError.invalidParameter(mark: "image grid", name: "column count", reason: "it must be at least 1, not \(columns)")
        }
        if let captions { try Validate.sameCount("image grid", "images", images.count, "captions", captions.count) }
        let rows = (images.count + columns - 1) / columns
        if let rowLabels { try Validate.sameCount("image grid", "rows", rows, "row labels", rowLabels.count) }
        if let columnLabels { try Validate.sameCount("image grid", "columns", columns, "column labels", columnLabels.count) }
        self.images = images
        self.columns = columns
        self.captions = captions
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.interpolation = interpolation
    }

    public var hints: AxisHints {
        AxisHints(xCategories: columnLabels ?? Array(repeating: "", count: columns),
                  yCategories: rowLabels ?? Array(repeating: "", count: rows),
                  yFromTop: true, equalAspect: true, frame: .hidden, grid: false, xLabelsOnTop: true)
    }

    public var extent: DataExtent? {
        let x = -0.5...(Double(columns) - 0.5), y = -0.5...(Double(rows) - 0.5)
        return DataExtent(x: x, y: y, stickyX: [x.lowerBound, x.upperBound], stickyY: [y.lowerBound, y.upperBound])
    }

    /// Where image `index` is drawn (aspect kept, centred in its cell above the caption band).
    func imageFrame(_ index: Int, cell: Rect, image: RGBImage) -> Rect {
        let pad = max(1, (cell.width * 0.04).rounded())
        let captionBand = captions == nil ? 0 : captionSize(cell: cell) + 3
        let box = cell.inset(left: pad, top: pad, right: pad, bottom: pad + captionBand)
        let scale = min(box.width / Double(image.width), box.height / Double(image.height))
        let w = Double(image.width) * scale, h = Double(image.height) * scale
        return Rect(x: box.midX - w / 2, y: box.minY + (box.height - h) / 2, width: w, height: h)
    }

    func captionSize(cell: Rect) -> Double {
        min(10.5, max(6, cell.height * 0.14))
    }

    public func items(in context: MarkContext) -> [SceneItem] {
        let resolution = imageScale ?? context.rasterScale
        var pictures: [SceneItem] = []
        var texts: [SceneItem] = []
        for (i, image) in images.enumerated() {
            let r = i / columns, c = i % columns
            let x0 = context.x.map(Double(c) - 0.5), x1 = context.x.map(Double(c) + 0.5)
            let y0 = context.y.map(Double(r) - 0.5), y1 = context.y.map(Double(r) + 0.5)
            let cell = Rect(x: min(x0, x1), y: min(y0, y1), width: abs(x1 - x0), height: abs(y1 - y0))
            let frame = imageFrame(i, cell: cell, image: image)
            let enlarged = frame.width * resolution > Double(image.width) * 1.01
            let mode = interpolation ?? (enlarged ? .nearest : .smooth)
            // Shrink big images to the output resolution before embedding them.
            let target = (Int((frame.width * resolution).rounded(.up)), Int((frame.height * resolution).rounded(.up)))
            let prepared = !enlarged && target.0 < image.width ? resized(image, width: max(1, target.0), height: max(1, target.1)) : image
            pictures.append(.image(prepared, frame: frame, interpolation: mode))
            if let outline { pictures.append(.rect(frame, fill: nil, stroke: Stroke(color: outline, width: 0.5))) }
            if let caption = captions?[i], !caption.isEmpty {
                texts.append(.text(TextItem(caption, at: Point(x: cell.midX, y: frame.maxY + 2), size: captionSize(cell: cell),
                                            color: Theme.mutedText, anchor: .middle, baseline: .top, className: "caption")))
            }
        }
        return pictures + texts
    }
}
