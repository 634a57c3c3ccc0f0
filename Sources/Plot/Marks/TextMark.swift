import Canvas

/// Text at data positions, centred on them (e.g. letters at class centroids of a t-SNE map),
/// with a white halo so it stays readable over dense points.
public struct TextMark: Mark {
    public let x: [Double]
    public let y: [Double]
    public let texts: [String]
    public var colors: [Color]
    /// Font size in CSS pixels.
    public var size: Double
    public var bold: Bool
    public var halo: Color?

    public var kind: String { "text" }

    /// `colors` holds one colour for all texts or one per text.
    public init(x: [Double], y: [Double], texts: [String], colors: [Color] = [Theme.text], size: Double = 13, bold: Bool = true,
                halo: Color? = .white) throws {
        try Validate.sameCount("text mark", "x values", x.count, "y values", y.count)
        try Validate.sameCount("text mark", "positions", x.count, "texts", texts.count)
        if colors.count != 1 { try Validate.sameCount("text mark", "texts", texts.count, "colours", colors.count) }
        guard DataExtent.of(x: x, y: y) != nil else { throw PlotError.emptyData(mark: "text mark") }
        self.x = x
        self.y = y
        self.texts = texts
        self.colors = colors
        self.size = size
        self.bold = bold
        self.halo = halo
    }

    public var extent: DataExtent? { DataExtent.of(x: x, y: y) }

    public func footprint(limit: Int) -> [Point] {
        Validate.sample(x.count, limit: limit).compactMap { x[$0].isFinite && y[$0].isFinite ? Point(x: x[$0], y: y[$0]) : nil }
    }

    public func items(in context: MarkContext) -> [SceneItem] {
        x.indices.compactMap { i in
            let p = context.point(x[i], y[i])
            guard p.x.isFinite, p.y.isFinite, !texts[i].isEmpty else { return nil }
            return .text(TextItem(texts[i], at: p, size: size, color: colors.count == 1 ? colors[0] : colors[i], anchor: .middle,
                                  baseline: .middle, bold: bold, halo: halo, className: "label"))
        }
    }
}
