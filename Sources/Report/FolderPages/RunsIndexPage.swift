import AtomicIO
import Foundation
import Plot

/// `REPORTS/index.html`: every run in the folder, newest first, with its status and headline
/// results, each linking to its report.
public enum RunsIndexPage {
    /// One run, as the index shows it (values already formatted).
    public struct Row: Sendable {
        public var folder: String
        public var name: String
        /// "complete", "interrupted during train" …
        public var status: String
        public var started: String
        public var imagesPerLetter: String
        public var epochs: String
        public var accuracy: String
        public var mae: String
        public var duration: String
        /// Whether the run folder holds a report to link to.
        public var hasReport: Bool
        /// `run --note`, and `run --tag`s joined by commas ("" when none).
        public var note: String
        public var tags: String
        /// The test accuracy as a number, for the chart over time.
        public var accuracyValue: Double?

        public init(folder: String, name: String, status: String, started: String, imagesPerLetter: String, epochs: String,
                    accuracy: String, mae: String, duration: String, hasReport: Bool, note: String = "", tags: String = "",
                    accuracyValue: Double? = nil) {
            self.accuracyValue = accuracyValue
            self.note = note
            self.tags = tags
            self.folder = folder
            self.name = name
            self.status = status
            self.started = started
            self.imagesPerLetter = imagesPerLetter
            self.epochs = epochs
            self.accuracy = accuracy
            self.mae = mae
            self.duration = duration
            self.hasReport = hasReport
        }
    }

    /// One sweep folder, as the index shows it.
    public struct SweepRow: Sendable {
        public var folder: String
        public var name: String
        public var created: String
        public var members: Int
        public var complete: Int
        public var bestAccuracy: Double?
        public var bestPoint: String?

        public init(folder: String, name: String, created: String, members: Int, complete: Int, bestAccuracy: Double?, bestPoint: String?) {
            self.folder = folder
            self.name = name
            self.created = created
            self.members = members
            self.complete = complete
            self.bestAccuracy = bestAccuracy
            self.bestPoint = bestPoint
        }
    }

    static let figuresFolder = "index-figures"

    /// Writes `root/index.html` (and `root/style.css`) for `rows` and `sweeps`, given oldest first.
    @discardableResult
    public static func write(rows: [Row], sweeps: [SweepRow] = [], to root: String, toolVersion: String, templates: String? = nil) throws -> String {
        let newestFirst = Array(rows.reversed())
        let table = TableModel(
            caption: "Newest first. A run's status says whether it finished; `asl-lab runs compare A B [C …]` compares runs.",
            header: ["run", "name", "tags", "status", "started", "images/letter", "epochs", "test accuracy", "distance MAE", "duration", "note"],
            numeric: [5, 6, 7, 8, 9],
            cells: newestFirst.map { row in
                [CellModel(text: row.folder, href: row.hasReport ? row.folder + "/" + ReportFiles.index : nil), CellModel(text: row.name), CellModel(text: row.tags),
                 CellModel(text: row.status), CellModel(text: row.started), CellModel(text: row.imagesPerLetter), CellModel(text: row.epochs),
                 CellModel(text: row.accuracy), CellModel(text: row.mae), CellModel(text: row.duration), CellModel(text: row.note)]
            })
        let blocks: [BlockModel] = rows.isEmpty ? [.note("There are no runs in this folder yet; `asl-lab run` makes one.")] : [.table(table)]
        var sections = [SectionModel("Every run", anchor: "all", blocks)]
        if !sweeps.isEmpty {
            sections.append(SectionModel("Sweeps", anchor: "sweeps", [.table(TableModel(
                caption: "Newest first. Each links to its sweep report; the best point is the one of highest mean test accuracy over its seeds.",
                header: ["sweep", "name", "started", "members complete", "best test accuracy", "best point"], numeric: [3, 4],
                cells: sweeps.reversed().map { sweep in
                    [CellModel(text: sweep.folder, href: sweep.folder + "/" + ReportFiles.index), CellModel(text: sweep.name), CellModel(text: sweep.created),
                     CellModel(text: "\(sweep.complete) of \(sweep.members)"), CellModel(text: sweep.bestAccuracy.map { Format.percent($0, decimals: 2) } ?? "–"),
                     CellModel(text: sweep.bestPoint ?? "–")]
                }))]))
        }
        if let chart = try headlineChart(rows: rows, sweeps: sweeps, root: root) { sections.insert(chart, at: 0) }
        let lead = "\(Count.of(rows.count, "run"))" + (sweeps.isEmpty ? "" : " and \(Count.of(sweeps.count, "sweep"))") + " in this folder. Each links to its report."
        let page = PageModel(id: "runs", title: "Runs", file: ReportFiles.index, lead: lead, sections: sections + comparisons(in: root))
        let folderName = (URL(fileURLWithPath: root).standardizedFileURL.path as NSString).lastPathComponent
        return try FolderPage.write(page, title: "asl-lab runs", heading: "The runs in \(folderName)", toolVersion: toolVersion, to: root, templates: templates)
    }

