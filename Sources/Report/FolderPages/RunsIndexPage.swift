import Foundation

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

        public init(folder: String, name: String, status: String, started: String, imagesPerLetter: String, epochs: String,
                    accuracy: String, mae: String, duration: String, hasReport: Bool, note: String = "", tags: String = "") {
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

    /// Writes `root/index.html` (and `root/style.css`) for `rows`, given oldest first.
    @discardableResult
    public static func write(rows: [Row], to root: String, toolVersion: String, templates: String? = nil) throws -> String {
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
        let page = PageModel(id: "runs", title: "Runs", file: ReportFiles.index,
                             lead: "\(rows.count) run\(rows.count == 1 ? "" : "s") in this folder. Each links to its report.",
                             sections: [SectionModel("Every run", anchor: "all", blocks)] + comparisons(in: root))
        let folderName = (URL(fileURLWithPath: root).standardizedFileURL.path as NSString).lastPathComponent
        return try FolderPage.write(page, title: "asl-lab runs", heading: "The runs in \(folderName)", toolVersion: toolVersion, to: root, templates: templates)
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
