import Canvas
import XCTest
@testable import Plot

final class MarkTests: XCTestCase {
    func testMismatchedLengthsAndEmptyDataAreErrorsWithSentences() {
        XCTAssertThrowsError(try LineMark(x: [1, 2, 3], y: [1, 2])) { error in
            XCTAssertEqual((error as? PlotError)?.description,
                           "The line mark needs as many y values as x values, but got 2 y values for 3 x values.")
        }
        XCTAssertThrowsError(try ScatterMark(x: [.nan, 1], y: [1, .nan])) { error in
            XCTAssertEqual(error as? PlotError, .emptyData(mark: "scatter mark"))
            XCTAssertEqual((error as? PlotError)?.description, "The scatter mark has no data to draw: it needs at least one finite value.")
        }
        XCTAssertThrowsError(try HistogramMark(values: [])) { XCTAssertEqual($0 as? PlotError, .emptyData(mark: "histogram")) }
        XCTAssertThrowsError(try HeatmapMark(matrix: [[1, 2], [3]])) { error in
            XCTAssertEqual(error as? PlotError, .raggedMatrix(mark: "heatmap", row: 1, expected: 2, got: 1))
        }
        XCTAssertThrowsError(try BarMark(categories: ["a", "b"], values: [1])) { error in
            XCTAssertEqual(error as? PlotError, .mismatchedLengths(mark: "bar mark", first: "categories", firstCount: 2, second: "values", secondCount: 1))
        }
        XCTAssertThrowsError(try ImageGridMark(images: [RGBImage(width: 2, height: 2)], columns: 0))
    }

    func testNaNValuesAreSkippedNotFatal() throws {
        let line = try LineMark(x: [0, 1, 2, 3, 4], y: [1, 2, .nan, 4, 5])
        var axes = Axes()
        axes.add(line)
        let svg = SVGDocument(try Figure(axes: [axes]).svg())
        XCTAssertEqual(svg.group("mark line")?.elements("path").count, 2, "the gap splits the line in two")
        let histogram = try HistogramMark(values: [1, 2, .nan, .infinity, 3], bins: .count(2))
        XCTAssertEqual(histogram.skippedCount, 2)
        XCTAssertEqual(histogram.heights.reduce(0, +), 3)
        let scatter = try ScatterMark(x: [0, 1, .nan], y: [0, 1, 2])
        XCTAssertEqual(scatter.drawnCount, 2)
    }

    func testHistogramCountsIntoBinsWithTheLastEdgeIncluded() throws {
        let mark = try HistogramMark(values: [0, 0.5, 1, 1.5, 2, 2, 4], bins: .edges([0, 1, 2, 4]))
        XCTAssertEqual(mark.heights, [2, 2, 3])
        let density = try HistogramMark(values: [0, 0.5, 1, 1.5, 2, 2, 4], bins: .edges([0, 1, 2, 4]), density: true)
        let area = zip(density.heights, zip(density.edges.dropFirst(), density.edges)).map { $0 * ($1.0 - $1.1) }.reduce(0, +)
        XCTAssertEqual(area, 1, accuracy: 1e-12)
        var random = TestRandom(seed: 2)
        let auto = try HistogramMark(values: (0..<1000).map { _ in random.normal() })
        XCTAssertTrue((10...61).contains(auto.heights.count), "\(auto.heights.count) bins")
        let step = auto.edges[1] - auto.edges[0]
        XCTAssertEqual(auto.edges[0] / step, (auto.edges[0] / step).rounded(), accuracy: 1e-9, "edges sit on multiples of a nice step")
        XCTAssertEqual(auto.heights.reduce(0, +), 1000)
        XCTAssertEqual(auto.extent?.stickyY, [0])
    }

    func testBoxStatsFollowTukey() throws {
        let stats = try XCTUnwrap(BoxStats([1, 2, 3, 4, 5, 6, 7, 8, 100]))
        XCTAssertEqual(stats.median, 5)
        XCTAssertEqual(stats.lowerQuartile, 3)
        XCTAssertEqual(stats.upperQuartile, 7)
        XCTAssertEqual(stats.lowerWhisker, 1)
        XCTAssertEqual(stats.upperWhisker, 8)
        XCTAssertEqual(stats.outliers, [100])
        XCTAssertNil(BoxStats([.nan]))
    }

