import AtomicIO
import FileFormats
import Foundation
import Interrupt

/// `asl-lab report`: reads a run folder, writes every figure into `figures/` and the pages
/// (`index.html`, `dataset.html`, `training.html`, `evaluation.html`, `model.html`,
/// `embeddings.html`) with `style.css` beside them, and on request the single-file report.
public enum ReportRenderer {
    /// The pages in navigation order: builder, navigation label, id and file.
    static let pages: [(build: @Sendable (PageContext) -> PageModel, label: String, id: String, file: String)] = [
        (OverviewPage.build, "Overview", "overview", ReportFiles.index), (DatasetPage.build, "Dataset", "dataset", "dataset.html"),
        (TrainingPage.build, "Training", "training", "training.html"), (EvaluationPage.build, "Evaluation", "evaluation", "evaluation.html"),
        (ModelPage.build, "Model", "model", "model.html"), (EmbeddingsPage.build, "Embeddings", "embeddings", "embeddings.html"),
        (GeneralisationPage.build, "Generalisation", "generalisation", GeneralisationPage.file),
    ]

    /// The pages of a run folder: every page of `pages`, but the Generalisation page only when
    /// the analysis evaluated shifted sets (`generalisation.json`), so a run without them keeps
    /// its six pages.
    static func pages(for inputs: RunInputs) -> [(build: @Sendable (PageContext) -> PageModel, label: String, id: String, file: String)] {
        pages.filter { $0.id != "generalisation" || inputs.generalisation != nil }
    }

    /// The pages drawn while a run trains: the ones whose data training already has.
    static let livePages: Set<String> = ["overview", "training"]

    public static func render(_ job: ReportJob) throws -> ReportOutcome {
        let started = Date()
        let templates = try ReportTemplates(folder: job.templates)
        let folder = URL(fileURLWithPath: job.runFolder).standardizedFileURL.path
        // Temporaries of a report that was killed while writing.
        Folder.removeLeftovers(in: folder)
        Folder.removeLeftovers(in: (folder as NSString).appendingPathComponent(ReportFiles.figures))
        let inputs = try RunInputs.read(folder: folder)
        let context = PageContext(job: job, inputs: inputs, figures: FigureSink(runFolder: folder, reusable: job.reusableFigures, stop: job.stop))

        // The drill-down pages (galleries, the region map) are linked from the pages, not the navigation.
        let pages = Self.pages(for: inputs)
        let built = build(pages.map(\.build), context: context, also: DrillDownPages.build)
        let models = Array(built.prefix(pages.count)), details = Array(built.dropFirst(pages.count))
        if job.stop.isRequested { throw ReportError.interrupted }

        // A run that was stopped or failed says so on every page; a finished one says nothing.
        let header = runHeader(inputs: inputs, job: job)
        let weights = try write(models, templates: templates, folder: folder, title: job.title, header: header,
                                banner: ReportBanner.ended(inputs.status))
        _ = try write(details, navigation: models, templates: templates, folder: folder, title: job.title, header: header,
                      banner: ReportBanner.ended(inputs.status))

        var singlePath: String?
        var singleBytes: Int?
        if job.singleFile {
            let inlined = try models.map { try SingleFile.inline($0, runFolder: folder, pages: Set(models.map(\.file))) }
            let nav = inlined.map { NavItem(href: "#" + $0.id, label: $0.title, current: false) }
            let layout = LayoutModel(documentTitle: job.title, reportTitle: job.title, toolVersion: header.toolVersion, run: header, nav: nav,
                                     pages: inlined, singleFile: true, style: templates.style, banner: ReportBanner.ended(inputs.status).map(BannerModel.init))
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

    /// Draws, into a run folder whose run is still training (or ended before its report), the
    /// pages that `history` and `steps` allow (overview and training) under `banner`, and for
    /// every other page a short one saying why it is not drawn yet (`pending`). Every file is
    /// written whole or not at all, so a browser never loads half a page. Returns the seconds
    /// it took.
    @discardableResult
    public static func renderLive(_ job: ReportJob, history: [EpochRecord], steps: [StepRecord], banner: ReportBanner,
                                  pending: String) throws -> Double {
        let started = Date()
        let templates = try ReportTemplates(folder: job.templates)
        let folder = URL(fileURLWithPath: job.runFolder).standardizedFileURL.path
        // The live pages show no image of the data set: its labels are not read.
        var inputs = try RunInputs.read(folder: folder, labels: false)
        inputs.history = history
        inputs.steps = steps
        let context = PageContext(job: job, inputs: inputs, figures: FigureSink(runFolder: folder, stop: job.stop))
        let builders = Self.pages(for: inputs).map { page -> @Sendable (PageContext) -> PageModel in
            guard !livePages.contains(page.id) else { return page.build }
            return { _ in
                PageModel(id: page.id, title: page.label, file: page.file, lead: "This page is drawn by the report at the end of the run.",
                          sections: [SectionModel("Not drawn yet", anchor: "pending", [.note(pending)])])
            }
        }
        let models = build(builders, context: context)
        _ = try write(models, templates: templates, folder: folder, title: job.title, header: runHeader(inputs: inputs, job: job), banner: banner)
        return Date().timeIntervalSince(started)
    }

    /// Builds the pages (and their figures) in parallel: they are independent. `also` adds pages
    /// after them (whose figures are drawn with theirs).
    private static func build(_ builders: [@Sendable (PageContext) -> PageModel], context: PageContext,
                              also: (PageContext) -> [PageModel] = { _ in [] }) -> [PageModel] {
        let built = ResultBox<PageModel>(count: builders.count)
        DispatchQueue.concurrentPerform(iterations: builders.count) { i in
            built.set(i, builders[i](context))
        }
        return context.figures.finish(built.values.map { $0! } + also(context))
    }

    /// Writes the stylesheet and every page through the templates; returns each page's weight
    /// (HTML, stylesheet and the figures it shows) by file name.
    /// `navigation`: the pages the navigation bar lists (default: `models`).
    private static func write(_ models: [PageModel], navigation: [PageModel]? = nil, templates: ReportTemplates, folder: String, title: String,
                              header: RunHeader, banner: ReportBanner?) throws -> [String: Int] {
        var weights: [String: Int] = [:]
        try write(Data(templates.style.utf8), to: folder, name: ReportFiles.stylesheet)
        for model in models {
            let nav = (navigation ?? models).map { NavItem(href: $0.file, label: $0.title, current: $0.id == model.id) }
            let layout = LayoutModel(documentTitle: "\(model.title) · \(title)", reportTitle: title, toolVersion: header.toolVersion, run: header,
                                     nav: nav, pages: [model], singleFile: false, style: templates.style, banner: banner.map(BannerModel.init))
            let html = try templates.render(layout)
            try write(Data(html.utf8), to: folder, name: model.file)
            weights[model.file] = html.utf8.count + templates.style.utf8.count + figureBytes(model, folder: folder)
        }
        return weights
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
