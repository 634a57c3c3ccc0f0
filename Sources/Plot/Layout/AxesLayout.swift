import Canvas
import Foundation

/// An axes laid out in the figure: every position decided, nothing drawn yet. Tests read
/// tick positions, margins and legend boxes from here; `Figure.scene()` draws from it.
public struct AxesLayout: Sendable {
    /// The axes' share of the figure, labels included.
    public var outer: Rect
    /// The plot area the data is drawn in.
    public var plot: Rect
    public var x: AxisScale
    public var y: AxisScale
    /// Ticks with pixel positions (x along the figure's x, y along its y).
    public var xTicks: [Tick]
    public var yTicks: [Tick]
    /// The tick labels as placed (dense category labels are thinned, long ones rotated).
    public var xTickLabels: [TextItem]
    public var yTickLabels: [TextItem]
    public var frame: AxesFrame
    /// Vertical grid lines at the x ticks / horizontal ones at the y ticks.
    public var gridX: Bool
    public var gridY: Bool
    public var title: TextItem?
    public var xLabel: TextItem?
    public var yLabel: TextItem?
    public var legend: LegendLayout?
    public var colorBar: ColorBarLayout?
}

/// A legend's box and its entries' swatches and labels.
public struct LegendLayout: Sendable {
    public struct Entry: Sendable {
        public var entry: LegendEntry
        public var swatch: Rect
        public var label: TextItem
    }

    public var frame: Rect
    public var title: TextItem?
    public var entries: [Entry]
}

/// A colour bar's gradient box, ticks and label.
public struct ColorBarLayout: Sendable {
    public var bar: Rect
    public var colorMap: ColorMap
    public var domain: ClosedRange<Double>
    public var ticks: [Tick]
    public var tickLabels: [TextItem]
    public var label: TextItem?
}

extension AxesLayout {
    static let tickLabelColor = Color(bytes: 0x33, 0x33, 0x33)
    static let colorBarGap = 14.0
    static let colorBarThickness = 14.0
    static let legendRow = 17.0
    static let legendPad = 6.0
    static let legendSwatch = 20.0

