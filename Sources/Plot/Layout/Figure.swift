import Canvas
import Foundation

/// A figure: a canvas of `width × height` CSS pixels holding one or more axes and an
/// optional title. Axes without a `cell` are placed in a grid of `columns` columns.
public struct Figure: Sendable {
    public var width: Double
    public var height: Double
    public var title: String?
    public var axes: [Axes]
    /// Grid columns for axes placed automatically; nil: one row for up to three axes,
    /// a near-square grid beyond.
    public var columns: Int?
    public var background: Color = .white

    public init(width: Double = 640, height: Double = 420, title: String? = nil, axes: [Axes] = [], columns: Int? = nil) {
        self.width = width
        self.height = height
        self.title = title
        self.axes = axes
        self.columns = columns
    }

    /// A figure with a single axes.
    public init(width: Double = 640, height: Double = 420, title: String? = nil, _ axes: Axes) {
        self.init(width: width, height: height, title: title, axes: [axes])
    }

    /// Every position decided: axes rectangles, scales, ticks, legends, colour bars.
    public func layout() throws -> FigureLayout {
        try layout(metrics: TextMetrics())
    }

    /// The figure as drawing primitives, for `SVGWriter` and `RasterWriter`.
    public func scene(rasterScale: Double = 2) throws -> Scene {
        let metrics = try TextMetrics()
        let layout = try layout(metrics: metrics)
        var items: [SceneItem] = []
        if let title = layout.title { items.append(.text(title)) }
        for (axes, axesLayout) in zip(axes, layout.axes) {
            items.append(AxesRenderer.items(for: axes, layout: axesLayout, metrics: metrics, rasterScale: rasterScale))
        }
        let description = title ?? axes.compactMap { $0.title }.first
        return Scene(width: width, height: height, background: background, title: description, items: items)
    }

    /// The SVG document; `idPrefix` keeps element ids unique when several SVGs share a page.
    public func svg(idPrefix: String = "plot") throws -> String {
        try SVGWriter(idPrefix: idPrefix).render(scene())
    }

    /// The figure rendered at `scale` device pixels per CSS pixel.
    public func png(scale: Double = 2) throws -> RGBImage {
        try RasterWriter(scale: scale).render(scene(rasterScale: scale))
    }

    func layout(metrics: TextMetrics) throws -> FigureLayout {
        guard width > 0, height > 0, width <= 20_000, height <= 20_000, width.isFinite, height.isFinite else {
            throw PlotError.invalidFigureSize(width: width, height: height)
        }
        var region = Rect(x: 0, y: 0, width: width, height: height)
        var titleItem: TextItem?
        if let title {
            titleItem = TextItem(title, at: Point(x: width / 2, y: Theme.outerPad + 2), size: Theme.figureTitleSize, color: Theme.text,
                                 anchor: .middle, baseline: .top, bold: true, className: "figure-title")
            let band = Theme.outerPad + metrics.lineHeight(size: Theme.figureTitleSize) + 4
            region = region.inset(top: band)
        }
        let automatic = axes.filter { $0.cell == nil }.count
        let columns = max(1, self.columns ?? (automatic <= 3 ? automatic : Int(Double(automatic).squareRoot().rounded(.up))))
        let rows = max(1, Int((Double(automatic) / Double(columns)).rounded(.up)))
        var slot = 0
        var laidOut: [AxesLayout] = []
        for axes in axes {
            let outer: Rect
            if let cell = axes.cell {
                outer = Rect(x: cell.x * width, y: cell.y * height, width: cell.width * width, height: cell.height * height)
            } else {
                let column = slot % columns, row = slot / columns
                let w = region.width / Double(columns), h = region.height / Double(rows)
                outer = Rect(x: region.x + Double(column) * w, y: region.y + Double(row) * h, width: w, height: h)
                slot += 1
            }
            laidOut.append(try AxesLayout.make(for: axes, in: outer, metrics: metrics))
        }
        return FigureLayout(width: width, height: height, title: titleItem, axes: laidOut)
    }
}

/// A figure's layout: its size, title and each axes' layout, in `Figure.axes` order.
public struct FigureLayout: Sendable {
    public var width: Double
    public var height: Double
    public var title: TextItem?
    public var axes: [AxesLayout]
}

