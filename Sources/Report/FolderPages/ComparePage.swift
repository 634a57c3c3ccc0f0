import Digest
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

    /// The most runs one page compares (one colour and one column each).
    public static let maximumRuns = 10

    /// The letter a run goes by on the page: A, B, C …
    public static func letter(_ index: Int) -> String { String(UnicodeScalar(UInt8(65 + index))) }

    /// Writes the page comparing `a` with `b` into `root`; returns its path.
    public static func write(_ a: Run, _ b: Run, root: String, toolVersion: String, templates: String? = nil) throws -> String {
        try write([a, b], root: root, toolVersion: toolVersion, templates: templates)
    }

    /// Writes the page comparing `runs` (2 to `maximumRuns`; their folders relative to `root`)
    /// into `root`; returns its path. Two runs give `compare-<A>-vs-<B>.html`; more give
    /// `compare-<n>-runs-<hash of their folders>.html`, a name that stays short.
    public static func write(_ runs: [Run], root: String, toolVersion: String, templates: String? = nil) throws -> String {
        precondition((2...maximumRuns).contains(runs.count), "the caller checks the number of runs")
        let name = runs.count == 2 ? "compare-\(runs[0].folder)-vs-\(runs[1].folder)"
            : "compare-\(runs.count)-runs-" + String(SHA256.hex(runs.map(\.folder).joined(separator: "\n")).prefix(12))
        let letters = runs.indices.map(letter)
        var sections = [
            SectionModel("The runs", anchor: "runs", [.links(runs.enumerated().map { i, run in
                LinkModel(href: run.folder + "/" + ReportFiles.index, label: "\(letters[i]): \(run.folder)",
                          detail: "\(run.manifest.name), started \(run.manifest.created), \(run.status)")
            })]),
            SectionModel("Config keys that differ", anchor: "config", [configBlock(runs.map(\.manifest))]),
            SectionModel("Metrics", anchor: "metrics", [.table(metricsTable(runs.map(\.manifest)))]),
        ]
        if runs.allSatisfy({ !$0.history.isEmpty }) {
            let figures = (root as NSString).appendingPathComponent(figuresFolder)
            let (figure, data) = try curves(runs.map(\.history))
            try FigureFile.write(figure, data: data, to: figures, name: name)
            let colours = runs.count == 2 ? "A in blue, B in orange" : "one colour per run, as in the legend"
            let model = FigureSink.sized(FigureModel(name: name, caption: "Validation accuracy, distance MAE and training loss by epoch; \(colours).",
                                                     alt: "Training curves of \(letters.joined(separator: ", "))", width: 0, height: 0, src: "\(figuresFolder)/\(name).svg",
                                                     png: "\(figuresFolder)/\(name).png", csv: "\(figuresFolder)/\(name).csv"), in: root)
            sections.append(SectionModel("Training curves", anchor: "curves", [.figure(model)]))
        }
        let shared = runs.dropFirst().reduce(Set(runs[0].figures)) { $0.intersection($1.figures) }.sorted()
        if !shared.isEmpty {
            sections.append(SectionModel("The same figures, side by side", anchor: "figures", shared.map { figure in
                .row(runs.enumerated().map { i, run in
                    FigureSink.sized(FigureModel(name: "\(figure)-\(letters[i].lowercased())", caption: "\(letters[i]): \(figure)",
                                                 alt: "\(figure) of \(run.folder)", width: 0, height: 0,
                                                 src: "\(run.folder)/\(ReportFiles.figures)/\(figure).svg", png: nil, csv: nil), in: root)
                })
            }))
        }
        let title = runs.count == 2 ? "\(runs[0].folder) vs \(runs[1].folder)" : "\(runs.count) runs compared"
        let lead = runs.enumerated().map { "\(letters[$0]) is \($1.folder)" }.joined(separator: ", ")
            + ": what differs in their configs, and how their results moved."
        let page = PageModel(id: "compare", title: title, file: name + ".html", lead: lead, sections: sections)
        return try FolderPage.write(page, title: title, heading: runs.count == 2 ? "Two runs compared" : "\(runs.count) runs compared",
                                    toolVersion: toolVersion, to: root, templates: templates)
    }

    static let figuresFolder = "compare-figures"

    static func configBlock(_ manifests: [RunManifest]) -> BlockModel {
        let keys = manifests.reduce(Set<String>()) { $0.union($1.config.keys) }.sorted().filter { key in
            Set(manifests.map { $0.configValue(key) ?? "–" }).count > 1
        }
        guard !keys.isEmpty else {
            return .paragraph("None: \(manifests.count == 2 ? "both runs" : "all \(manifests.count) runs") used the same config (hash \(manifests[0].configHash.prefix(12))).")
        }
        return .table(TableModel(caption: "Every config key whose value differs.", header: ["key"] + manifests.indices.map(letter), cells: keys.map { key in
            [CellModel(text: key, code: true)] + manifests.map { CellModel(text: $0.configValue(key) ?? "–") }
        }))
    }

    static func metricsTable(_ manifests: [RunManifest]) -> TableModel {
        let letters = manifests.indices.map(letter)
        // Two runs: B − A. More: each run against A.
        let deltas = manifests.count == 2 ? ["B − A"] : letters.dropFirst().map { "\($0) − A" }
        func row(_ name: String, _ values: [Double?], _ value: (Double) -> String, _ delta: (Double) -> String) -> [String] {
            [name] + values.map { $0.map(value) ?? "–" } + values.dropFirst().map { y in
                (values[0] != nil && y != nil) ? delta(y! - values[0]!) : "–"
            }
        }
        let columns = 1 + manifests.count + deltas.count
        return TableModel(caption: "\(deltas.joined(separator: ", ")): accuracy in percentage points.", header: ["metric"] + letters + deltas,
                          numeric: Set(1..<columns), rows: [
            row("test accuracy", manifests.map(\.metrics.testAccuracy), { Format.percent($0, decimals: 2) }, { String(format: "%+.2f points", $0 * 100) }),
            row("test distance MAE", manifests.map(\.metrics.testDistanceMAE), { Format.number($0) }, { String(format: "%+.3f", $0) }),
            row("duration", manifests.map(\.seconds), Format.seconds, { String(format: "%+.1f s", $0) }),
        ])
    }

    /// Validation accuracy, MAE and training loss of every run by epoch.
    static func curves(_ histories: [[EpochRecord]]) throws -> (Figure, CSVTable) {
        var accuracy = Axes(title: "Validation accuracy", xLabel: "epoch", yLabel: "accuracy")
        var mae = Axes(title: "Validation distance MAE", xLabel: "epoch", yLabel: "MAE")
        var loss = Axes(title: "Training loss", xLabel: "epoch", yLabel: "loss")
        accuracy.xWholeNumbers = true
        mae.xWholeNumbers = true
        loss.xWholeNumbers = true
        var columns: [(String, [Double])] = []
        for (index, history) in histories.enumerated() {
            let label = letter(index)
            let epochs = history.map { Double($0.epoch) }
            let color = Palette.tab10[index % Palette.tab10.count]
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