    /// Lays out `axes` inside `outer` (figure pixels).
    static func make(for axes: Axes, in outer: Rect, metrics: TextMetrics) throws -> AxesLayout {
        let hints = axes.resolvedHints
        let frame = hints.frame ?? .open
        let extents = axes.marks.compactMap { $0.extent }
        let xDomain = try resolveDomain(axis: "x", explicit: axes.xDomain, categories: hints.xCategories, type: axes.xScale,
                                        ranges: extents.map { $0.x }, sticky: extents.flatMap { $0.stickyX }, margin: axes.margin)
        let yDomain = try resolveDomain(axis: "y", explicit: axes.yDomain, categories: hints.yCategories, type: axes.yScale,
                                        ranges: extents.map { $0.y }, sticky: extents.flatMap { $0.stickyY }, margin: axes.margin)
        var x: AxisScale = axes.xScale == .log ? .log(LogScale(domain: xDomain)) : .linear(LinearScale(domain: xDomain))
        var y: AxisScale = axes.yScale == .log ? .log(LogScale(domain: yDomain)) : .linear(LinearScale(domain: yDomain))

        // Ticks depend on the plot's size, which depends on the tick labels: estimate the size
        // with typical margins, pick ticks, then measure the real margins.
        let entries = axes.legend == nil ? [] : axes.legendEntries
        let outsideLegend = !entries.isEmpty && axes.legend?.position == .outsideRight
        let estimatedWidth = max(40, outer.width - 80 - (axes.colorBar == nil ? 0 : 70) - (outsideLegend ? 120 : 0))
        let estimatedHeight = max(40, outer.height - 70)
        let xCount = min(9, max(2, Int(estimatedWidth / 90)))
        let yCount = min(9, max(2, Int(estimatedHeight / 55)))
        var xTicks = axes.xTicks ?? hints.xCategories.map(categoryTicks) ?? x.ticks(count: xCount)
        if axes.xWholeNumbers, axes.xTicks == nil, hints.xCategories == nil, case .linear(let scale) = x, scale.tickStep(count: xCount) < 1 {
            let whole = Array(stride(from: xDomain.lowerBound.rounded(.up), through: xDomain.upperBound, by: 1))
            xTicks = whole.map { Tick(value: $0, label: String(Int($0)), position: x.map($0)) }
        }
        var yTicks = axes.yTicks ?? hints.yCategories.map(categoryTicks) ?? y.ticks(count: yCount)
        xTicks = xTicks.filter { xDomain.contains($0.value) }
        yTicks = yTicks.filter { yDomain.contains($0.value) }

        let tickSize = Theme.tickLabelSize
        let tickOut = frame == .hidden ? 0 : Theme.tickLength
        let xLabelWidths = xTicks.map { metrics.width($0.label, size: tickSize) }
        let yLabelWidths = yTicks.map { metrics.width($0.label, size: tickSize) }
        let maxXLabel = xLabelWidths.max() ?? 0

        // Long or dense x labels turn 45°, and if even that crowds them, every k-th is kept.
        let xSpan = xDomain.upperBound - xDomain.lowerBound
        let xSpacing = minimumSpacing(xTicks.map { $0.value }, pixelsPerUnit: xSpan > 0 ? estimatedWidth / xSpan : 0, type: axes.xScale,
                                      domain: xDomain, length: estimatedWidth)
        let rotateX = maxXLabel + 6 > xSpacing && (axes.xTicks != nil || hints.xCategories != nil)
        let xEvery = rotateX ? max(1, Int((tickSize * 1.5 / max(xSpacing, 0.1)).rounded(.up))) : 1
        let ySpan = yDomain.upperBound - yDomain.lowerBound
        let ySpacing = minimumSpacing(yTicks.map { $0.value }, pixelsPerUnit: ySpan > 0 ? estimatedHeight / ySpan : 0, type: axes.yScale,
                                      domain: yDomain, length: estimatedHeight)
        let yEvery = max(1, Int((tickSize * 1.25 / max(ySpacing, 0.1)).rounded(.up)))
        let keptY = yTicks.indices.filter { $0 % yEvery == 0 && !yTicks[$0].label.isEmpty }
        let keptX = xTicks.indices.filter { $0 % xEvery == 0 && !xTicks[$0].label.isEmpty }

        // Margins, outside in.
        let yTickLabelWidth = keptY.map { yLabelWidths[$0] }.max() ?? 0
        let axisLabelLine = metrics.lineHeight(size: Theme.axisLabelSize)
        var left = Theme.outerPad + tickOut + (yTickLabelWidth > 0 ? yTickLabelWidth + Theme.tickPad : 0)
        if axes.yLabel != nil { left += axisLabelLine + 6 }
        let keptXWidth = keptX.map { xLabelWidths[$0] }.max() ?? 0
        let xLabelsHeight: Double
        if keptX.isEmpty {
            xLabelsHeight = 0
        } else if rotateX {
            xLabelsHeight = keptXWidth * 0.7071 + tickSize * 0.9
        } else {
            xLabelsHeight = tickSize * 1.0
        }
        let xOnTop = hints.xLabelsOnTop
        // The band the x tick labels take, below the plot or (`xLabelsOnTop`) above it.
        let xLabelBand = tickOut + (xLabelsHeight > 0 ? xLabelsHeight + Theme.tickPad : 0)
        var bottom = Theme.outerPad + (xOnTop ? 0 : xLabelBand)
        if axes.xLabel != nil { bottom += axisLabelLine + 5 }
        var top = Theme.outerPad + (axes.title != nil ? metrics.lineHeight(size: Theme.titleSize) + 6 : 4) + (xOnTop ? xLabelBand : 0)
        var right = Theme.outerPad
        if !rotateX, let last = keptX.last {
            // The last label is centred on its tick and may hang past the plot's right edge.
            let fromEnd = x.withRange(0, estimatedWidth).map(xTicks[last].value)
            right = max(right, xLabelWidths[last] / 2 - (estimatedWidth - fromEnd) + 2)
        }
        if rotateX, xOnTop, let last = keptX.last {
            // Labels above the plot lean up and to the right, past the last column.
            let fromEnd = x.withRange(0, estimatedWidth).map(xTicks[last].value)
            right = max(right, xLabelWidths[last] * 0.7071 - (estimatedWidth - fromEnd) + 2)
        }
        if rotateX, !xOnTop, let first = keptX.first {
            let fromStart = x.withRange(0, estimatedWidth).map(xTicks[first].value)
            left = max(left, Theme.outerPad + xLabelWidths[first] * 0.7071 - fromStart)
        }
        if !keptY.isEmpty { top = max(top, Theme.outerPad + tickSize * 0.5) }

        var colorBarTicks: [Tick] = []
        var colorBarWidth = 0.0
        if let bar = axes.colorBar {
            let scale = LinearScale(domain: bar.domain, range: (estimatedHeight, 0))
            let values = scale.ticks(count: min(8, max(2, Int(estimatedHeight / 50))))
            colorBarTicks = zip(values, scale.tickLabels(values)).map { Tick(value: $0, label: $1) }
            let labelWidth = colorBarTicks.map { metrics.width($0.label, size: tickSize) }.max() ?? 0
            colorBarWidth = colorBarGap + colorBarThickness + Theme.tickLength + Theme.tickPad + labelWidth
            if bar.label != nil { colorBarWidth += 6 + axisLabelLine }
            right = max(right, Theme.outerPad) + colorBarWidth
        }

        var legendSize: (width: Double, height: Double, columns: Int, rows: Int, textWidth: Double) = (0, 0, 1, 1, 0)
        if !entries.isEmpty, let legend = axes.legend {
            legendSize = measureLegend(entries, legend: legend, availableHeight: outer.height - top - bottom, metrics: metrics)
            if outsideLegend { right += 12 + legendSize.width }
        }

        // The plot rectangle, on whole pixels so 1 px lines stay crisp.
        var plot = outer.inset(left: left, top: top, right: right, bottom: bottom)
        plot = Rect(x: plot.x.rounded(), y: plot.y.rounded(), width: max(10, plot.width.rounded(.down)), height: max(10, plot.height.rounded(.down)))
        plot = fitAspect(plot, hints: hints, xDomain: xDomain, yDomain: yDomain, xType: axes.xScale, yType: axes.yScale)

        x = x.withRange(plot.minX, plot.maxX)
        y = hints.yFromTop ? y.withRange(plot.minY, plot.maxY) : y.withRange(plot.maxY, plot.minY)
        for i in xTicks.indices { xTicks[i].position = x.map(xTicks[i].value) }
        for i in yTicks.indices { yTicks[i].position = y.map(yTicks[i].value) }

        let xTickLabels: [TextItem] = keptX.map { i in
            if xOnTop {
                return rotateX
                    ? TextItem(xTicks[i].label, at: Point(x: xTicks[i].position - 2, y: plot.minY - tickOut - Theme.tickPad - 2),
                               size: tickSize, color: tickLabelColor, anchor: .start, baseline: .middle, rotation: -45, className: "tick-label")
                    : TextItem(xTicks[i].label, at: Point(x: xTicks[i].position, y: plot.minY - tickOut - Theme.tickPad),
                               size: tickSize, color: tickLabelColor, anchor: .middle, baseline: .bottom, className: "tick-label")
            }
            if rotateX {
                return TextItem(xTicks[i].label, at: Point(x: xTicks[i].position + 2, y: plot.maxY + tickOut + Theme.tickPad + 2),
                                size: tickSize, color: tickLabelColor, anchor: .end, baseline: .middle, rotation: -45, className: "tick-label")
            }
            return TextItem(xTicks[i].label, at: Point(x: xTicks[i].position, y: plot.maxY + tickOut + Theme.tickPad),
                            size: tickSize, color: tickLabelColor, anchor: .middle, baseline: .top, className: "tick-label")
        }
        let yTickLabels: [TextItem] = keptY.map { i in
            TextItem(yTicks[i].label, at: Point(x: plot.minX - tickOut - Theme.tickPad, y: yTicks[i].position),
                     size: tickSize, color: tickLabelColor, anchor: .end, baseline: .middle, className: "tick-label")
        }

        let title = axes.title.map {
            TextItem($0, at: Point(x: plot.midX, y: plot.minY - 7 - (xOnTop ? xLabelBand : 0)), size: Theme.titleSize, color: Theme.text, anchor: .middle,
                     baseline: .bottom, bold: true, className: "title")
        }
        let xLabel = axes.xLabel.map {
            TextItem($0, at: Point(x: plot.midX, y: plot.maxY + (xOnTop ? 0 : xLabelBand) + 5),
                     size: Theme.axisLabelSize, color: Theme.text, anchor: .middle, baseline: .top, className: "axis-label")
        }
        let yLabel = axes.yLabel.map {
            TextItem($0, at: Point(x: plot.minX - tickOut - (yTickLabelWidth > 0 ? yTickLabelWidth + Theme.tickPad : 0) - 6, y: plot.midY),
                     size: Theme.axisLabelSize, color: Theme.text, anchor: .middle, baseline: .bottom, rotation: -90, className: "axis-label")
        }

        var colorBar: ColorBarLayout?
        if let bar = axes.colorBar {
            let box = Rect(x: plot.maxX + colorBarGap, y: plot.minY, width: colorBarThickness, height: plot.height)
            let scale = LinearScale(domain: bar.domain, range: (box.maxY, box.minY))
            let ticks = colorBarTicks.map { Tick(value: $0.value, label: $0.label, position: scale.map($0.value)) }
            let labelX = box.maxX + Theme.tickLength + Theme.tickPad
            let labels = ticks.map {
                TextItem($0.label, at: Point(x: labelX, y: $0.position), size: tickSize, color: tickLabelColor, baseline: .middle, className: "tick-label")
            }
            let widest = ticks.map { metrics.width($0.label, size: tickSize) }.max() ?? 0
            let label = bar.label.map {
                TextItem($0, at: Point(x: labelX + widest + 6, y: box.midY), size: Theme.axisLabelSize, color: Theme.text,
                         anchor: .middle, baseline: .top, rotation: -90, className: "axis-label")
            }
            colorBar = ColorBarLayout(bar: box, colorMap: bar.colorMap, domain: bar.domain, ticks: ticks, tickLabels: labels, label: label)
        }

        var legendLayout: LegendLayout?
        if !entries.isEmpty, let legend = axes.legend {
            let size = LegendSize(width: legendSize.width, height: legendSize.height)
            let origin: Point
            if legend.position == .outsideRight {
                origin = Point(x: plot.maxX + (colorBar == nil ? 12 : colorBarWidth + 12), y: plot.minY)
            } else {
                let candidates = legendCandidates(legend.position, plot: plot, size: size)
                let points = footprintPixels(axes.marks, x: x, y: y)
                origin = bestCandidate(candidates, size: size, points: points)
            }
            legendLayout = placeLegend(entries, legend: legend, origin: origin, measured: legendSize, metrics: metrics)
        }

        let grid = hints.grid ?? true
        return AxesLayout(outer: outer, plot: plot, x: x, y: y, xTicks: xTicks, yTicks: yTicks,
                          xTickLabels: xTickLabels, yTickLabels: yTickLabels, frame: frame,
                          gridX: grid && hints.xCategories == nil, gridY: grid && hints.yCategories == nil,
                          title: title, xLabel: xLabel, yLabel: yLabel, legend: legendLayout, colorBar: colorBar)
    }

