import Canvas

/// A line through (x, y) points in order: loss curves, reference lines. Non-finite values
/// break the line (as matplotlib does) rather than failing.
public struct LineMark: Mark {
    public let x: [Double]
    public let y: [Double]
    /// nil takes the next colour of the axes' cycle.
    public var color: Color?
    /// Stroke width in CSS pixels.
    public var width: Double
    /// Dash pattern (on, off, …) in CSS pixels; empty for solid.
    public var dash: [Double]
    /// The legend label; nil keeps the line out of the legend.
    public var label: String?
    /// Also draw a dot at each point (for short series).
    public var showsPoints: Bool

    public var kind: String { "line" }

    public init(x: [Double], y: [Double], color: Color? = nil, width: Double = Theme.lineWidth, dash: [Double] = [],
                label: String? = nil, showsPoints: Bool = false) throws {
        try Validate.sameCount("line mark", "x values", x.count, "y values", y.count)
        guard DataExtent.of(x: x, y: y) != nil else { throw PlotError.emptyData(mark: "line mark") }
        guard width > 0, width.isFinite else {
            throw PlotError.invalidParameter(mark: "line mark", name: "width", reason: "it must be a positive number of pixels, not \(width)")
        }
        self.x = x
        self.y = y
        self.color = color
        self.width = width
        self.dash = dash
        self.label = label
        self.showsPoints = showsPoints
    }

    /// A line over x = 0, 1, 2, … (e.g. one value per epoch from 0).
    public init(y: [Double], color: Color? = nil, width: Double = Theme.lineWidth, dash: [Double] = [], label: String? = nil) throws {
        try self.init(x: y.indices.map(Double.init), y: y, color: color, width: width, dash: dash, label: label)
    }

    public var extent: DataExtent? { DataExtent.of(x: x, y: y) }

    public var legendEntries: [LegendEntry] {
        guard let label else { return [] }
        return [LegendEntry(label: label, color: color ?? Palette.tab10[0], symbol: .line(width: width, dash: dash))]
    }

    public mutating func adoptCycleColor(_ color: Color) -> Bool {
        guard self.color == nil else { return false }
        self.color = color
        return true
    }

    /// Points along the line (vertices and, for short series, points between them).
    public func footprint(limit: Int) -> [Point] {
        let finite = x.indices.filter { x[$0].isFinite && y[$0].isFinite }
        guard finite.count > 1 else { return finite.map { Point(x: x[$0], y: y[$0]) } }
        let perSegment = max(1, limit / max(1, finite.count - 1))
        var points: [Point] = []
        for (a, b) in zip(finite, finite.dropFirst()) {
            for k in 0..<min(perSegment, 20) {
                let t = Double(k) / Double(min(perSegment, 20))
                points.append(Point(x: x[a] + (x[b] - x[a]) * t, y: y[a] + (y[b] - y[a]) * t))
            }
            if points.count >= limit { break }
        }
        if let last = finite.last { points.append(Point(x: x[last], y: y[last])) }
        return points
    }

    public func items(in context: MarkContext) -> [SceneItem] {
        let color = self.color ?? Palette.tab10[0]
        let stroke = Stroke(color: color, width: width, dash: dash)
        var items: [SceneItem] = []
        for run in runs(in: context) where !run.isEmpty {
            if run.count == 1 {
                items.append(.circle(center: run[0], radius: width, fill: color, stroke: nil))
            } else {
                items.append(.path(points: LineMark.decimate(run, plotWidth: context.plot.width), closed: false, fill: nil, stroke: stroke))
            }
        }
        if showsPoints {
            for i in x.indices {
                let p = context.point(x[i], y[i])
                if p.x.isFinite && p.y.isFinite { items.append(.circle(center: p, radius: width + 1.5, fill: color, stroke: nil)) }
            }
        }
        return items
    }

    /// Pixel polylines, split wherever a value is missing.
    func runs(in context: MarkContext) -> [[Point]] {
        var runs: [[Point]] = [[]]
        for i in x.indices {
            let p = context.point(x[i], y[i])
            if p.x.isFinite && p.y.isFinite {
                runs[runs.count - 1].append(p)
            } else if !runs[runs.count - 1].isEmpty {
                runs.append([])
            }
        }
        return runs
    }

    /// For series far longer than the plot is wide, keeps per pixel column the first, lowest,
    /// highest and last point (the M4 method): the drawn line looks identical, the file is small.
    static func decimate(_ points: [Point], plotWidth: Double) -> [Point] {
        guard points.count > 4 * Int(max(plotWidth, 1)) else { return points }
        var out: [Point] = []
        out.reserveCapacity(Int(plotWidth) * 4 + 2)
        var start = 0
        while start < points.count {
            let column = points[start].x.rounded(.down)
            var end = start
            var low = start, high = start
            while end + 1 < points.count && points[end + 1].x.rounded(.down) == column {
                end += 1
                if points[end].y < points[low].y { low = end }
                if points[end].y > points[high].y { high = end }
            }
            for index in Set([start, low, high, end]).sorted() { out.append(points[index]) }
            start = end + 1
        }
        return out
    }
}
