import Configuration
import FileFormats
import Foundation
import Interrupt
import Report
import Storage
import Training

/// One stage of `asl-lab run`, as data (DVC's deps, params and outs): what it reads, which
/// config keys it depends on, what it leaves and how it is cached. The runner, not the stage,
/// decides whether it runs, caches it and records it; stage keys, `--dry-run`, `--force` and
/// `--until` all read the table.
struct StageDefinition: Sendable {
    /// Where a stage's outputs go.
    enum Output: Sendable, Equatable {
        /// A cache entry under the stage's key; its files are linked into the run folder when
        /// `linked` (the model, the analysis), or only referenced (the data set).
        case cacheEntry(linked: Bool)
        /// The run folder itself, every time (the report); a cache entry under the stage's key
        /// keeps what the next run can reuse (the figures).
        case runFolder
    }

    let stage: PipelineStage
    /// The stage whose key enters this one's key, so any change upstream changes it.
    let keyedBy: PipelineStage?
    /// Stages whose outputs it opens: their entries are checked by content before it runs.
    let reads: [PipelineStage]
    /// Config keys (prefixes) it reads itself.
    let configKeys: [String]
    /// Raised when the stage's code makes different outputs from the same inputs, so that cache
    /// entries of earlier builds of the same version are not reused for it (and, through the
    /// keys, for the stages after it). At 0 the stage keys as it always did.
    let revision: Int
    /// Whether its outputs' bytes depend on the product kernel (`ProductKernel.distinctArithmetic`),
    /// which its key then names where it is not the one both kinds of machine share.
    var readsProductKernel = false
    let output: Output
    /// The cache's folder for its entries.
    let cacheFolder: String
    /// What it leaves, in words (for `--dry-run` and the docs).
    let leaves: String
    /// Does the work into `folder` (its partial cache entry, or the run folder) and returns one
    /// line on what it did, naming the final place, not the partial one.
    let perform: @Sendable (StageContext, _ folder: String) throws -> String
}

/// What a stage's work needs from the run.
struct StageContext: Sendable {
    let config: EffectiveConfig
    let keys: StageKeys
    let cache: StageCache
    let threads: Int?
    let stop: StopRequest
    let console: ConsoleOutput
    /// Standard error, for progress and epoch lines (also kept in the run's log).
    let errors: ConsoleOutput
    let runFolder: String
    /// Whether the figures kept under the report's key may be reused (not forced).
    let reuseFigures: Bool
    /// Lines for the run's log besides the stage's summary.
    let note: @Sendable (String) -> Void
    /// Draws the run folder's pages while training runs.
    let live: LiveReport
    /// Where the generate stage leaves its images, resized, for the train stage of the same
    /// process to take instead of decoding them; nil unless both run (`preparedImages(…)`).
    var preparedImages: PreparedImages? = nil

    /// The final cache folder of `stage`'s entry.
    func folder(of stage: PipelineStage) -> String {
        cache.folder(stage: StageTable[stage].cacheFolder, key: keys[stage])
    }

    /// The data set the stages read: the user's folder (`data.source: folder`), else the
    /// generate stage's entry.
    var dataFolder: String { FolderDataStage.folder(of: config) ?? folder(of: .generate) }
}

