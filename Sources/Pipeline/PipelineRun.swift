import Foundation
import Synth

/// `asl-lab run`: the whole pipeline on one effective config (today generate → train; analyse
/// and report follow), into a new run folder
/// `REPORTS/<YYYYmmdd-HHMMSS>-<name>/`. Data sets live in the cache, keyed by the hash of
/// the keys that generate them (`seed`, `data.*`), so a second run with the same data config
/// reuses its data set.
public enum PipelineRun {
    public struct Options: Sendable {
        public var reportsRoot: String
        public var cacheRoot: String
        public var name: String
        public var threads: Int?
        public init(reportsRoot: String, cacheRoot: String, name: String, threads: Int? = nil) {
            self.reportsRoot = reportsRoot
            self.cacheRoot = cacheRoot
            self.name = name
            self.threads = threads
        }
    }

    public struct Outcome: Sendable {
        public var runFolder: String
        /// The last line `run` prints.
        public var summary: String
    }

    public static func run(config: EffectiveConfig, options: Options, output: ConsoleOutput) throws -> Outcome {
        let runFolder = try RunFolder.create(root: options.reportsRoot, name: options.name)
        try Data(config.yaml.utf8).write(to: URL(fileURLWithPath: (runFolder as NSString).appendingPathComponent("config.yaml")))

        let dataFolder = (options.cacheRoot as NSString).appendingPathComponent("datasets/" + config.hash(under: GenerateStage.configKeys))
        let generate = try GenerateStage.run(GenerateStage.job(config: config, output: dataFolder, threads: options.threads))
        output.write("generate: " + GenerateStage.summary(generate) + "\n")

        let trainJob = TrainStage.job(config: config, data: dataFolder, out: runFolder, threads: options.threads)
        let trained = try TrainStage.run(trainJob)
        output.write("train: " + TrainStage.summary(trained, job: trainJob) + "\n")

        return Outcome(runFolder: runFolder, summary: runFolder)
    }
}

/// Run folders under the reports root.
enum RunFolder {
    /// Creates `root/<YYYYmmdd-HHMMSS>-<name>` (with a numeric suffix if that exists).
    static func create(root: String, name: String) throws -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" }.prefix(60))
        let base = (root as NSString).appendingPathComponent(formatter.string(from: Date()) + "-" + (safeName.isEmpty ? "run" : safeName))
        var folder = base
        var suffix = 2
        while FileManager.default.fileExists(atPath: folder) {
            folder = base + "-\(suffix)"
            suffix += 1
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw SynthError.cannotWrite(path: folder, reason: "the run folder cannot be created")
        }
        return folder
    }
}