    // MARK: domains

    static func resolveDomain(axis: String, explicit: ClosedRange<Double>?, categories: [String]?, type: ScaleType,
                              ranges: [ClosedRange<Double>], sticky: [Double], margin: Double) throws -> ClosedRange<Double> {
        if let explicit {
            guard explicit.lowerBound.isFinite, explicit.upperBound.isFinite else { return 0...1 }
            if type == .log && explicit.lowerBound <= 0 { throw PlotError.nonPositiveLogDomain(axis: axis, lower: explicit.lowerBound) }
            return widenIfEmpty(explicit, type: type)
        }
        if let categories, !categories.isEmpty {
            return -0.5...(Double(categories.count) - 0.5)
        }
        guard let lo = ranges.map({ $0.lowerBound }).min(), let hi = ranges.map({ $0.upperBound }).max() else {
            return type == .log ? 1...10 : 0...1
        }
        if type == .log && lo <= 0 { throw PlotError.nonPositiveLogDomain(axis: axis, lower: lo) }
        let base = widenIfEmpty(lo...hi, type: type)
        let (a, b) = type == .log ? (log10(base.lowerBound), log10(base.upperBound)) : (base.lowerBound, base.upperBound)
        let pad = (b - a) * margin
        var newLo = a - pad, newHi = b + pad
        for s in sticky {
            let sv = type == .log ? (s > 0 ? log10(s) : -Double.infinity) : s
            if a >= sv && newLo < sv { newLo = sv }
            if b <= sv && newHi > sv { newHi = sv }
        }
        return type == .log ? pow(10, newLo)...pow(10, newHi) : newLo...newHi
    }