/// The stages of `asl-lab run`, in order.
enum StageTable {
    static let stages: [StageDefinition] = [
        StageDefinition(
            stage: .generate, keyedBy: nil, reads: [], configKeys: ["seed", "data"], revision: 0,
            output: .cacheEntry(linked: false), cacheFolder: "generate",
            leaves: "the data set: A/A_00000.png …, labels.csv, labels.xlsx, dataset.json"
        ) { context, folder in
            if FolderDataStage.folder(of: context.config) != nil {
                return try FolderDataStage.perform(config: context.config, cacheRoot: context.cache.root, partial: folder)
            }
            var job = GenerateStage.job(config: context.config, output: folder, threads: context.threads)
            job.stop = context.stop
            if let prepared = context.preparedImages { job.drawn = { prepared.add($0, path: $1) } }
            return GenerateStage.summary(try GenerateStage.run(job, console: context.errors), shownAs: context.folder(of: .generate))
        },
        // training.json records the config hash of seed, data and train (the model's
        // provenance); the key chains through generate's key instead.
        // train 8: on AVX-512 (fp32) and AVX512-BF16 (bf16) the first convolution's weight and
        // bias gradients are read from the pool's winners (each window's gradient times its
        // winner's lowered row, summed row by row) instead of the lowered product of the routed
        // gradient, so every fp32 and bf16 model's bytes changed (AMX's and OpenBLAS's did not).
        // train 7: in bf16 on AVX512-BF16, Winograd's weight-gradient products over pieces of 256
        // tiles or more (SmallCNN's second and third convolutions) sum as bf16 dot products with
        // their lanes in registers instead of the packed kernel's order, and the first
        // convolution's weight gradient as bf16 dot products instead of fp32 ones, so every bf16
        // model's bytes changed (fp32's did not).
        // train 6: in fp32 on AVX-512, Winograd's weight-gradient products over pieces of 256
        // tiles or more (SmallCNN's second convolution) sum as dot products with their lanes in
        // registers instead of the packed kernel's order, so every fp32 model's bytes changed.
        // It also covers bf16 on AVX512-BF16, whose first convolution's weight gradient became
        // fp32 dot products in the build before without a new revision.
        // train 5: in fp32 on AVX-512 the first convolution's weight gradient sums as dot
        // products of rows (16 lanes, then a fixed tree) instead of the packed kernel's order,
        // so every fp32 model's bytes changed (its bf16 and OpenBLAS products did not).
        // train 4: where the planes' sides are multiples of 4 (SmallCNN's second and third
        // convolutions at 128 px), fp32 Winograd takes F(4×4, 3×3); the default model's bytes
        // changed (train.convolution: winograd-2x2 gives revision 3's).
        // train 3: the second and third convolutions compute by Winograd F(2×2, 3×3) unless
        // train.convolution says direct (a config key, so in the key), so the default model's
        // bytes changed.
        // train 2: steps.csv, the loss of every window of 20 steps (the model's bytes are those
        // of revision 1).
        // train 1: the weight gradients sum over a split of the batch fixed apart from the thread
        // count, so the trained bytes changed (and no longer depend on `--threads`, which is why
        // the key leaves the thread count out); train.precision is in the config slice, so bf16
        // changes the key.
        StageDefinition(
            stage: .train, keyedBy: .generate, reads: [.generate], configKeys: ["seed", "train"], revision: 8, readsProductKernel: true,
            output: .cacheEntry(linked: true), cacheFolder: "train",
            leaves: "model.safetensors, history.csv, steps.csv, training.json"
        ) { context, folder in
            var job = TrainStage.job(config: context.config, data: context.dataFolder, out: folder, threads: context.threads, resume: true)
            job.stop = context.stop
            job.preparedImages = context.preparedImages?.whenComplete()
            // Taken by loading; whatever is left (a failed load) is not kept through training.
            defer { context.preparedImages?.removeAll() }
            let outcome = try TrainStage.run(job, console: context.errors, also: context.live)
            if let line = context.live.costLine { context.note("train: " + line) }
            // The model is the product; the optimiser state only served resuming.
            unlink((folder as NSString).appendingPathComponent(Trainer.checkpointName))
            return TrainStage.summary(outcome, job: job, shownAs: context.folder(of: .train))
        },
        // analyse 2: PCA's and the neighbour search's products run in the engine's AVX-512 kernel
        // (the same bytes on both kinds of machine) instead of OpenBLAS's CPU-picked kernels, so the
        // PCA, t-SNE and trustworthiness bytes changed.
        // analyse 1: t-SNE's tree, attraction and neighbour search changed; metrics.json records the search.
        StageDefinition(
            stage: .analyse, keyedBy: .train, reads: [.generate, .train], configKeys: ["analyse"], revision: 2,
            output: .cacheEntry(linked: true), cacheFolder: "analyse",
            leaves: "metrics.json, predictions.csv, embeddings, t-SNE and PCA maps, inspection/"
        ) { context, folder in
            var job = AnalyseStage.job(config: context.config, data: context.dataFolder,
                                       model: (context.folder(of: .train) as NSString).appendingPathComponent(Trainer.modelName),
                                       out: folder, threads: context.threads)
            job.stop = context.stop
            job.shifts = try ShiftSets.prepare(context)
            let outcome = try AnalyseStage.run(job, expected: AnalyseStage.architecture(config: context.config), console: context.console)
            return AnalyseStage.summary(outcome, shownAs: context.folder(of: .analyse))
        },
        // report 1: the epoch axes of the training and compare figures tick on whole epochs.
        // report 2: image grids head their columns on top; class maps name every sizeable
        // cluster of a letter at its medoid.
        // It shows a few hundred of the data set's images too, but that is no reason to hash
        // the whole data set (1.5 GB) by content on every cached run: the entries it reads in
        // full are train's and analyse's.
        StageDefinition(
            stage: .report, keyedBy: .analyse, reads: [.train, .analyse], configKeys: ["report"], revision: 2,
            output: .runFolder, cacheFolder: ReportStage.figuresCacheStage,
            leaves: "index.html and the other pages, style.css, figures/"
        ) { context, folder in
            var job = ReportStage.job(config: context.config, run: folder)
            job.stop = context.stop
            let kept = context.folder(of: .report)
            let reuse = context.reuseFigures && context.cache.state(stage: ReportStage.figuresCacheStage, key: context.keys.reportFigures) == .valid
            if reuse { job.reusableFigures = (kept as NSString).appendingPathComponent(ReportFiles.figures) }
            let outcome = try ReportStage.run(job)
            if !reuse {
                do {
                    try ReportStage.keepFigures(of: folder, in: context.cache, key: context.keys.reportFigures)
                } catch {
                    context.note("note: the report's figures could not be kept in the cache (\(error)); the next run draws them again.\n")
                }
            }
            if context.stop.isRequested { throw ReportError.interrupted }
            // The summary's last line, the index's path, is what `run` prints last.
            return ReportStage.summary(outcome).split(separator: "\n").dropLast().joined(separator: "\n")
        },
    ]

    static subscript(stage: PipelineStage) -> StageDefinition {
        stages.first { $0.stage == stage }!
    }

    /// The config keys a stage's output depends on, its own and those of the stages it is
    /// keyed by, in the table's order.
    static func configKeys(reachedBy stage: PipelineStage) -> [String] {
        var keys: [String] = []
        var next: PipelineStage? = stage
        while let current = next {
            for key in self[current].configKeys where !keys.contains(key) { keys.append(key) }
            next = self[current].keyedBy
        }
        return keys
    }
}
