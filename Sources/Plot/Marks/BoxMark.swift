import Canvas

/// Quartiles, whiskers and outliers of one group's values, as a box plot draws them.
public struct BoxStats: Equatable, Sendable {
    public var lowerQuartile: Double
    public var median: Double
    public var upperQuartile: Double
    /// The most extreme values within 1.5 × IQR of the box (Tukey's whiskers).
    public var lowerWhisker: Double
    public var upperWhisker: Double
    /// Values beyond the whiskers.
    public var outliers: [Double]
    public var count: Int

    /// Statistics of the finite values; nil if there are none.
    public init?(_ values: [Double]) {
        let sorted = values.filter { $0.isFinite }.sorted()
        guard !sorted.isEmpty else { return nil }
        let q1 = quantile(sorted, 0.25), q3 = quantile(sorted, 0.75)
        let reach = 1.5 * (q3 - q1)
        let low = sorted.first { $0 >= q1 - reach } ?? q1
        let high = sorted.last { $0 <= q3 + reach } ?? q3
        lowerQuartile = q1
        median = quantile(sorted, 0.5)
        upperQuartile = q3
        lowerWhisker = low
        upperWhisker = high
        outliers = sorted.filter { $0 < low || $0 > high }
        count = sorted.count
    }
}

/// Box plots of named groups (e.g. distance error per letter), optionally with every value
/// drawn as a jittered dot over its box (a strip plot).
public struct BoxMark: Mark {
    public let groups: [String]
    public let values: [[Double]]
    /// Per group; nil for a group with no finite values (drawn empty).
    public let stats: [BoxStats?]
    public var color: Color?
    /// Draw every value as a dot, spread sideways so they do not hide each other.
    public var showsPoints: Bool
    /// Box width in category units.
    public var width: Double = 0.6

    public var kind: String { "box" }

    public init(groups: [String], values: [[Double]], color: Color? = nil, showsPoints: Bool = false) throws {
        try Validate.sameCount("box plot", "group names", groups.count, "value lists", values.count)
        let stats = values.map { BoxStats($0) }
        guard stats.contains(where: { $0 != nil }) else { throw PlotError.emptyData(mark: "box plot") }
        self.groups = groups
        self.values = values
        self.stats = stats
        self.color = color
        self.showsPoints = showsPoints
    }

    public var hints: AxisHints { AxisHints(xCategories: groups) }

    public var extent: DataExtent? {
        let finite = values.joined().filter { $0.isFinite }
        guard let lo = finite.min(), let hi = finite.max() else { return nil }
        return DataExtent(x: -0.5...(Double(groups.count) - 0.5), y: lo...hi)
    }

    public mutating func adoptCycleColor(_ color: Color) -> Bool {
        guard self.color == nil else { return false }
        self.color = color
        return true
    }

    public func footprint(limit: Int) -> [Point] {
        stats.enumerated().flatMap { i, s -> [Point] in
            guard let s else { return [] }
            return [s.lowerWhisker, s.lowerQuartile, s.median, s.upperQuartile, s.upperWhisker].map { Point(x: Double(i), y: $0) }
        }
    }

    public func items(in context: MarkContext) -> [SceneItem] {
        let color = self.color ?? Palette.tab10[0]
        let outline = Stroke(color: color, width: 1.3)
        let medianStroke = Stroke(color: Color(bytes: 0x26, 0x26, 0x26), width: 2)
        var items: [SceneItem] = []
        for (i, s) in stats.enumerated() {
            guard let s else { continue }
            let c = Double(i)
            let x0 = context.x.map(c - width / 2), x1 = context.x.map(c + width / 2), cx = context.x.map(c)
            let q1 = context.y.map(s.lowerQuartile), q3 = context.y.map(s.upperQuartile)
            let lo = context.y.map(s.lowerWhisker), hi = context.y.map(s.upperWhisker)
            let capHalf = (x1 - x0) / 4
            items.append(.line(from: Point(x: cx, y: q1), to: Point(x: cx, y: lo), stroke: outline))
            items.append(.line(from: Point(x: cx, y: q3), to: Point(x: cx, y: hi), stroke: outline))
            items.append(.line(from: Point(x: cx - capHalf, y: lo), to: Point(x: cx + capHalf, y: lo), stroke: outline))
            items.append(.line(from: Point(x: cx - capHalf, y: hi), to: Point(x: cx + capHalf, y: hi), stroke: outline))
            items.append(.rect(Rect(x: x0, y: min(q1, q3), width: x1 - x0, height: abs(q3 - q1)), fill: color.withAlpha(0.25), stroke: outline))
            let m = context.y.map(s.median)
            items.append(.line(from: Point(x: x0, y: m), to: Point(x: x1, y: m), stroke: medianStroke))
            if showsPoints {
                for (k, v) in values[i].enumerated() where v.isFinite {
                    // Deterministic jitter: the golden-ratio sequence spreads dots evenly.
                    let jitter = ((Double(k) * 0.618_033_988_75).truncatingRemainder(dividingBy: 1) - 0.5) * width * 0.7
                    items.append(.circle(center: Point(x: context.x.map(c + jitter), y: context.y.map(v)), radius: 2,
                                         fill: color.withAlpha(0.45), stroke: nil))
                }
            } else {
                for v in s.outliers {
                    items.append(.circle(center: Point(x: cx, y: context.y.map(v)), radius: 2.5, fill: nil, stroke: Stroke(color: color, width: 1)))
                }
            }
        }
        return items
    }
}