    static func widenIfEmpty(_ range: ClosedRange<Double>, type: ScaleType) -> ClosedRange<Double> {
        guard range.lowerBound == range.upperBound else { return range }
        let v = range.lowerBound
        if type == .log { return (v / 2)...(v * 2) }
        let d = v == 0 ? 1 : abs(v) * 0.1
        return (v - d)...(v + d)
    }

    static func categoryTicks(_ categories: [String]) -> [Tick] {
        categories.enumerated().map { Tick(value: Double($0.offset), label: $0.element) }
    }

    static func minimumSpacing(_ values: [Double], pixelsPerUnit: Double, type: ScaleType, domain: ClosedRange<Double>, length: Double) -> Double {
        guard values.count > 1 else { return .infinity }
        let scale: AxisScale = type == .log ? .log(LogScale(domain: domain, range: (0, length))) : .linear(LinearScale(domain: domain, range: (0, length)))
        let positions = values.map { scale.map($0) }
        return zip(positions.dropFirst(), positions).map { abs($0 - $1) }.min() ?? .infinity
    }

    /// Shrinks `plot` (centred) so one data unit is as long on x as on y, and so category
    /// cells are whole pixels (no seams between heatmap cells).
    static func fitAspect(_ plot: Rect, hints: AxisHints, xDomain: ClosedRange<Double>, yDomain: ClosedRange<Double>,
                          xType: ScaleType, yType: ScaleType) -> Rect {
        var width = plot.width, height = plot.height
        let xUnits = xDomain.upperBound - xDomain.lowerBound, yUnits = yDomain.upperBound - yDomain.lowerBound
        let xCells = hints.xCells ?? 0, yCells = hints.yCells ?? 0
        if hints.equalAspect && xType == .linear && yType == .linear && xUnits > 0 && yUnits > 0 {
            if xCells > 0 && yCells > 0 && abs(xUnits - Double(xCells)) < 1e-9 && abs(yUnits - Double(yCells)) < 1e-9 {
                let cell = max(1, min((width / Double(xCells)).rounded(.down), (height / Double(yCells)).rounded(.down)))
                width = cell * Double(xCells)
                height = cell * Double(yCells)
            } else {
                let perUnit = min(width / xUnits, height / yUnits)
                width = (xUnits * perUnit).rounded()
                height = (yUnits * perUnit).rounded()
            }
        }
        if xCells > 0 && width >= Double(xCells) && abs(xUnits - Double(xCells)) < 1e-9 {
            width = (width / Double(xCells)).rounded(.down) * Double(xCells)
        }
        if yCells > 0 && height >= Double(yCells) && abs(yUnits - Double(yCells)) < 1e-9 {
            height = (height / Double(yCells)).rounded(.down) * Double(yCells)
        }
        return Rect(x: plot.x + ((plot.width - width) / 2).rounded(.down), y: plot.y + ((plot.height - height) / 2).rounded(.down),
                    width: width, height: height)
    }

