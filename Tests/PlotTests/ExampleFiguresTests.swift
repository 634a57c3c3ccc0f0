import Canvas
import Foundation
import XCTest
@testable import Plot

/// Renders the report's kinds of figures end to end (SVG, 2× PNG and CSV each). They go to
/// `$PLOT_EXAMPLES` when it is set, for a person to look at, and to a temporary folder that is
/// checked and removed otherwise.
final class ExampleFiguresTests: XCTestCase {
    var folder: String!
    private var temporary = false

    override func setUpWithError() throws {
        if let path = ProcessInfo.processInfo.environment["PLOT_EXAMPLES"] {
            folder = path
        } else {
            folder = NSTemporaryDirectory() + "plot-examples-\(UUID().uuidString)"
            temporary = true
        }
    }

    override func tearDownWithError() throws {
        guard temporary else { return }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for ext in ["svg", "png", "csv"] {
            XCTAssertEqual(files.filter { $0.hasSuffix("." + ext) }.count, 1, "one .\(ext) file per example figure")
        }
        for file in files where file.hasSuffix(".png") {
            let image = try PNG.read(path: folder + "/" + file)
            XCTAssertGreaterThan(image.width, 100)
        }
    }

    func testLossCurves() throws {
        var random = TestRandom(seed: 3)
        let epochs = (1...30).map(Double.init)
        let train = epochs.map { 2.9 * exp(-$0 / 6) + 0.05 + 0.02 * random.normal() }
        let validation = epochs.map { 2.9 * exp(-$0 / 7) + 0.12 + 0.03 * random.normal() }
        var loss = Axes(title: "Loss", xLabel: "epoch", yLabel: "cross-entropy")
        loss.add(try LineMark(x: epochs, y: train, label: "train"))
        loss.add(try LineMark(x: epochs, y: validation, label: "validation"))
        var accuracy = Axes(title: "Accuracy", xLabel: "epoch", yLabel: "accuracy")
        accuracy.add(try LineMark(x: epochs, y: epochs.map { 1 - 0.9 * exp(-$0 / 5) }, label: "train"))
        accuracy.add(try LineMark(x: epochs, y: epochs.map { 0.97 - 0.9 * exp(-$0 / 6) }, label: "validation"))
        accuracy.yDomain = 0...1
        let figure = Figure(width: 900, height: 340, axes: [loss, accuracy])
        let data = CSVTable(columns: [("epoch", epochs), ("train_loss", train), ("val_loss", validation)])
        try FigureFile.write(figure, data: data, to: folder, name: "loss")
    }

