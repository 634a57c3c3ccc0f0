import Canvas

/// Vertical error bars: at each x a whisker from `low` to `high` with short caps (mean ± one
/// standard deviation over seeds, say). A point whose interval is not finite has no bar.
public struct ErrorBarMark: Mark {
    public let x: [Double]
    public let low: [Double]
    public let high: [Double]
    /// nil takes the next colour of the axes' cycle.
    public var color: Color?
    /// Half the cap's length in CSS pixels.
    public var capHalfWidth: Double

    public var kind: String { "errorbar" }

    public init(x: [Double], low: [Double], high: [Double], color: Color? = nil, capHalfWidth: Double = 4) throws {
        try Validate.sameCount("error bar mark", "x values", x.count, "low values", low.count)
        try Validate.sameCount("error bar mark", "x values", x.count, "high values", high.count)
        self.x = x
        self.low = low
        self.high = high
        self.color = color
        self.capHalfWidth = capHalfWidth
    }

    public var extent: DataExtent? {
        guard let a = DataExtent.of(x: x, y: low), let b = DataExtent.of(x: x, y: high) else { return nil }
        return DataExtent(x: min(a.x.lowerBound, b.x.lowerBound)...max(a.x.upperBound, b.x.upperBound),
                          y: min(a.y.lowerBound, b.y.lowerBound)...max(a.y.upperBound, b.y.upperBound))
    }

    public mutating func adoptCycleColor(_ color: Color) -> Bool {
        guard self.color == nil else { return false }
        self.color = color
        return true
    }

    public func footprint(limit: Int) -> [Point] {
        Validate.sample(x.count, limit: limit / 2).flatMap { [Point(x: x[$0], y: low[$0]), Point(x: x[$0], y: high[$0])] }
    }

    public func items(in context: MarkContext) -> [SceneItem] {
        let stroke = Stroke(color: color ?? Palette.tab10[0], width: Theme.lineWidth, dash: [])
        var items: [SceneItem] = []
        for i in x.indices {
            let bottom = context.point(x[i], low[i]), top = context.point(x[i], high[i])
            guard bottom.x.isFinite, bottom.y.isFinite, top.y.isFinite else { continue }
            items.append(.line(from: bottom, to: top, stroke: stroke))
            for end in [bottom, top] {
                items.append(.line(from: Point(x: end.x - capHalfWidth, y: end.y), to: Point(x: end.x + capHalfWidth, y: end.y), stroke: stroke))
            }
        }
        return items
    }
}