    // MARK: legend

    struct LegendSize {
        var width: Double
        var height: Double
    }

    static func measureLegend(_ entries: [LegendEntry], legend: Legend, availableHeight: Double,
                              metrics: TextMetrics) -> (width: Double, height: Double, columns: Int, rows: Int, textWidth: Double) {
        let textWidth = entries.map { metrics.width($0.label, size: Theme.legendSize) }.max() ?? 0
        let titleHeight = legend.title == nil ? 0 : legendRow
        let columns: Int
        if let fixed = legend.columns {
            columns = max(1, fixed)
        } else if legend.position == .outsideRight {
            let maxRows = max(1, Int((availableHeight - 2 * legendPad - titleHeight) / legendRow))
            columns = max(1, Int((Double(entries.count) / Double(maxRows)).rounded(.up)))
        } else {
            columns = 1
        }
        let rows = Int((Double(entries.count) / Double(columns)).rounded(.up))
        let columnWidth = legendSwatch + 6 + textWidth
        var width = 2 * legendPad + Double(columns) * columnWidth + Double(columns - 1) * 14
        if let title = legend.title {
            width = max(width, 2 * legendPad + metrics.width(title, size: Theme.legendSize, bold: true))
        }
        let height = 2 * legendPad + titleHeight + Double(rows) * legendRow - 2
        return (width.rounded(.up), height.rounded(.up), columns, rows, textWidth)
    }

