import Canvas

/// A shaded band between two curves over the same x (mean ± one standard deviation of a group
/// of training curves, say), drawn translucent under the lines. Runs of finite values each
/// make their own band.
public struct BandMark: IntervalMark {
    public let x: [Double]
    public let low: [Double]
    public let high: [Double]
    /// nil takes the next colour of the axes' cycle; the band is drawn at `opacity`.
    public var color: Color?
    public var opacity: Double

    public var kind: String { "band" }

    public init(x: [Double], low: [Double], high: [Double], color: Color? = nil, opacity: Double = 0.2) throws {
        try Self.checkLengths("band mark", x: x, low: low, high: high)
        self.x = x
        self.low = low
        self.high = high
        self.color = color
        self.opacity = opacity
    }

    public func items(in context: MarkContext) -> [SceneItem] {
        let fill = (color ?? Palette.tab10[0]).withAlpha(opacity)
        var items: [SceneItem] = []
        var upper: [Point] = [], lower: [Point] = []
        func close() {
            if upper.count > 1 { items.append(.path(points: upper + lower.reversed(), closed: true, fill: fill, stroke: nil)) }
            upper = []
            lower = []
        }
        for i in x.indices {
            let top = context.point(x[i], high[i]), bottom = context.point(x[i], low[i])
            if top.x.isFinite, top.y.isFinite, bottom.y.isFinite {
                upper.append(top)
                lower.append(bottom)
            } else {
                close()
            }
        }
        close()
        return items
    }
}
