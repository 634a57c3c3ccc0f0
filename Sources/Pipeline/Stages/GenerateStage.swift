import AtomicIO
import BuildInfo
import Configuration
import Digest
import Foundation
import Synth

/// The generate stage: reads `seed` and `data.*`, writes a data set folder. The same code
/// serves `asl-lab generate` and `asl-lab run`.
public enum GenerateStage {

    /// The shard `--shard K/N` names.
    public static func shard(named text: String) throws -> Shard {
        try Shard.parse(text)
    }

    /// The request for `config`, writing to `output`.
    public static func job(config: EffectiveConfig, output: String, shard: Shard? = nil,
                           threads: Int? = nil, force: Bool = false) -> GenerateJob {
        let typed = Config(config)
        return GenerateJob(
            config: typed.data, seed: typed.dataSeed, output: output, shard: shard,
            threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, force: force,
            provenance: DatasetProvenance(configHash: SHA256.hex(config.resolvedText(under: StageTable[.generate].configKeys)),
                                          configYAML: config.resolvedYAML(under: StageTable[.generate].configKeys),
                                          toolVersion: ToolInfo.version))
    }

    /// Generates with a progress display on `console`, returning what was done.
    public static func run(_ job: GenerateJob, console: ConsoleOutput = .standardError) throws -> GenerateOutcome {
        let count = job.shard?.samples(of: job.config.imageCount).count ?? job.config.imageCount
        let label = job.shard.map { "generate \($0)" } ?? "generate"
        let progress = ProgressDisplay(label: label, total: count, unit: "images", output: console)
        let outcome = try DatasetGenerator.generate(job) { progress.advance(by: $0) }
        if outcome.imagesDrawn > 0 { progress.finish() }
        return outcome
    }

    /// One sentence on what happened; `shownAs` names the data set's folder when it is not the
    /// one written (a cache entry's partial folder, renamed when sealed).
    public static func summary(_ outcome: GenerateOutcome, shownAs: String? = nil) -> String {
        let folder = shownAs ?? outcome.folder
        let rate = outcome.seconds > 0 ? Double(outcome.imagesDrawn) / outcome.seconds : 0
        switch outcome.result {
        case .complete where outcome.shard != nil:
            return "Drew \(Count.of(outcome.imagesDrawn, "image")) of shard \(outcome.shard!) in \(String(format: "%.1f", outcome.seconds)) s; every shard is done, so the data set of \(Count.of(outcome.datasetImages, "image")) is assembled: \(folder)"
        case .complete:
            return "Generated \(Count.of(outcome.imagesDrawn, "image")) in \(String(format: "%.1f", outcome.seconds)) s (\(Int(rate.rounded())) images/s): \(folder)"
        case .upToDate:
            return "The data set in \(folder) is already up to date (same config and seed); nothing was drawn."
        case .shardWritten(let waiting):
            return "Drew \(Count.of(outcome.imagesDrawn, "image")) of this shard in \(String(format: "%.1f", outcome.seconds)) s; \(Count.of(waiting, "shard")) still missing before \(folder) is assembled."
        }
    }
}