    static func legendCandidates(_ position: LegendPosition, plot: Rect, size: LegendSize) -> [Point] {
        let inset = 8.0
        let left = plot.minX + inset, right = plot.maxX - inset - size.width
        let top = plot.minY + inset, bottom = plot.maxY - inset - size.height
        let midX = plot.midX - size.width / 2, midY = plot.midY - size.height / 2
        switch position {
        case .upperRight: return [Point(x: right, y: top)]
        case .upperLeft: return [Point(x: left, y: top)]
        case .lowerLeft: return [Point(x: left, y: bottom)]
        case .lowerRight: return [Point(x: right, y: bottom)]
        case .best, .outsideRight:
            // matplotlib's order of preference: upper right, upper left, lower left, lower right, …
            return [Point(x: right, y: top), Point(x: left, y: top), Point(x: left, y: bottom), Point(x: right, y: bottom),
                    Point(x: right, y: midY), Point(x: left, y: midY), Point(x: midX, y: bottom), Point(x: midX, y: top)]
        }
    }

    static func footprintPixels(_ marks: [any Mark], x: AxisScale, y: AxisScale) -> [Point] {
        marks.flatMap { $0.footprint(limit: 2000) }.compactMap { p in
            let q = Point(x: x.map(p.x), y: y.map(p.y))
            return q.x.isFinite && q.y.isFinite ? q : nil
        }
    }

    static func bestCandidate(_ candidates: [Point], size: LegendSize, points: [Point]) -> Point {
        var best = candidates[0], bestCount = Int.max
        for origin in candidates {
            let box = Rect(x: origin.x - 4, y: origin.y - 4, width: size.width + 8, height: size.height + 8)
            let count = points.reduce(0) { $0 + (box.contains($1) ? 1 : 0) }
            if count < bestCount { best = origin; bestCount = count }
        }
        return Point(x: best.x.rounded(), y: best.y.rounded())
    }

    static func placeLegend(_ entries: [LegendEntry], legend: Legend, origin: Point,
                            measured: (width: Double, height: Double, columns: Int, rows: Int, textWidth: Double),
                            metrics: TextMetrics) -> LegendLayout {
        let frame = Rect(x: origin.x, y: origin.y, width: measured.width, height: measured.height)
        var y0 = frame.minY + legendPad
        var title: TextItem?
        if let text = legend.title {
            title = TextItem(text, at: Point(x: frame.minX + legendPad, y: y0 + legendRow / 2 - 1), size: Theme.legendSize,
                             color: Theme.text, baseline: .middle, bold: true, className: "legend-title")
            y0 += legendRow
        }
        let columnWidth = legendSwatch + 6 + measured.textWidth + 14
        let placed: [LegendLayout.Entry] = entries.enumerated().map { i, entry in
            let column = i / measured.rows, row = i % measured.rows
            let x = frame.minX + legendPad + Double(column) * columnWidth
            let midY = y0 + Double(row) * legendRow + legendRow / 2 - 1
            let swatch = Rect(x: x, y: midY - 5, width: legendSwatch, height: 10)
            let label = TextItem(entry.label, at: Point(x: x + legendSwatch + 6, y: midY), size: Theme.legendSize,
                                 color: Theme.text, baseline: .middle, className: "legend-label")
            return LegendLayout.Entry(entry: entry, swatch: swatch, label: label)
        }
        return LegendLayout(frame: frame, title: title, entries: placed)
    }
}