    func testBarsSitOnZeroAtTheirCategories() throws {
        var axes = Axes()
        axes.add(try BarMark(categories: ["A", "B", "C"], values: [1, 3, 2], valueLabels: ["1", "3", "2"]))
        let figure = Figure(axes: [axes])
        let layout = try figure.layout().axes[0]
        XCTAssertEqual(layout.y.domain.lowerBound, 0, "bars start at zero without a margin below")
        XCTAssertEqual(layout.xTicks.map(\.label), ["A", "B", "C"])
        XCTAssertFalse(layout.gridX, "no vertical grid across categories")
        let svg = SVGDocument(try figure.svg())
        let bars = try XCTUnwrap(svg.group("mark bar")).elements("rect")
        XCTAssertEqual(bars.count, 3)
        for (i, bar) in bars.enumerated() {
            let x = SVGDocument.number("x", in: bar)!, w = SVGDocument.number("width", in: bar)!
            let y = SVGDocument.number("y", in: bar)!, h = SVGDocument.number("height", in: bar)!
            XCTAssertEqual(x + w / 2, layout.x.map(Double(i)), accuracy: 0.01)
            XCTAssertEqual(y + h, layout.y.map(0), accuracy: 0.01)
        }
        XCTAssertEqual(svg.texts(className: "value-label"), ["1", "3", "2"])
    }

    func testErrorBarsSpanTheirIntervalsWithCapsAndWidenTheAxis() throws {
        var axes = Axes()
        axes.add(try ErrorBarMark(x: [0, 1, 2], low: [0.5, 0.6, .nan], high: [0.7, 0.9, .nan], color: Palette.tab10[1]))
        let figure = Figure(axes: [axes])
        let layout = try figure.layout().axes[0]
        XCTAssertLessThanOrEqual(layout.y.domain.lowerBound, 0.5)
        XCTAssertGreaterThanOrEqual(layout.y.domain.upperBound, 0.9)
        let lines = try XCTUnwrap(SVGDocument(try figure.svg()).group("mark errorbar")).elements("line")
        XCTAssertEqual(lines.count, 6, "a whisker and two caps for each finite interval, nothing for the missing one")
        let whisker = lines[3]
        XCTAssertEqual(SVGDocument.number("y1", in: whisker)!, layout.y.map(0.6), accuracy: 0.01)
        XCTAssertEqual(SVGDocument.number("y2", in: whisker)!, layout.y.map(0.9), accuracy: 0.01)
        XCTAssertThrowsError(try ErrorBarMark(x: [0, 1], low: [0], high: [1, 2]))
    }

    func testBandsAreSplitWhereAValueIsMissing() throws {
        var axes = Axes()
        axes.add(try BandMark(x: [0, 1, 2, 3, 4], low: [0, 0, .nan, 1, 1], high: [1, 2, 2, 3, 3]))
        let svg = SVGDocument(try Figure(axes: [axes]).svg())
        let band = try XCTUnwrap(svg.group("mark band"))
        XCTAssertEqual(band.elements("path").count + band.elements("polygon").count, 2)
    }

    func testLongSeriesAreDecimatedPerPixelColumnKeepingExtremes() {
        let points = (0..<100_000).map { i in Point(x: Double(i) / 1000, y: i == 54_321 ? -50 : sin(Double(i))) }
        let kept = LineMark.decimate(points, plotWidth: 100)
        XCTAssertLessThanOrEqual(kept.count, 400)
        XCTAssertTrue(kept.contains(Point(x: 54.321, y: -50)), "the spike survives")
        XCTAssertEqual(kept.first, points.first)
        XCTAssertEqual(kept.last, points.last)
    }

