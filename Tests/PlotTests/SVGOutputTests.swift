import Canvas
import XCTest
@testable import Plot

final class SVGOutputTests: XCTestCase {
    /// y = x² over 0…3 on fixed domains, so ticks are known: x every 0.5, y every 2.
    func lineFigure(title: String = "Growth") throws -> Figure {
        var axes = Axes(title: title, xLabel: "time (s)", yLabel: "value")
        axes.add(try LineMark(x: [0, 1, 2, 3], y: [0, 1, 4, 9], label: "squares"))
        axes.xDomain = 0...3
        axes.yDomain = 0...10
        return Figure(width: 640, height: 400, axes: [axes])
    }

    func testLineChartHasExpectedTickLabelsAndAxisTitles() throws {
        let svg = SVGDocument(try lineFigure().svg())
        let xAxis = try XCTUnwrap(svg.group("x-axis"))
        let yAxis = try XCTUnwrap(svg.group("y-axis"))
        XCTAssertEqual(xAxis.texts(className: "tick-label"), ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0"])
        XCTAssertEqual(yAxis.texts(className: "tick-label"), ["0", "2", "4", "6", "8", "10"])
        XCTAssertEqual(xAxis.texts(className: "axis-label"), ["time (s)"])
        XCTAssertEqual(yAxis.texts(className: "axis-label"), ["value"])
        XCTAssertEqual(svg.texts(className: "title"), ["Growth"])
        // One tick mark per label on each axis.
        XCTAssertEqual(xAxis.elements("line").count, 7)
        XCTAssertEqual(yAxis.elements("line").count, 6)
    }

    func testLinePathCoordinatesMapTheDataPoints() throws {
        let figure = try lineFigure()
        let layout = try figure.layout().axes[0]
        let svg = SVGDocument(try figure.svg())
        let mark = try XCTUnwrap(svg.group("mark line"))
        let paths = mark.elements("path")
        XCTAssertEqual(paths.count, 1)
        let d = try XCTUnwrap(SVGDocument.attribute("d", in: paths[0]))
        let numbers = d.split(whereSeparator: { "MLZ ".contains($0) }).compactMap { Double($0) }
        XCTAssertEqual(numbers.count, 8)
        for (i, (x, y)) in zip([0.0, 1, 2, 3], [0.0, 1, 4, 9]).enumerated() {
            XCTAssertEqual(numbers[2 * i], layout.x.map(x), accuracy: 0.006)
            XCTAssertEqual(numbers[2 * i + 1], layout.y.map(y), accuracy: 0.006)
        }
        // The scales span the plot: x from its left edge, y from its bottom edge up.
        XCTAssertEqual(numbers[0], layout.plot.minX, accuracy: 0.006)
        XCTAssertEqual(numbers[1], layout.plot.maxY, accuracy: 0.006)
        XCTAssertEqual(layout.y.map(10), layout.plot.minY, accuracy: 1e-9)
        // Tick positions in the layout agree with the scales.
        for tick in layout.xTicks { XCTAssertEqual(tick.position, layout.x.map(tick.value), accuracy: 1e-9) }
    }

    func testLegendHasOneEntryPerLabelledSeries() throws {
        var axes = Axes()
        axes.add(try LineMark(y: [1, 2, 3], label: "train"))
        axes.add(try LineMark(y: [2, 2, 1], label: "validation"))
        axes.add(try LineMark(y: [0, 1, 0]))
        let figure = Figure(axes: [axes])
        let svg = SVGDocument(try figure.svg())
        let legend = try XCTUnwrap(svg.group("legend"))
        XCTAssertEqual(legend.texts(className: "legend-label"), ["train", "validation"])
        XCTAssertEqual(legend.elements("line").count, 2, "one line swatch per entry")
        let layout = try figure.layout().axes[0]
        let box = try XCTUnwrap(layout.legend?.frame)
        XCTAssertTrue(layout.plot.contains(Point(x: box.minX, y: box.minY)) && layout.plot.contains(Point(x: box.maxX, y: box.maxY)),
                      "a 'best' legend sits inside the plot")
        // Series take the colour cycle in order.
        let strokes = SVGDocument(svg.group("plot-area")!.text).elements("path").compactMap { SVGDocument.attribute("stroke", in: $0) }
        XCTAssertEqual(strokes, ["#1f77b4", "#ff7f0e", "#2ca02c"])
    }

    func testBestLegendAvoidsTheData() throws {
        var axes = Axes()
        // A rising parabola runs from the lower left to the upper right and hugs the bottom,
        // so the upper-left corner is the empty one.
        axes.add(try LineMark(x: (0...100).map(Double.init), y: (0...100).map { Double($0) * Double($0) / 100 }, label: "rising"))
        let layout = try Figure(axes: [axes]).layout().axes[0]
        let box = try XCTUnwrap(layout.legend?.frame)
        XCTAssertLessThan(box.midX, layout.plot.midX, "the legend moved left, away from the curve's top end")
        XCTAssertLessThan(box.midY, layout.plot.midY)
    }

    func testHeatmapCellsUseTheColourMapAndAnnotate() throws {
        let matrix: [[Double]] = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
        var axes = Axes(title: "3 × 3")
        let heatmap = try HeatmapMark(matrix: matrix, rowLabels: ["a", "b", "c"], columnLabels: ["x", "y", "z"],
                                      colorMap: .viridis, annotation: .values(decimals: 0))
        axes.add(heatmap)
        let figure = Figure(width: 400, height: 400, axes: [axes])
        let svg = SVGDocument(try figure.svg())
        let cells = try XCTUnwrap(svg.group("cells")).elements("rect")
        XCTAssertEqual(cells.count, 9)
        let layout = try figure.layout().axes[0]
        for r in 0..<3 {
            for c in 0..<3 {
                let cell = cells[r * 3 + c]
                let expected = ColorMap.viridis.color(for: matrix[r][c], in: 0...8).hex
                XCTAssertEqual(SVGDocument.attribute("fill", in: cell), expected)
                // Row 0 is on top, column 0 on the left, cells are square and whole pixels.
                let x = try XCTUnwrap(SVGDocument.number("x", in: cell)), y = try XCTUnwrap(SVGDocument.number("y", in: cell))
                let w = try XCTUnwrap(SVGDocument.number("width", in: cell)), h = try XCTUnwrap(SVGDocument.number("height", in: cell))
                XCTAssertEqual(w, h)
                XCTAssertEqual(w, w.rounded())
                XCTAssertEqual(x, layout.plot.minX + Double(c) * w, accuracy: 0.01)
                XCTAssertEqual(y, layout.plot.minY + Double(r) * h, accuracy: 0.01)
            }
        }
        XCTAssertEqual(ColorMap.viridis.color(for: 0, in: 0...8).hex, "#440154")
        XCTAssertEqual(ColorMap.viridis.color(for: 8, in: 0...8).hex, "#fde725")
        let annotations = try XCTUnwrap(svg.group("annotations"))
        XCTAssertEqual(annotations.texts(className: "annotation"), (0...8).map(String.init))
        // Dark cells get white text, the bright top of viridis dark text.
        let fills = annotations.elements("text").compactMap { SVGDocument.attribute("fill", in: $0) }
        XCTAssertEqual(fills.first, "#ffffff")
        XCTAssertEqual(fills.last, "#1a1a1a")
        XCTAssertEqual(svg.group("y-axis")?.texts(className: "tick-label"), ["a", "b", "c"])
        XCTAssertEqual(svg.group("x-axis")?.texts(className: "tick-label"), ["x", "y", "z"])
    }

    func testSmallScatterIsCirclesAndLargeScatterIsOneImage() throws {
        var small = Axes()
        small.add(try ScatterMark(x: (0..<10).map(Double.init), y: (0..<10).map { Double($0 * $0) }))
        let smallSVG = SVGDocument(try Figure(axes: [small]).svg())
        XCTAssertEqual(smallSVG.elements("circle").count, 10)
        XCTAssertEqual(smallSVG.elements("image").count, 0)

        let (x, y, classes) = TestData.clusters(count: 10_000)
        var large = Axes()
        large.add(try ScatterMark(x: x, y: y, classes: classes, classNames: TestData.letters))
        large.legend = nil
        let figure = Figure(axes: [large])
        let largeSVG = SVGDocument(try figure.svg())
        XCTAssertEqual(largeSVG.elements("circle").count, 0)
        let images = largeSVG.elements("image")
        XCTAssertEqual(images.count, 1)
        let plot = try figure.layout().axes[0].plot
        XCTAssertEqual(SVGDocument.number("x", in: images[0]), plot.minX)
        XCTAssertEqual(SVGDocument.number("width", in: images[0]), plot.width)
        XCTAssertEqual(SVGDocument.number("height", in: images[0]), plot.height)
        XCTAssertTrue(SVGDocument.attribute("href", in: images[0])!.hasPrefix("data:image/png;base64,"))
        XCTAssertLessThan(largeSVG.text.utf8.count, 2_000_000, "the raster layer keeps the file small")
    }

    func testTextIsXMLEscaped() throws {
        let svg = try lineFigure(title: "<script>alert(\"x\") & 'y'</script>").svg()
        XCTAssertFalse(svg.contains("<script>"))
        XCTAssertTrue(svg.contains("&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"))
        XCTAssertEqual(xmlEscape("a<b>c&d"), "a&lt;b&gt;c&amp;d")
        XCTAssertEqual(xmlEscape("bell\u{07}"), "bell", "control characters are not allowed in XML")
    }

    func testSVGReferencesNoURLButItsNamespace() throws {
        var axes = Axes(title: "http://example.com in a title is text, but escaped")
        let (x, y, classes) = TestData.clusters(count: 5000)
        axes.add(try ScatterMark(x: x, y: y, classes: classes, classNames: TestData.letters))
        axes.title = "Embedding"
        let grid = try ImageGridMark(images: [TestData.letterImage("A", size: 32, seed: 1)], columns: 1)
        var images = Axes()
        images.add(grid)
        let svg = try Figure(width: 800, height: 400, axes: [axes, images]).svg()
        let urls = matches(of: "https?://[^\"'\\s<>]*", in: svg)
        XCTAssertEqual(urls, ["http://www.w3.org/2000/svg"])
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.contains("viewBox=\"0 0 800 400\""))
        XCTAssertFalse(svg.contains("xlink"))
        XCTAssertEqual(SVGDocument(svg).elements("image").filter { !SVGDocument.attribute("href", in: $0)!.hasPrefix("data:image/png;base64,") }, [])
    }

    func testClipPathIDsCarryThePrefix() throws {
        let svg = try lineFigure().svg(idPrefix: "loss-curve")
        XCTAssertTrue(svg.contains("<clipPath id=\"loss-curve-clip0\">"))
        XCTAssertTrue(svg.contains("clip-path=\"url(#loss-curve-clip0)\""))
    }

    func testSVGNumbersAreShort() {
        XCTAssertEqual(svgNumber(12), "12")
        XCTAssertEqual(svgNumber(12.5), "12.5")
        XCTAssertEqual(svgNumber(12.3456), "12.35")
        XCTAssertEqual(svgNumber(-0.004), "0")
        XCTAssertEqual(svgNumber(-3.05), "-3.05")
        XCTAssertEqual(svgNumber(0.07), "0.07")
    }

    private func matches(of pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) }
    }
}
