import Canvas

/// Points at (x, y): predicted vs true values, t-SNE embeddings coloured by class or by a
/// continuous value. Above `rasterThreshold` points the SVG holds them as one raster image.
public struct ScatterMark: Mark {
    public let x: [Double]
    public let y: [Double]
    /// Each point's index into `palette`.
    let colorIndex: [Int32]
    /// The colours points index into (one colour, a class palette, or a colour map's table).
    private(set) var palette: [Color]
    /// Class names for the legend (categorical colouring only).
    let classNames: [String]
    /// The colour map and value range (continuous colouring only).
    public let colorScale: (map: ColorMap, domain: ClosedRange<Double>)?
    private var usesCycleColor: Bool
    /// Disc radius in CSS pixels; nil picks one from the number of points.
    public var radius: Double?
    /// Opacity 0…1; nil picks one from the number of points.
    public var alpha: Double?
    /// Legend label (single-colour points only).
    public var label: String?
    /// Above this many points, the SVG embeds the points as one PNG.
    public var rasterThreshold: Int = 3000

    public var kind: String { "scatter" }

    /// Points in one colour (nil: the axes' next cycle colour).
    public init(x: [Double], y: [Double], color: Color? = nil, label: String? = nil, radius: Double? = nil, alpha: Double? = nil) throws {
        try ScatterMark.check(x, y)
        self.x = x
        self.y = y
        self.colorIndex = [Int32](repeating: 0, count: x.count)
        self.palette = [color ?? Palette.tab10[0]]
        self.classNames = []
        self.colorScale = nil
        self.usesCycleColor = color == nil
        self.radius = radius
        self.alpha = alpha
        self.label = label
    }

    /// Points coloured by class: `classes[i]` indexes `classNames` and `palette` (cycled).
    /// The legend gets one entry per class name.
    public init(x: [Double], y: [Double], classes: [Int], classNames: [String], palette: [Color] = Palette.categorical26,
                radius: Double? = nil, alpha: Double? = nil) throws {
        try ScatterMark.check(x, y)
        try Validate.sameCount("scatter mark", "points", x.count, "class labels", classes.count)
        guard !palette.isEmpty else {
            throw PlotError.invalidParameter(mark: "scatter mark", name: "palette", reason: "it has no colours")
        }
        if let bad = classes.first(where: { $0 < 0 }) {
            throw PlotError.invalidParameter(mark: "scatter mark", name: "classes", reason: "class \(bad) is negative")
        }
        self.x = x
        self.y = y
        self.colorIndex = classes.map { Int32($0 % palette.count) }
        self.palette = palette
        self.classNames = classNames
        self.colorScale = nil
        self.usesCycleColor = false
        self.radius = radius
        self.alpha = alpha
    }

    /// Points coloured by a continuous value through `colorMap` over `domain` (default:
    /// the values' finite range). Pair with `colorBar(label:)`.
    public init(x: [Double], y: [Double], values: [Double], colorMap: ColorMap = .viridis, domain: ClosedRange<Double>? = nil,
                radius: Double? = nil, alpha: Double? = nil) throws {
        try ScatterMark.check(x, y)
        try Validate.sameCount("scatter mark", "points", x.count, "colour values", values.count)
        let finite = values.filter { $0.isFinite }
        let range = domain ?? ((finite.min() ?? 0)...(finite.max() ?? 1))
        self.x = x
        self.y = y
        self.colorIndex = values.map { Int32(colorMap.index(at: colorMap.normalized($0, in: range))) }
        self.palette = colorMap.colors
        self.classNames = []
        self.colorScale = (colorMap, range)
        self.usesCycleColor = false
        self.radius = radius
        self.alpha = alpha
    }

