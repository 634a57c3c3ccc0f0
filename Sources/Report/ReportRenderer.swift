import AtomicIO
import Foundation
import Interrupt

/// `asl-lab report`: reads a run folder, writes every figure into `figures/` and the pages
/// (`index.html`, `dataset.html`, `training.html`, `evaluation.html`, `model.html`,
/// `embeddings.html`) with `style.css` beside them, and on request the single-file report.
public enum ReportRenderer {
    /// The pages in navigation order: builder, navigation label.
    static let pages: [(build: @Sendable (PageContext) -> PageModel, label: String)] = [
        (OverviewPage.build, "Overview"), (DatasetPage.build, "Dataset"), (TrainingPage.build, "Training"),
        (EvaluationPage.build, "Evaluation"), (ModelPage.build, "Model"), (EmbeddingsPage.build, "Embeddings"),
    ]

    public static func render(_ job: ReportJob) throws -> ReportOutcome {
        let started = Date()
        let templates = try ReportTemplates(folder: job.templates)
        let folder = URL(fileURLWithPath: job.runFolder).standardizedFileURL.path
        // Temporaries of a report that was killed while writing.
        Folder.removeLeftovers(in: folder)
        Folder.removeLeftovers(in: (folder as NSString).appendingPathComponent(ReportFiles.figures))
        let inputs = try RunInputs.read(folder: folder)
        let context = PageContext(job: job, inputs: inputs, figures: FigureSink(runFolder: folder, reusable: job.reusableFigures, stop: job.stop))

        // Pages are independent: build them (and their figures) in parallel.
        let built = ResultBox<PageModel>(count: pages.count)
        DispatchQueue.concurrentPerform(iterations: pages.count) { i in
            built.set(i, pages[i].build(context))
        }
        // The drill-down pages (galleries, the region map) are linked from the pages, not the navigation.
        let drillDown = DrillDownPages.build(context)
        let finished = context.figures.finish(built.values.map { $0! } + drillDown)
        let models = Array(finished.prefix(pages.count)), details = Array(finished.dropFirst(pages.count))
        if job.stop.isRequested { throw ReportError.interrupted }

        let header = runHeader(inputs: inputs, job: job)
        var weights: [String: Int] = [:]
        try write(Data(templates.style.utf8), to: folder, name: ReportFiles.stylesheet)
        for model in models {
            let nav = models.map { NavItem(href: $0.file, label: $0.title, current: $0.id == model.id) }
            let layout = LayoutModel(documentTitle: "\(model.title) · \(job.title)", reportTitle: job.title, toolVersion: header.toolVersion, run: header,
                                     nav: nav, pages: [model], singleFile: false, style: templates.style)
            let html = try templates.render(layout)
            try write(Data(html.utf8), to: folder, name: model.file)
            weights[model.file] = html.utf8.count + templates.style.utf8.count + figureBytes(model, folder: folder)
        }
        let nav = models.map { NavItem(href: $0.file, label: $0.title, current: false) }
        for model in details {
            let layout = LayoutModel(documentTitle: "\(model.title) · \(job.title)", reportTitle: job.title, toolVersion: header.toolVersion, run: header,
                                     nav: nav, pages: [model], singleFile: false, style: templates.style)
            try write(Data(try templates.render(layout).utf8), to: folder, name: model.file)
        }

        var singlePath: String?
        var singleBytes: Int?
        if job.singleFile {
            let inlined = try models.map { try SingleFile.inline($0, runFolder: folder, pages: Set(models.map(\.file))) }
            let nav = inlined.map { NavItem(href: "#" + $0.id, label: $0.title, current: false) }
            let layout = LayoutModel(documentTitle: job.title, reportTitle: job.title, toolVersion: header.toolVersion, run: header, nav: nav,
                                     pages: inlined, singleFile: true, style: templates.style)
            let html = try templates.render(layout)
            try write(Data(html.utf8), to: folder, name: ReportFiles.singleFile)
            singlePath = (folder as NSString).appendingPathComponent(ReportFiles.singleFile)
            singleBytes = html.utf8.count
        }
        var outcome = ReportOutcome(index: (folder as NSString).appendingPathComponent(ReportFiles.index), singleFile: singlePath,
                                    pages: models.map(\.file), figures: context.figures.count, figureSeconds: context.figures.seconds, pageWeights: weights,
                                    singleFileBytes: singleBytes, problems: inputs.problems, seconds: Date().timeIntervalSince(started))
        outcome.reusedFigures = context.figures.reused
        outcome.drillDownPages = details.map(\.file)
        return outcome
    }

    static func runHeader(inputs: RunInputs, job: ReportJob) -> RunHeader {
        let manifest = inputs.manifest
        var date = manifest?.created.replacingOccurrences(of: "T", with: " ") ?? ""
        if date.isEmpty, let modified = try? FileManager.default.attributesOfItem(atPath: inputs.folder)[.modificationDate] as? Date {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
            date = formatter.string(from: modified)
        }
        let seed = manifest.map { String($0.seed) } ?? inputs.training?.seed.map(String.init) ?? job.dataSeed.map(String.init) ?? "unknown"
        return RunHeader(name: manifest?.name ?? (inputs.folder as NSString).lastPathComponent, date: date, seed: seed,
                         toolVersion: manifest?.toolVersion ?? job.toolVersion,
                         configHash: manifest?.configHash ?? inputs.training?.configHash ?? "unknown")
    }

    static func figureBytes(_ page: PageModel, folder: String) -> Int {
        page.figures.reduce(0) { sum, figure in
            let path = (folder as NSString).appendingPathComponent(figure.src)
            return sum + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
    }

    static func write(_ data: Data, to folder: String, name: String) throws {
        try AtomicFile.write(data, to: (folder as NSString).appendingPathComponent(name))
    }
}

extension PageModel {
    /// Every figure on the page, in order.
    var figures: [FigureModel] {
        sections.flatMap { $0.blocks.flatMap { [$0.figure].compactMap { $0 } + ($0.figureRow?.items ?? []) } }
    }
}

/// Results filled in by index from concurrent work.
final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [T?]

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ value: T) { lock.withLock { storage[i] = value } }

    var values: [T?] { lock.withLock { storage } }
}
