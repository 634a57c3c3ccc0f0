import Canvas

/// Bars from zero for named categories (per-class accuracy, counts), with optional error
/// bars and value labels. Several bar marks side by side form grouped bars (`group`).
public struct BarMark: Mark {
    public let categories: [String]
    public let values: [Double]
    /// Symmetric error half-lengths per bar (drawn as whiskers), if any.
    public let errors: [Double]?
    /// One colour for all bars (nil: the axes' next cycle colour)…
    public var color: Color?
    /// …or one per bar.
    public var colors: [Color]?
    public var label: String?
    /// Text above each bar (e.g. formatted values); empty strings skip a bar.
    public var valueLabels: [String]?
    /// This mark's slot among `count` side-by-side bar marks sharing the categories.
    public var group: (index: Int, count: Int)
    /// Width of a category's bars together, in category units.
    public var width: Double = 0.8

    public var kind: String { "bar" }

    public init(categories: [String], values: [Double], errors: [Double]? = nil, color: Color? = nil, colors: [Color]? = nil,
                label: String? = nil, valueLabels: [String]? = nil, group: (index: Int, count: Int) = (0, 1)) throws {
        try Validate.sameCount("bar mark", "categories", categories.count, "values", values.count)
        if let errors { try Validate.sameCount("bar mark", "values", values.count, "errors", errors.count) }
        if let colors { try Validate.sameCount("bar mark", "values", values.count, "colours", colors.count) }
        if let valueLabels { try Validate.sameCount("bar mark", "values", values.count, "value labels", valueLabels.count) }
        guard values.contains(where: { $0.isFinite }) else { throw PlotError.emptyData(mark: "bar mark") }
        guard group.count >= 1, (0..<group.count).contains(group.index) else {
            throw PlotError.invalidParameter(mark: "bar mark", name: "group", reason: "index \(group.index) is not within 0..<\(group.count)")
        }
        self.categories = categories
        self.values = values
        self.errors = errors
        self.color = color
        self.colors = colors
        self.label = label
        self.valueLabels = valueLabels
        self.group = group
    }

    public var hints: AxisHints { AxisHints(xCategories: categories) }

    public var extent: DataExtent? {
        var lo = 0.0, hi = 0.0
        for (i, v) in values.enumerated() where v.isFinite {
            let e = errors.map { $0[i].isFinite ? abs($0[i]) : 0 } ?? 0
            lo = min(lo, v - e)
            hi = max(hi, v + e)
        }
        if hi == lo { hi = lo + 1 }
        // Room for value labels above the tallest bar.
        if valueLabels != nil { hi += (hi - lo) * 0.07 }
        return DataExtent(x: -0.5...(Double(categories.count) - 0.5), y: lo...hi, stickyY: [0])
    }

    public var legendEntries: [LegendEntry] {
        guard let label else { return [] }
        return [LegendEntry(label: label, color: color ?? colors?.first ?? Palette.tab10[0], symbol: .patch)]
    }

    public mutating func adoptCycleColor(_ color: Color) -> Bool {
        guard self.color == nil, colors == nil else { return false }
        self.color = color
        return true
    }

    public func footprint(limit: Int) -> [Point] {
        values.indices.flatMap { i -> [Point] in
            guard values[i].isFinite else { return [] }
            let center = barCenter(i)
            return stride(from: 0.0, through: 1.0, by: 0.2).map { Point(x: center, y: values[i] * $0) }
        }
    }

    /// The data-x centre of bar `i` (category `i`, shifted for its group slot).
    public func barCenter(_ i: Int) -> Double {
        let slot = width / Double(group.count)
        return Double(i) - width / 2 + slot * (Double(group.index) + 0.5)
    }

    public func items(in context: MarkContext) -> [SceneItem] {
        let slot = width / Double(group.count)
        let zero = context.y.map(0)
        var bars: [SceneItem] = []
        var whiskers: [SceneItem] = []
        var labels: [SceneItem] = []
        let whisker = Stroke(color: Color(bytes: 0x33, 0x33, 0x33), width: 1.2)
        for i in values.indices where values[i].isFinite {
            let center = barCenter(i)
            let x0 = context.x.map(center - slot / 2), x1 = context.x.map(center + slot / 2)
            let top = context.y.map(values[i])
            let fill = colors?[i] ?? color ?? Palette.tab10[0]
            bars.append(.rect(Rect(x: min(x0, x1), y: min(top, zero), width: abs(x1 - x0), height: abs(top - zero)), fill: fill, stroke: nil))
            var labelY = min(top, zero)
            if let e = errors?[i], e.isFinite, e > 0 {
                let cx = context.x.map(center)
                let a = context.y.map(values[i] - e), b = context.y.map(values[i] + e)
                let cap = min(4, abs(x1 - x0) / 4)
                whiskers.append(.line(from: Point(x: cx, y: a), to: Point(x: cx, y: b), stroke: whisker))
                whiskers.append(.line(from: Point(x: cx - cap, y: a), to: Point(x: cx + cap, y: a), stroke: whisker))
                whiskers.append(.line(from: Point(x: cx - cap, y: b), to: Point(x: cx + cap, y: b), stroke: whisker))
                labelY = min(labelY, min(a, b))
            }
            if let text = valueLabels?[i], !text.isEmpty {
                let size = min(10.5, max(7, abs(x1 - x0) / max(1, Double(text.count)) * 1.6))
                labels.append(.text(TextItem(text, at: Point(x: context.x.map(center), y: labelY - 2), size: size,
                                             color: Theme.mutedText, anchor: .middle, baseline: .bottom, className: "value-label")))
            }
        }
        return bars + whiskers + labels
    }
}