/// Turns an axes and its layout into scene items (frame, grid, marks, labels, legend, bar).
enum AxesRenderer {
    static func items(for axes: Axes, layout: AxesLayout, metrics: TextMetrics, rasterScale: Double) -> SceneItem {
        let plot = layout.plot
        var children: [SceneItem] = []

        // Plot area: grid, then marks in order. A mark that prefers raster takes everything
        // under it into one raster layer, so the SVG holds one image instead of 50 000 circles.
        var gridLines: [SceneItem] = []
        let gridStroke = Stroke(color: Theme.grid, width: Theme.gridWidth)
        if layout.gridX {
            for tick in layout.xTicks where tick.position > plot.minX + 0.5 && tick.position < plot.maxX - 0.5 {
                let x = crisp(tick.position)
                gridLines.append(.line(from: Point(x: x, y: plot.minY), to: Point(x: x, y: plot.maxY), stroke: gridStroke))
            }
        }
        if layout.gridY {
            for tick in layout.yTicks where tick.position > plot.minY + 0.5 && tick.position < plot.maxY - 0.5 {
                let y = crisp(tick.position)
                gridLines.append(.line(from: Point(x: plot.minX, y: y), to: Point(x: plot.maxX, y: y), stroke: gridStroke))
            }
        }
        var plotItems: [SceneItem] = gridLines.isEmpty ? [] : [.group(SceneGroup(className: "grid", items: gridLines))]
        let context = MarkContext(x: layout.x, y: layout.y, plot: plot, rasterScale: rasterScale, metrics: metrics)
        for mark in axes.marks {
            let group = SceneItem.group(SceneGroup(className: "mark \(mark.kind)", items: mark.items(in: context)))
            if mark.prefersRaster {
                plotItems = [.group(SceneGroup(className: "raster-layer", clip: plot, raster: .white, items: plotItems + [group]))]
            } else {
                plotItems.append(group)
            }
        }
        children.append(.group(SceneGroup(className: "plot-area", clip: plot, items: plotItems)))

        // Frame and ticks.
        let spineStroke = Stroke(color: Theme.spine, width: Theme.spineWidth)
        var frameItems: [SceneItem] = []
        switch layout.frame {
        case .open:
            frameItems.append(.line(from: Point(x: plot.minX, y: plot.minY), to: Point(x: plot.minX, y: plot.maxY), stroke: spineStroke))
            frameItems.append(.line(from: Point(x: plot.minX, y: plot.maxY), to: Point(x: plot.maxX, y: plot.maxY), stroke: spineStroke))
        case .box:
            frameItems.append(.rect(plot, fill: nil, stroke: spineStroke))
        case .hidden:
            break
        }
        if !frameItems.isEmpty { children.append(.group(SceneGroup(className: "spines", items: frameItems))) }

        var xAxis: [SceneItem] = []
        var yAxis: [SceneItem] = []
        if layout.frame != .hidden {
            for tick in layout.xTicks {
                let x = crisp(tick.position)
                xAxis.append(.line(from: Point(x: x, y: plot.maxY), to: Point(x: x, y: plot.maxY + Theme.tickLength), stroke: spineStroke))
            }
            for tick in layout.yTicks {
                let y = crisp(tick.position)
                yAxis.append(.line(from: Point(x: plot.minX - Theme.tickLength, y: y), to: Point(x: plot.minX, y: y), stroke: spineStroke))
            }
        }
        xAxis += layout.xTickLabels.map { .text($0) }
        yAxis += layout.yTickLabels.map { .text($0) }
        if let label = layout.xLabel { xAxis.append(.text(label)) }
        if let label = layout.yLabel { yAxis.append(.text(label)) }
        if !xAxis.isEmpty { children.append(.group(SceneGroup(className: "x-axis", items: xAxis))) }
        if !yAxis.isEmpty { children.append(.group(SceneGroup(className: "y-axis", items: yAxis))) }
        if let title = layout.title { children.append(.text(title)) }

        if let legend = layout.legend { children.append(legendItems(legend)) }
        if let bar = layout.colorBar { children.append(colorBarItems(bar)) }
        return .group(SceneGroup(className: "axes", items: children))
    }

    /// A 1 px rule's position moved to the nearest half pixel, so at 2× it covers exactly two
    /// device pixels instead of smearing over three.
    static func crisp(_ position: Double) -> Double {
        (position * 2).rounded() / 2
    }

    static func legendItems(_ legend: LegendLayout) -> SceneItem {
        var items: [SceneItem] = [.rect(legend.frame, fill: Color.white.withAlpha(0.88), stroke: Stroke(color: Theme.legendBorder, width: 1))]
        if let title = legend.title { items.append(.text(title)) }
        for placed in legend.entries {
            let s = placed.swatch
            let color = placed.entry.color
            switch placed.entry.symbol {
            case .line(let width, let dash):
                items.append(.line(from: Point(x: s.minX, y: s.midY), to: Point(x: s.maxX, y: s.midY),
                                   stroke: Stroke(color: color, width: min(width, 3), dash: dash)))
            case .marker(let radius):
                items.append(.circle(center: Point(x: s.midX, y: s.midY), radius: min(5, max(3.5, radius)), fill: color.withAlpha(max(color.alpha, 0.85)), stroke: nil))
            case .patch:
                items.append(.rect(Rect(x: s.midX - 7, y: s.midY - 5, width: 14, height: 10), fill: color, stroke: nil))
            }
            items.append(.text(placed.label))
        }
        return .group(SceneGroup(className: "legend", items: items))
    }

    static func colorBarItems(_ bar: ColorBarLayout) -> SceneItem {
        let n = bar.colorMap.colors.count
        var pixels: [UInt8] = []
        pixels.reserveCapacity(n * 3)
        for color in bar.colorMap.colors.reversed() {
            pixels += [UInt8((color.red * 255).rounded()), UInt8((color.green * 255).rounded()), UInt8((color.blue * 255).rounded())]
        }
        let gradient = RGBImage(width: 1, height: n, pixels: pixels)
        let spine = Stroke(color: Theme.spine, width: Theme.spineWidth)
        var items: [SceneItem] = [.image(gradient, frame: bar.bar, interpolation: .nearest), .rect(bar.bar, fill: nil, stroke: spine)]
        for tick in bar.ticks {
            items.append(.line(from: Point(x: bar.bar.maxX, y: tick.position), to: Point(x: bar.bar.maxX + Theme.tickLength, y: tick.position), stroke: spine))
        }
        items += bar.tickLabels.map { .text($0) }
        if let label = bar.label { items.append(.text(label)) }
        return .group(SceneGroup(className: "colorbar", items: items))
    }
}
