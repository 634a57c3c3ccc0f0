import Canvas
import Foundation
import TestSupport
import XCTest
@testable import Plot

final class FigureFileTests: TemporaryFolderTestCase {
    func testWritesSVGPNGAndCSVWithPNGAtTwiceTheSize() throws {
        var axes = Axes(title: "Loss", xLabel: "epoch", yLabel: "loss")
        axes.add(try LineMark(x: [1, 2, 3, 4], y: [2.0, 1.1, 0.7, 0.5], label: "train"))
        let figure = Figure(width: 480, height: 300, axes: [axes])
        let data = CSVTable(columns: [("epoch", [1, 2, 3, 4]), ("loss", [2.0, 1.1, 0.7, 0.5])])
        let paths = try FigureFile.write(figure, data: data, to: folder + "/figures", name: "loss")
        XCTAssertEqual(paths.svg, folder + "/figures/loss.svg")
        let png = try PNG.read(path: paths.png)
        XCTAssertEqual(png.width, 960)
        XCTAssertEqual(png.height, 600)
        // The line is drawn where the layout says: the PNG pixel at the first point is blue-ish.
        let layout = try figure.layout().axes[0]
        let p = png[Int(layout.x.map(1) * 2), Int(layout.y.map(2.0) * 2)]
        XCTAssertTrue(p.b > p.r && p.b > 120, "expected the tab:blue line at the first point, got \(p)")
        XCTAssertTrue(png[2, 2] == (255, 255, 255), "white background")
        let svg = try String(contentsOfFile: paths.svg, encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg "))
        XCTAssertEqual(try String(contentsOfFile: paths.csv, encoding: .utf8), "epoch,loss\r\n1,2\r\n2,1.1\r\n3,0.7\r\n4,0.5\r\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder + "/figures").sorted()
        XCTAssertEqual(leftovers, ["loss.csv", "loss.png", "loss.svg"], "no temporary files remain")
    }

    func testCSVQuotesFieldsAsRFC4180() {
        var table = CSVTable(header: ["name", "note"])
        table.append(["plain", "a, b"])
        table.append(["quote \"q\"", "two\nlines"])
        XCTAssertEqual(table.text, "name,note\r\nplain,\"a, b\"\r\n\"quote \"\"q\"\"\",\"two\nlines\"\r\n")
        let numbers = CSVTable(columns: [("a", [1, .nan, 0.25]), ("b", [3])])
        XCTAssertEqual(numbers.rows, [["1", "3"], ["", ""], ["0.25", ""]])
    }

    func testFileNamesMustBePlain() {
        XCTAssertThrowsError(try FigureFile.write(Figure(), data: CSVTable(header: []), to: folder, name: "../x")) { error in
            XCTAssertEqual(error as? PlotError, .invalidFileName("../x"))
            XCTAssertEqual((error as? PlotError)?.description, "A figure file name must be non-empty and contain no '/', but got \"../x\".")
        }
    }

    func testFiftyThousandPointScatterRendersBothFormats() throws {
        let (x, y, _) = TestData.clusters(count: 50_000, seed: 4)
        var axes = Axes(title: "t-SNE", xLabel: "t-SNE 1", yLabel: "t-SNE 2")
        let scatter = try ScatterMark(x: x, y: y, values: y.map { $0 * $0 }, colorMap: .viridis)
        axes.add(scatter)
        axes.colorBar = scatter.colorBar(label: "y²")
        let figure = Figure(width: 700, height: 560, axes: [axes])
        let paths = try FigureFile.write(figure, data: CSVTable(columns: [("x", x), ("y", y)]), to: folder, name: "tsne")
        let png = try PNG.read(path: paths.png)
        XCTAssertEqual(png.width, 1400)
        XCTAssertEqual(png.height, 1120)
        let svg = SVGDocument(try String(contentsOfFile: paths.svg, encoding: .utf8))
        XCTAssertEqual(svg.elements("circle").count, 0)
        XCTAssertEqual(svg.group("raster-layer")?.elements("image").count, 1)
        XCTAssertNotNil(svg.group("colorbar"))
    }
}