    /// Points with a colour each.
    public init(x: [Double], y: [Double], colors: [Color], radius: Double? = nil, alpha: Double? = nil) throws {
        try ScatterMark.check(x, y)
        try Validate.sameCount("scatter mark", "points", x.count, "colours", colors.count)
        var unique: [Color] = []
        var lookup: [String: Int32] = [:]
        var indices: [Int32] = []
        indices.reserveCapacity(colors.count)
        for color in colors {
            let key = "\(color.red),\(color.green),\(color.blue),\(color.alpha)"
            if let known = lookup[key] { indices.append(known); continue }
            lookup[key] = Int32(unique.count)
            indices.append(Int32(unique.count))
            unique.append(color)
        }
        self.x = x
        self.y = y
        self.colorIndex = indices
        self.palette = unique.isEmpty ? [Palette.tab10[0]] : unique
        self.classNames = []
        self.colorScale = nil
        self.usesCycleColor = false
        self.radius = radius
        self.alpha = alpha
    }

    private static func check(_ x: [Double], _ y: [Double]) throws {
        try Validate.sameCount("scatter mark", "x values", x.count, "y values", y.count)
        guard DataExtent.of(x: x, y: y) != nil else { throw PlotError.emptyData(mark: "scatter mark") }
    }

    /// The colour of point `i` (before `alpha`).
    public func color(ofPoint i: Int) -> Color { palette[Int(colorIndex[i])] }

    /// The number of points with finite coordinates (the ones drawn).
    public var drawnCount: Int { x.indices.reduce(0) { $0 + (x[$1].isFinite && y[$1].isFinite ? 1 : 0) } }

    /// The radius used: given, or smaller as points get denser.
    public var effectiveRadius: Double {
        if let radius { return radius }
        let n = x.count
        return n <= 300 ? 3.5 : n <= 3000 ? 2.5 : n <= 20_000 ? 1.6 : 1.25
    }

    /// The opacity used: given, or lower as points get denser so overlaps show.
    public var effectiveAlpha: Double {
        if let alpha { return alpha }
        let n = x.count
        return n <= 300 ? 0.9 : n <= 3000 ? 0.8 : 0.65
    }

    /// A colour bar for continuously coloured points; nil otherwise.
    public func colorBar(label: String? = nil) -> ColorBar? {
        colorScale.map { ColorBar(colorMap: $0.map, domain: $0.domain, label: label) }
    }

    public var extent: DataExtent? { DataExtent.of(x: x, y: y) }

    public var prefersRaster: Bool { drawnCount > rasterThreshold }

    public var legendEntries: [LegendEntry] {
        if !classNames.isEmpty {
            let present = Set(colorIndex)
            return classNames.enumerated().compactMap { i, name in
                present.contains(Int32(i % palette.count)) ? LegendEntry(label: name, color: palette[i % palette.count], symbol: .marker(radius: effectiveRadius)) : nil
            }
        }
        guard let label, palette.count == 1 else { return [] }
        return [LegendEntry(label: label, color: palette[0], symbol: .marker(radius: effectiveRadius))]
    }

    public mutating func adoptCycleColor(_ color: Color) -> Bool {
        guard usesCycleColor else { return false }
        palette = [color]
        usesCycleColor = false
        return true
    }

    public func footprint(limit: Int) -> [Point] {
        Validate.sample(x.count, limit: limit).compactMap { i in
            x[i].isFinite && y[i].isFinite ? Point(x: x[i], y: y[i]) : nil
        }
    }

    public func items(in context: MarkContext) -> [SceneItem] {
        let r = effectiveRadius, a = effectiveAlpha
        let fills = palette.map { $0.withAlpha($0.alpha * a) }
        // A hairline white edge separates overlapping dots when they are few and large.
        let edge: Stroke? = x.count <= 3000 && r >= 3 ? Stroke(color: Color.white.withAlpha(0.8), width: 0.5) : nil
        var items: [SceneItem] = []
        items.reserveCapacity(x.count)
        for i in x.indices {
            let p = context.point(x[i], y[i])
            guard p.x.isFinite, p.y.isFinite else { continue }
            items.append(.circle(center: p, radius: r, fill: fills[Int(colorIndex[i])], stroke: edge))
        }
        return items
    }
}