    func testConfusionMatrix() throws {
        var random = TestRandom(seed: 5)
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: 26), count: 26)
        for t in 0..<26 {
            var remaining = 60
            for _ in 0..<Int(random.uniform() * 4) {
                let p = Int(random.uniform() * 26)
                let k = Int(random.uniform() * 6)
                matrix[t][p] += Double(k)
                remaining -= k
            }
            matrix[t][t] += Double(remaining)
        }
        var axes = Axes(title: "Confusion matrix (test set)", xLabel: "predicted", yLabel: "true")
        let heatmap = try HeatmapMark(matrix: matrix, rowLabels: TestData.letters, columnLabels: TestData.letters,
                                      colorMap: .blues, annotation: .values(decimals: 0), hidesZeroAnnotations: true)
        axes.add(heatmap)
        axes.colorBar = heatmap.colorBar(label: "images")
        let figure = Figure(width: 760, height: 720, axes: [axes])
        var table = CSVTable(header: ["true"] + TestData.letters)
        for (i, row) in matrix.enumerated() { table.append([TestData.letters[i]] + row.map(CSVTable.format)) }
        try FigureFile.write(figure, data: table, to: folder, name: "confusion")
    }

    func testCategoricalScatter() throws {
        let (x, y, classes) = TestData.clusters(count: 10_000)
        var axes = Axes(title: "t-SNE of the test set embeddings", xLabel: "t-SNE 1", yLabel: "t-SNE 2")
        axes.add(try ScatterMark(x: x, y: y, classes: classes, classNames: TestData.letters))
        var cx = [Double](repeating: 0, count: 26), cy = cx, n = cx
        for i in x.indices { cx[classes[i]] += x[i]; cy[classes[i]] += y[i]; n[classes[i]] += 1 }
        axes.add(try TextMark(x: zip(cx, n).map { $0 / $1 }, y: zip(cy, n).map { $0 / $1 }, texts: TestData.letters,
                              colors: Palette.categorical26))
        axes.equalAspect = true
        axes.legend = Legend(position: .outsideRight)
        let figure = Figure(width: 820, height: 640, axes: [axes])
        let data = CSVTable(columns: [("x", x), ("y", y), ("class", classes.map(Double.init))])
        try FigureFile.write(figure, data: data, to: folder, name: "tsne-classes")
    }

    func testContinuousScatter() throws {
        let (x, y, _) = TestData.clusters(count: 50_000, seed: 9)
        let distance = x.indices.map { i in 1 + 4 * (0.5 + 0.5 * sin(x[i] / 12) * cos(y[i] / 15)) }
        var axes = Axes(title: "t-SNE coloured by distance", xLabel: "t-SNE 1", yLabel: "t-SNE 2")
        let scatter = try ScatterMark(x: x, y: y, values: distance, colorMap: .viridis)
        axes.add(scatter)
        axes.colorBar = scatter.colorBar(label: "distance")
        axes.equalAspect = true
        let figure = Figure(width: 720, height: 600, axes: [axes])
        let data = CSVTable(columns: [("x", x), ("y", y), ("distance", distance)])
        let start = Date()
        try FigureFile.write(figure, data: data, to: folder, name: "tsne-distance")
        print("50 000-point scatter: \(Date().timeIntervalSince(start)) s")
    }

    func testHistogramAndBoxes() throws {
        var random = TestRandom(seed: 11)
        let errors = (0..<4000).map { _ in random.normal() * 0.25 + (random.uniform() < 0.1 ? 0.6 : 0) }
        var hist = Axes(title: "Distance error", xLabel: "predicted − true distance", yLabel: "images")
        let histogram = try HistogramMark(values: errors, label: "test")
        hist.add(histogram)
        hist.add(try LineMark(x: [0, 0], y: [0, histogram.heights.max()!], color: Theme.text, width: 1.2, dash: [4, 3]))
        hist.legend = nil
        var box = Axes(title: "Error by true distance", xLabel: "true distance", yLabel: "absolute error")
        let groups = ["1", "2", "3", "4", "5"]
        box.add(try BoxMark(groups: groups, values: groups.indices.map { g in
            (0..<120).map { _ in abs(random.normal() * (0.1 + 0.05 * Double(g))) }
        }, showsPoints: false))
        let figure = Figure(width: 900, height: 360, axes: [hist, box])
        try FigureFile.write(figure, data: CSVTable(columns: [("error", errors)]), to: folder, name: "histogram")
    }

    func testPerClassBars() throws {
        var random = TestRandom(seed: 13)
        let precision = TestData.letters.map { _ in 0.9 + 0.1 * random.uniform() }
        let recall = TestData.letters.map { _ in 0.88 + 0.12 * random.uniform() }
        var axes = Axes(title: "Per-class precision and recall", xLabel: "letter", yLabel: "score")
        axes.add(try BarMark(categories: TestData.letters, values: precision, label: "precision", group: (0, 2)))
        axes.add(try BarMark(categories: TestData.letters, values: recall, label: "recall", group: (1, 2)))
        axes.yDomain = 0.8...1.0
        axes.legend = Legend(position: .outsideRight)
        let figure = Figure(width: 900, height: 320, axes: [axes])
        try FigureFile.write(figure, data: CSVTable(columns: [("precision", precision), ("recall", recall)]), to: folder, name: "bars")
    }

    func testPredictedVersusTrue() throws {
        var random = TestRandom(seed: 17)
        let truth = (0..<800).map { _ in 1 + 4 * random.uniform() }
        let predicted = truth.map { $0 + random.normal() * 0.2 }
        var axes = Axes(title: "Predicted vs true distance", xLabel: "true distance", yLabel: "predicted distance")
        axes.add(try ScatterMark(x: truth, y: predicted, label: "test images"))
        axes.add(try LineMark(x: [1, 5], y: [1, 5], color: Theme.text, width: 1.2, dash: [5, 4], label: "ideal"))
        axes.equalAspect = true
        let figure = Figure(width: 520, height: 500, axes: [axes])
        try FigureFile.write(figure, data: CSVTable(columns: [("true", truth), ("predicted", predicted)]), to: folder, name: "pred-vs-true")
    }

    func testSampleGrid() throws {
        var images: [RGBImage] = []
        var captions: [String] = []
        for (r, letter) in TestData.letters.enumerated() {
            for c in 0..<8 {
                images.append(TestData.letterImage(letter, size: 96, seed: UInt64(r * 8 + c)))
                captions.append("d=\(1 + (r + c) % 5)")
            }
        }
        var axes = Axes(title: "Samples per letter")
        axes.add(try ImageGridMark(images: images, columns: 8, captions: captions, rowLabels: TestData.letters))
        let figure = Figure(width: 560, height: 1900, axes: [axes])
        try FigureFile.write(figure, data: CSVTable(header: ["letter", "caption"]), to: folder, name: "samples")
    }

    func testFiltersAndFeatureMaps() throws {
        var random = TestRandom(seed: 19)
        let filters = (0..<32).map { _ in
            ColorMap.inferno.image((0..<3).map { _ in (0..<3).map { _ in random.normal() } })!
        }
        var tiles = Axes(title: "conv1 filters")
        tiles.add(try ImageGridMark(images: filters, columns: 8, captions: (0..<32).map { "#\($0)" }))
        let map = (0..<48).map { r in (0..<48).map { c in sin(Double(r) / 5) * cos(Double(c) / 7) + 0.2 * random.normal() } }
        var feature = Axes(title: "feature map 3")
        let heatmap = try HeatmapMark(matrix: map, colorMap: .inferno)
        feature.add(heatmap)
        feature.colorBar = heatmap.colorBar(label: "activation")
        let figure = Figure(width: 960, height: 420, axes: [tiles, feature])
        try FigureFile.write(figure, data: CSVTable(header: ["filter"]), to: folder, name: "filters")
    }

    func testImageScatter() throws {
        let (x, y, classes) = TestData.clusters(count: 260, seed: 23)
        let images = x.indices.map { TestData.letterImage(TestData.letters[classes[$0]], size: 64, seed: UInt64($0)) }
        var axes = Axes(title: "Embedding with samples", xLabel: "t-SNE 1", yLabel: "t-SNE 2")
        axes.add(try ImageScatterMark(x: x, y: y, images: images, size: 26, borderColors: classes.map { Palette.color(forClass: $0) }))
        axes.equalAspect = true
        let figure = Figure(width: 760, height: 640, axes: [axes])
        try FigureFile.write(figure, data: CSVTable(columns: [("x", x), ("y", y)]), to: folder, name: "image-scatter")
    }
}
