import Canvas

/// Vertical error bars: at each x a whisker from `low` to `high` with short caps (mean ± one
/// standard deviation over seeds, say). A point whose interval is not finite has no bar.
public struct ErrorBarMark: IntervalMark {
    public let x: [Double]
    public let low: [Double]
    public let high: [Double]
    /// nil takes the next colour of the axes' cycle.
    public var color: Color?
    /// Half the cap's length in CSS pixels.
    public var capHalfWidth: Double

    public var kind: String { "errorbar" }

    public init(x: [Double], low: [Double], high: [Double], color: Color? = nil, capHalfWidth: Double = 4) throws {
        try Self.checkLengths("error bar mark", x: x, low: low, high: high)
        self.x = x
        self.low = low
        self.high = high
        self.color = color
        self.capHalfWidth = capHalfWidth
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