    /// Test accuracy of every complete run, and the best point of every sweep, in the order
    /// they were started; nil with fewer than two results.
    static func headlineChart(rows: [Row], sweeps: [SweepRow], root: String) throws -> SectionModel? {
        var results: [(started: String, accuracy: Double, sweep: Bool)] = rows.compactMap { row in
            row.accuracyValue.map { (row.started, $0, false) }
        }
        results += sweeps.compactMap { sweep in sweep.bestAccuracy.map { (sweep.created, $0, true) } }
        guard results.count >= 2 else { return nil }
        results.sort { $0.started < $1.started }
        var axes = Axes(title: nil, xLabel: "result, oldest first", yLabel: "test accuracy")
        axes.xWholeNumbers = true
        let runs = results.indices.filter { !results[$0].sweep }, best = results.indices.filter { results[$0].sweep }
        if !runs.isEmpty {
            axes.add(try LineMark(x: runs.map { Double($0 + 1) }, y: runs.map { results[$0].accuracy }, color: Palette.tab10[0], label: "run", showsPoints: true))
        }
        if !best.isEmpty {
            axes.add(try ScatterMark(x: best.map { Double($0 + 1) }, y: best.map { results[$0].accuracy }, color: Palette.tab10[1], label: "sweep (best point)"))
        }
        let name = "headline-metric"
        let folder = (root as NSString).appendingPathComponent(figuresFolder)
        try FigureFile.write(Figure(width: 900, height: 280, axes: [axes]), data: CSVTable(columns: [
            ("order", results.indices.map { Double($0 + 1) }), ("test_accuracy", results.map(\.accuracy)), ("is_sweep", results.map { $0.sweep ? 1 : 0 }),
        ]), to: folder, name: name)
        let model = FigureSink.sized(FigureModel(name: name, caption: "Test accuracy of each complete run (blue) and the best point of each sweep (orange), oldest first.",
                                                 alt: "Test accuracy over time", width: 0, height: 0, src: "\(figuresFolder)/\(name).svg",
                                                 png: "\(figuresFolder)/\(name).png", csv: "\(figuresFolder)/\(name).csv"), in: root)
        return SectionModel("Test accuracy over time", anchor: "over-time", [.figure(model)])
    }

    /// The compare pages `asl-lab runs compare` left in `root`, as a section of links (none
    /// when there are none).
    static func comparisons(in root: String) -> [SectionModel] {
        let pages = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { $0.hasPrefix("compare-") && $0.hasSuffix(".html") }.sorted()
        guard !pages.isEmpty else { return [] }
        return [SectionModel("Comparisons", anchor: "comparisons", [.links(pages.map {
            LinkModel(href: $0, label: String($0.dropLast(".html".count)), detail: "written by asl-lab runs compare")
        })])]
    }
}
