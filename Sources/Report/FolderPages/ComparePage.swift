import FileFormats
import Foundation
import Plot

/// `runs compare`'s page, `REPORTS/compare-<A>-vs-<B>.html`: the config keys that differ,
/// the metrics side by side, the training curves of both runs overlaid (its own figure in
/// `REPORTS/compare-figures/`), and each figure the two reports share side by side. It links
/// into both run folders, so it works offline from disk.
public enum ComparePage {
    /// One of the runs compared: its folder (relative to the reports folder) and what it recorded.
    public struct Run: Sendable {
        public var folder: String
        public var manifest: RunManifest
        public var history: [EpochRecord]
        /// Names (without extension) of the SVG figures of its report.
        public var figures: [String]
        /// "complete", "interrupted during train" …
        public var status: String

        public init(folder: String, manifest: RunManifest, history: [EpochRecord], figures: [String], status: String) {
            self.folder = folder
            self.manifest = manifest
            self.history = history
            self.figures = figures
            self.status = status
        }
    }

    /// Writes the page comparing `a` with `b` into `root`; returns its path.
    public static func write(_ a: Run, _ b: Run, root: String, toolVersion: String, templates: String? = nil) throws -> String {
        let name = "compare-\(a.folder)-vs-\(b.folder)"
        var sections = [
            SectionModel("The runs", anchor: "runs", [.links([a, b].enumerated().map { i, run in
                LinkModel(href: run.folder + "/" + ReportFiles.index, label: "\(i == 0 ? "A" : "B"): \(run.folder)",
                          detail: "\(run.manifest.name), started \(run.manifest.created), \(run.status)")
            })]),
            SectionModel("Config keys that differ", anchor: "config", [configBlock(a.manifest, b.manifest)]),
            SectionModel("Metrics", anchor: "metrics", [.table(metricsTable(a.manifest, b.manifest))]),
        ]
        if !a.history.isEmpty, !b.history.isEmpty {
            let figures = (root as NSString).appendingPathComponent(figuresFolder)
            let (figure, data) = try curves(a.history, b.history)
            try FigureFile.write(figure, data: data, to: figures, name: name)
            let model = FigureSink.sized(FigureModel(name: name, caption: "Validation accuracy, distance MAE and training loss by epoch; A in blue, B in orange.",
                                                     alt: "Training curves of A and B", width: 0, height: 0, src: "\(figuresFolder)/\(name).svg",
                                                     png: "\(figuresFolder)/\(name).png", csv: "\(figuresFolder)/\(name).csv"), in: root)
            sections.append(SectionModel("Training curves", anchor: "curves", [.figure(model)]))
        }
        let shared = Set(a.figures).intersection(b.figures).sorted()
        if !shared.isEmpty {
            sections.append(SectionModel("The same figures, side by side", anchor: "figures", shared.map { figure in
                .row([a, b].enumerated().map { i, run in
                    FigureSink.sized(FigureModel(name: "\(figure)-\(i == 0 ? "a" : "b")", caption: "\(i == 0 ? "A" : "B"): \(figure)",
                                                 alt: "\(figure) of \(run.folder)", width: 0, height: 0,
                                                 src: "\(run.folder)/\(ReportFiles.figures)/\(figure).svg", png: nil, csv: nil), in: root)
                })
            }))
        }
        let page = PageModel(id: "compare", title: "\(a.folder) vs \(b.folder)", file: name + ".html",
                             lead: "A is \(a.folder), B is \(b.folder): what differs in their configs, and how their results moved.",
                             sections: sections)
        return try FolderPage.write(page, title: "\(a.folder) vs \(b.folder)", heading: "Two runs compared", toolVersion: toolVersion, to: root, templates: templates)
    }

    static let figuresFolder = "compare-figures"

    static func configBlock(_ a: RunManifest, _ b: RunManifest) -> BlockModel {
        let keys = Set(a.config.keys).union(b.config.keys).sorted().filter { a.config[$0] != b.config[$0] }
        guard !keys.isEmpty else { return .paragraph("None: both runs used the same config (hash \(a.configHash.prefix(12))).") }
        return .table(TableModel(caption: "Every config key whose value differs.", header: ["key", "A", "B"], cells: keys.map {
            [CellModel(text: $0, code: true), CellModel(text: a.config[$0] ?? "–"), CellModel(text: b.config[$0] ?? "–")]
        }))
    }

    static func metricsTable(_ a: RunManifest, _ b: RunManifest) -> TableModel {
        func row(_ name: String, _ x: Double?, _ y: Double?, _ value: (Double) -> String, _ delta: (Double) -> String) -> [String] {
            [name, x.map(value) ?? "–", y.map(value) ?? "–", (x != nil && y != nil) ? delta(y! - x!) : "–"]
        }
        return TableModel(caption: "B − A: accuracy in percentage points.", header: ["metric", "A", "B", "B − A"], numeric: [1, 2, 3], rows: [
            row("test accuracy", a.metrics.testAccuracy, b.metrics.testAccuracy, { Format.percent($0, decimals: 2) }, { String(format: "%+.2f points", $0 * 100) }),
            row("test distance MAE", a.metrics.testDistanceMAE, b.metrics.testDistanceMAE, { Format.number($0) }, { String(format: "%+.3f", $0) }),
            row("duration", a.seconds, b.seconds, Format.seconds, { String(format: "%+.1f s", $0) }),
        ])
    }

    /// Validation accuracy, MAE and training loss of both runs by epoch.
    static func curves(_ a: [EpochRecord], _ b: [EpochRecord]) throws -> (Figure, CSVTable) {
        var accuracy = Axes(title: "Validation accuracy", xLabel: "epoch", yLabel: "accuracy")
        var mae = Axes(title: "Validation distance MAE", xLabel: "epoch", yLabel: "MAE")
        var loss = Axes(title: "Training loss", xLabel: "epoch", yLabel: "loss")
        accuracy.xWholeNumbers = true
        mae.xWholeNumbers = true
        loss.xWholeNumbers = true
        var columns: [(String, [Double])] = []
        for (label, history) in [("A", a), ("B", b)] {
            let epochs = history.map { Double($0.epoch) }
            let color = Palette.tab10[label == "A" ? 0 : 1]
            accuracy.add(try LineMark(x: epochs, y: history.map(\.validationAccuracy), color: color, label: label, showsPoints: true))
            mae.add(try LineMark(x: epochs, y: history.map(\.validationMAE), color: color, label: label, showsPoints: true))
            loss.add(try LineMark(x: epochs, y: history.map(\.loss), color: color, label: label, showsPoints: true))
            columns += [("\(label)_epoch", epochs), ("\(label)_val_accuracy", history.map(\.validationAccuracy)),
                        ("\(label)_val_mae", history.map(\.validationMAE)), ("\(label)_train_loss", history.map(\.loss))]
        }
        let rows = columns.map(\.1.count).max() ?? 0
        let padded = columns.map { ($0.0, $0.1 + Array(repeating: Double.nan, count: rows - $0.1.count)) }
        return (Figure(width: 1080, height: 320, axes: [accuracy, mae, loss]), CSVTable(columns: padded))
    }
}