    func testImageGridPlacesImagesRowByRowWithRowLabels() throws {
        let images = (0..<6).map { TestData.letterImage("A", size: 16, seed: UInt64($0)) }
        var axes = Axes()
        axes.add(try ImageGridMark(images: images, columns: 3, captions: (0..<6).map { "n\($0)" }, rowLabels: ["first", "second"]))
        let figure = Figure(width: 400, height: 300, axes: [axes])
        let layout = try figure.layout().axes[0]
        XCTAssertEqual(layout.frame, .hidden)
        XCTAssertEqual(layout.yTickLabels.map(\.text), ["first", "second"])
        XCTAssertEqual(layout.xTickLabels.count, 0, "no column labels given")
        let svg = SVGDocument(try figure.svg())
        let placed = try XCTUnwrap(svg.group("mark image-grid")).elements("image")
        XCTAssertEqual(placed.count, 6)
        let xs = placed.map { SVGDocument.number("x", in: $0)! }, ys = placed.map { SVGDocument.number("y", in: $0)! }
        XCTAssertTrue(xs[0] < xs[1] && xs[1] < xs[2] && xs[3] == xs[0])
        XCTAssertTrue(ys[0] == ys[2] && ys[3] > ys[0])
        XCTAssertTrue(placed.allSatisfy { $0.contains("image-rendering:pixelated") }, "16 px images are enlarged with hard pixels")
        XCTAssertEqual(svg.texts(className: "caption"), (0..<6).map { "n\($0)" })
    }

    /// Column names head a tall grid's columns, above its first row and below the title.
    func testImageGridColumnLabelsHeadTheColumns() throws {
        let images = (0..<30).map { TestData.letterImage("A", size: 16, seed: UInt64($0)) }
        var axes = Axes(title: "Steps")
        axes.add(try ImageGridMark(images: images, columns: 3, rowLabels: (0..<10).map { "row \($0)" }, columnLabels: ["first", "second", "third"]))
        let layout = try Figure(width: 400, height: 1200, axes: [axes]).layout().axes[0]
        XCTAssertEqual(layout.xTickLabels.map(\.text), ["first", "second", "third"])
        let title = try XCTUnwrap(layout.title)
        for label in layout.xTickLabels {
            XCTAssertLessThan(label.position.y, layout.plot.minY, "\(label.text) is above the first row")
            XCTAssertGreaterThan(label.position.y, title.position.y, "\(label.text) is below the title")
        }
        XCTAssertGreaterThan(layout.xTickLabels[1].position.x, layout.xTickLabels[0].position.x)
    }

    func testHeatmapOfManyCellsBecomesOneImage() throws {
        let matrix = (0..<64).map { r in (0..<64).map { c in Double(r * c) } }
        var axes = Axes()
        axes.add(try HeatmapMark(matrix: matrix, colorMap: .inferno))
        let figure = Figure(width: 500, height: 500, axes: [axes])
        let layout = try figure.layout().axes[0]
        XCTAssertEqual(layout.plot.width, layout.plot.height)
        XCTAssertEqual(layout.plot.width.truncatingRemainder(dividingBy: 64), 0, "whole pixels per cell")
        let svg = SVGDocument(try figure.svg())
        XCTAssertEqual(svg.group("mark heatmap")?.elements("image").count, 1)
        XCTAssertEqual(svg.group("mark heatmap")?.elements("rect").count, 0)
    }

    func testEqualAspectMakesUnitsEqualOnBothAxes() throws {
        var axes = Axes()
        axes.add(try ScatterMark(x: [0, 10], y: [0, 5]))
        axes.equalAspect = true
        let layout = try Figure(width: 600, height: 600, axes: [axes]).layout().axes[0]
        let perUnitX = layout.plot.width / (layout.x.domain.upperBound - layout.x.domain.lowerBound)
        let perUnitY = layout.plot.height / (layout.y.domain.upperBound - layout.y.domain.lowerBound)
        XCTAssertEqual(perUnitX / perUnitY, 1, accuracy: 0.005, "equal within the pixel rounding of the plot's size")
    }

