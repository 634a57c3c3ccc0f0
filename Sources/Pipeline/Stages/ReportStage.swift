import AtomicIO
import BuildInfo
import Configuration
import Foundation
import Plot
import Report
import Storage

extension ReportError: UserFacingError {}

/// The report stage: reads the run folder (history, training summary, manifest, analyse
/// outputs, the data set it names) and `report.*`, `seed`, `data.*` from the run's config;
/// writes `index.html` and the other pages, `style.css`, `figures/` and, with `single_file`,
/// one self-contained HTML file. The same code serves `asl-lab report` and `run`.
public enum ReportStage {

    /// A job for a run folder with a known effective config (the pipeline's case).
    public static func job(config: EffectiveConfig, run: String, templates: String? = nil, singleFile: Bool = false) -> ReportJob {
        let typed = Config(config)
        // A user's data set has no generator settings to redraw.
        return ReportJob(runFolder: run, templates: templates, singleFile: singleFile || typed.report.singleFile,
                         title: typed.report.title, dataConfig: typed.dataFolder == nil ? typed.data : nil, dataSeed: typed.dataSeed,
                         toolVersion: ToolInfo.version)
    }

    /// A job for a run folder on its own (`asl-lab report --run DIR`): the config comes from
    /// `DIR/config.yaml` when it is there, else the defaults (and no augmentation figure,
    /// since the data set's settings are unknown).
    public static func job(run: String, templates: String? = nil, singleFile: Bool = false) throws -> ReportJob {
        guard FileKind(path: run) == .folder else {
            throw PipelineError.missingInput(path: run, problem: FileKind(path: run) == nil ? "it does not exist" : "it is not a folder",
                                             advice: "--run takes a run folder written by `asl-lab run` (or a folder `asl-lab train --out` wrote)")
        }
        let file = (run as NSString).appendingPathComponent("config.yaml")
        guard FileManager.default.fileExists(atPath: file) else {
            var job = job(config: .defaults, run: run, templates: templates, singleFile: singleFile)
            job.dataConfig = nil
            job.dataSeed = nil
            return job
        }
        return job(config: try ConfigLoader.load(file: file), run: run, templates: templates, singleFile: singleFile)
    }

    public static func run(_ job: ReportJob) throws -> ReportOutcome {
        try ReportRenderer.render(job)
    }

    /// The cache folder of figures kept for reuse (`StageKeys.reportFigures`).
    static let figuresCacheStage = ReportFiles.figuresCacheStage

    /// Seals a copy (hard links where possible) of a fresh report's figures, all but the
    /// run-specific ones, as the cache entry `key`. A failure here costs only the reuse.
    static func keepFigures(of runFolder: String, in cache: StageCache, key: String) throws {
        // Another run keeping the same figures makes this one's copy unnecessary.
        guard let lock = CacheEntryLock.attempt(cacheRoot: cache.root, stage: figuresCacheStage, key: key) else { return }
        defer { withExtendedLifetime(lock) {} }
        let source = (runFolder as NSString).appendingPathComponent(ReportFiles.figures)
        try? FileManager.default.removeItem(atPath: cache.partialFolder(stage: figuresCacheStage, key: key))
        let partial = try cache.preparePartialFolder(stage: figuresCacheStage, key: key)
        let target = (partial as NSString).appendingPathComponent(ReportFiles.figures)
        try Folder.create(target)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []
        let figures = Set(files.filter { $0.hasSuffix(".svg") }.map { ($0 as NSString).deletingPathExtension }).subtracting(ReportFiles.runSpecificFigures)
        for name in figures.sorted() where !FigureFile.link(name, from: source, to: target) {
            throw PipelineError.cannotWrite(path: (target as NSString).appendingPathComponent(name + ".svg"), reason: "the figure's files could not be linked or copied")
        }
        try cache.seal(partial: partial, stage: figuresCacheStage, key: key)
    }

    /// One paragraph on the result; the report's `index.html` path is its last line.
    public static func summary(_ outcome: ReportOutcome) -> String {
        let heaviest = outcome.pageWeights.values.max() ?? 0
        let reused = outcome.reusedFigures > 0 ? " (\(outcome.reusedFigures) of them unchanged, linked from the cache)" : ""
        var text = String(format: "Wrote %@ and %@%@ in %.1f s (heaviest page %@).",
                          Count.of(outcome.pages.count, "page"), Count.of(outcome.figures, "figure"), reused, outcome.seconds, ByteCount.text(heaviest))
        if let single = outcome.singleFile, let bytes = outcome.singleFileBytes {
            text += " Single file (\(ByteCount.text(bytes))): \(single)."
        }
        if ProcessInfo.processInfo.environment["ASL_REPORT_TIMINGS"] != nil {
            for (name, seconds) in outcome.figureSeconds.sorted(by: { $0.value > $1.value }) { text += String(format: "\n%6.2f s  %@", seconds, name) }
        }
        for problem in outcome.problems { text += "\nnote: " + problem }
        return text + "\n" + outcome.index
    }
}