    func testCategoricalScatterLegendAndColourBarLayout() throws {
        let (x, y, classes) = TestData.clusters(count: 260)
        var axes = Axes()
        axes.add(try ScatterMark(x: x, y: y, classes: classes, classNames: TestData.letters))
        axes.legend = Legend(position: .outsideRight)
        let layout = try Figure(width: 700, height: 500, axes: [axes]).layout().axes[0]
        let legend = try XCTUnwrap(layout.legend)
        XCTAssertEqual(legend.entries.map(\.label.text), TestData.letters)
        XCTAssertEqual(legend.entries[3].entry.color, Palette.categorical26[3])
        XCTAssertGreaterThanOrEqual(legend.frame.minX, layout.plot.maxX, "outside, to the right")
        XCTAssertLessThanOrEqual(legend.frame.maxX, 700)

        let scatter = try ScatterMark(x: [0, 1, 2], y: [0, 1, 2], values: [0, 5, 10], colorMap: .inferno)
        XCTAssertEqual(scatter.color(ofPoint: 0), ColorMap.inferno.colors[0])
        XCTAssertEqual(scatter.color(ofPoint: 2), ColorMap.inferno.colors[255])
        var continuous = Axes()
        continuous.add(scatter)
        continuous.colorBar = scatter.colorBar(label: "value")
        let barLayout = try XCTUnwrap(Figure(axes: [continuous]).layout().axes[0].colorBar)
        XCTAssertEqual(barLayout.ticks.map(\.label), ["0", "2", "4", "6", "8", "10"])
        XCTAssertEqual(barLayout.ticks.first!.position, barLayout.bar.maxY, accuracy: 1e-9, "low values at the bottom")
        XCTAssertEqual(barLayout.ticks.last!.position, barLayout.bar.minY, accuracy: 1e-9)
    }

    func testWholeNumberTicksForAFewEpochs() throws {
        var axes = Axes()
        axes.add(try LineMark(x: [1, 2, 3], y: [0.8, 0.95, 0.98]))
        let automatic = try Figure(axes: [axes]).layout().axes[0]
        XCTAssertTrue(automatic.xTicks.contains { $0.value != $0.value.rounded() }, "plain ticks split a 1…3 axis into halves")
        axes.xWholeNumbers = true
        let whole = try Figure(axes: [axes]).layout().axes[0]
        XCTAssertEqual(whole.xTicks.map(\.label), ["1", "2", "3"])
        for tick in whole.xTicks { XCTAssertEqual(tick.position, whole.x.map(tick.value), accuracy: 1e-9) }
        // A long run keeps its nice steps, which are whole numbers already.
        var long = Axes()
        long.add(try LineMark(x: (1...40).map(Double.init), y: Array(repeating: 1, count: 40)))
        long.xWholeNumbers = true
        let labels = try Figure(axes: [long]).layout().axes[0].xTicks.map(\.label)
        XCTAssertLessThan(labels.count, 12)
        XCTAssertTrue(labels.allSatisfy { Int($0) != nil }, "\(labels)")
    }

    func testLogAxisLaysOutDecadesAndRejectsZero() throws {
        var axes = Axes()
        axes.add(try LineMark(x: [1, 10, 100, 1000], y: [1, 2, 3, 4]))
        axes.xScale = .log
        axes.xDomain = 1...1000
        let layout = try Figure(axes: [axes]).layout().axes[0]
        XCTAssertEqual(layout.xTicks.map(\.label), ["1", "10", "100", "1000"])
        let gaps = zip(layout.xTicks.dropFirst(), layout.xTicks).map { $0.position - $1.position }
        for gap in gaps { XCTAssertEqual(gap, gaps[0], accuracy: 1e-9, "decades are evenly spaced") }
        var bad = Axes()
        bad.add(try LineMark(x: [0, 10], y: [1, 2]))
        bad.xScale = .log
        XCTAssertThrowsError(try Figure(axes: [bad]).layout()) { error in
            XCTAssertEqual(error as? PlotError, .nonPositiveLogDomain(axis: "x", lower: 0))
        }
    }

    func testLongCategoryLabelsRotate() throws {
        var axes = Axes()
        let names = (0..<20).map { "category number \($0)" }
        axes.add(try BarMark(categories: names, values: names.indices.map(Double.init)))
        let layout = try Figure(width: 600, height: 400, axes: [axes]).layout().axes[0]
        XCTAssertTrue(layout.xTickLabels.allSatisfy { $0.rotation == -45 })
        XCTAssertGreaterThan(layout.plot.minY, 0)
        XCTAssertGreaterThan(layout.outer.maxY - layout.plot.maxY, 60, "room below for the slanted labels")
    }
}
