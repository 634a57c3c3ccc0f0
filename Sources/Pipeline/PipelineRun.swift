import AtomicIO
import Configuration
import FileFormats
import Foundation
import Interrupt
import Report
import Storage
import Synth
import Training

/// `asl-lab run`: generate → train → analyse → report on one effective config, like `dvc
/// repro` with the report built in. Each cached stage has a key (`StageKeys`); its outputs live
/// in the cache under that key and are reused when sealed and intact. A run folder
/// `REPORTS/<YYYYmmdd-HHMMSS>-<name>/` receives the artifacts, the report and `manifest.json`.
public enum PipelineRun {
    public struct Options: Sendable {
        public var reportsRoot: String
        public var cacheRoot: String
        public var name: String
        public var threads: Int?
        /// Rerun this stage and every later one even when cached (`--force [STAGE]`).
        public var force: PipelineStage?
        /// Stop after this stage (`--until STAGE`).
        public var until: PipelineStage
        /// Only say which stages would run and why (`--dry-run`).
        public var dryRun: Bool
        /// The command line that started the run, recorded as the way to resume it.
        public var command: String?
        /// Asks the run to stop at its next safe point, besides SIGINT and SIGTERM (for a caller
        /// that runs pipelines in-process and must be able to stop one).
        public var stop: StopRequest?

        public init(reportsRoot: String, cacheRoot: String, name: String, threads: Int? = nil,
                    force: PipelineStage? = nil, until: PipelineStage = .report, dryRun: Bool = false, command: String? = nil) {
            self.command = command
            self.reportsRoot = reportsRoot
            self.cacheRoot = cacheRoot
            self.name = name
            self.threads = threads
            self.force = force
            self.until = until
            self.dryRun = dryRun
        }
    }

    public struct Outcome: Sendable {
        /// Nil for a dry run.
        public var runFolder: String?
        public var stages: [StageRecord]
        /// The last line `run` prints: the report's index.html, else the run folder.
        public var summary: String
    }


    public static func run(config: EffectiveConfig, options: Options, output: ConsoleOutput) throws -> Outcome {
        let keys = StageKeys(config: config)
        let cacheRoot = URL(fileURLWithPath: options.cacheRoot).standardizedFileURL.path
        let cache = StageCache(root: cacheRoot)
        let stages = PipelineStage.allCases.filter { $0 <= options.until }
        if options.dryRun { return dryRun(config: config, keys: keys, cache: cache, stages: stages, options: options, output: output) }

        let signals = StopSignals(console: output, request: options.stop ?? StopRequest())
        let lock = try CacheLock(cacheRoot: options.cacheRoot, stop: signals.request) {
            output.write("Another asl-lab run is using the cache \(options.cacheRoot); waiting for it to finish…\n")
        }
        defer { withExtendedLifetime((lock, signals)) {} }
        removeLeftovers(cache: cache, reportsRoot: options.reportsRoot)

        let started = Date()
        let runFolder = try RunFolder.create(root: options.reportsRoot, name: options.name)
        var status = RunStatus.starting(command: options.command)
        try status.write(to: runFolder, durability: .powerLoss)
        let log = RunLog(console: output, path: (runFolder as NSString).appendingPathComponent(RunLog.fileName))
        var records: [StageRecord] = []
        var current = PipelineStage.generate
        do {
            try PipelineFile.write(Data(config.yaml.utf8), to: (runFolder as NSString).appendingPathComponent("config.yaml"))
            let last = try runStages(config: config, keys: keys, cache: cache, options: options, output: output, log: log,
                                     stop: signals.request, runFolder: runFolder, started: started, records: &records, current: &current)
            status = status.with(.complete)
            // Everything the run folder holds is on the device before it is called complete.
            do { try Folder.syncFileSystem(containing: runFolder) } catch { throw PipelineError.cannotWrite(path: error.path, reason: error.reason) }
            try status.write(to: runFolder, durability: .powerLoss)
            try? RunStore(root: options.reportsRoot).writeIndex()
            log.write("Run folder: \(runFolder)\n")
            return Outcome(runFolder: runFolder, stages: records, summary: last)
        } catch {
            let interrupted = Interruption.isInterruption(error)
            let message = "\(error)"
            status = status.with(interrupted ? .interrupted : .failed, stage: current.rawValue, reason: message)
            try? status.write(to: runFolder, durability: .powerLoss)
            try? RunStore(root: options.reportsRoot).writeIndex()
            log.write("\(current.rawValue): \(interrupted ? "stopped" : "failed"): \(message)\n")
            if interrupted {
                let command = options.command.map { "`\($0)`" } ?? "the same `asl-lab run` command"
                throw PipelineError.interrupted(
                    what: "the run during \(current.rawValue)", detail: message.hasSuffix(".") ? message : message + ".",
                    advice: "The run folder \(runFolder) is marked interrupted. To carry on, run \(command) again: finished stages are cached\(current == .train ? " and training resumes from its checkpoint" : "").")
            }
            throw PipelineError.runFailed(stage: current.rawValue, message: message, runFolder: runFolder)
        }
    }

    /// The stages in order, each cached or run; returns the last line `run` prints.
    private static func runStages(config: EffectiveConfig, keys: StageKeys, cache: StageCache, options: Options, output: ConsoleOutput,
                                  log: RunLog, stop: StopRequest, runFolder: String, started: Date,
                                  records: inout [StageRecord], current: inout PipelineStage) throws -> String {
        func forced(_ stage: PipelineStage) -> Bool { options.force.map { stage >= $0 } ?? false }
        let dataFolder = cache.folder(stage: PipelineStage.generate.rawValue, key: keys.generate)
        // Written from the start and after every stage, so a run that stops half-way still
        // records its config and what it did (for `runs list` and `runs compare`).
        func writeManifest() throws {
            let manifest = RunManifest(name: options.name, created: started, config: config, keys: keys, stages: records,
                                            dataset: dataFolder, runFolder: runFolder, cache: cache, seconds: Date().timeIntervalSince(started))
            try manifest.write(to: runFolder)
        }
        try writeManifest()
        // Entries whose files go into the run folder are checked by content; the data set is
        // read again (and so checked by content) only when training or analysis will read it.
        let trainState = cache.state(stage: PipelineStage.train.rawValue, key: keys.train)
        let analyseState = options.until >= .analyse ? cache.state(stage: PipelineStage.analyse.rawValue, key: keys.analyse) : .valid
        let dataWillBeRead = forced(.train) || trainState != .valid || (options.until >= .analyse && (forced(.analyse) || analyseState != .valid))
        let generateState = cache.state(stage: PipelineStage.generate.rawValue, key: keys.generate, verify: dataWillBeRead ? .content : .metadata)

        // generate
        records.append(try cachedStage(.generate, key: keys.generate, state: generateState, cache: cache, force: forced(.generate), log: log) { partial in
            var job = GenerateStage.job(config: config, output: partial, threads: options.threads)
            job.stop = stop
            let outcome = try GenerateStage.run(job)
            return GenerateStage.summary(outcome).replacingOccurrences(of: partial, with: dataFolder)
        })
        try writeManifest()

        // train
        if options.until >= .train {
            current = .train
            let trainFolder = cache.folder(stage: PipelineStage.train.rawValue, key: keys.train)
            records.append(try cachedStage(.train, key: keys.train, state: trainState, cache: cache, force: forced(.train), log: log) { partial in
                var job = TrainStage.job(config: config, data: dataFolder, out: partial, threads: options.threads, resume: true)
                job.stop = stop
                let outcome = try TrainStage.run(job)
                // The model is the product; the optimiser state only served resuming.
                unlink((partial as NSString).appendingPathComponent(Trainer.checkpointName))
                return TrainStage.summary(outcome, job: job).replacingOccurrences(of: partial, with: trainFolder)
            })
            try RunFolder.link(contentsOf: trainFolder, into: runFolder)
            try writeManifest()
        }

        // analyse
        if options.until >= .analyse {
            current = .analyse
            let trainFolder = cache.folder(stage: PipelineStage.train.rawValue, key: keys.train)
            let analyseFolder = cache.folder(stage: PipelineStage.analyse.rawValue, key: keys.analyse)
            records.append(try cachedStage(.analyse, key: keys.analyse, state: analyseState, cache: cache, force: forced(.analyse), log: log) { partial in
                var job = AnalyseStage.job(config: config, data: dataFolder, model: (trainFolder as NSString).appendingPathComponent(Trainer.modelName),
                                           out: partial, threads: options.threads)
                job.stop = stop
                let outcome = try AnalyseStage.run(job, expected: AnalyseStage.architecture(config: config), console: output)
                return AnalyseStage.summary(outcome).replacingOccurrences(of: partial, with: analyseFolder)
            })
            try RunFolder.link(contentsOf: analyseFolder, into: runFolder)
        }

        // The report reads the manifest (data set, machine, stage timings), so it is written
        // before the report and again after, with the report's own timing and files; the run is
        // complete only when status.json says so.
        try writeManifest()
        var last = runFolder
        if options.until >= .report {
            current = .report
            let reportStarted = Date()
            var job = ReportStage.job(config: config, run: runFolder)
            job.stop = stop
            let figuresEntry = cache.folder(stage: ReportStage.figuresCacheStage, key: keys.reportFigures)
            let reuse = !forced(.report) && cache.state(stage: ReportStage.figuresCacheStage, key: keys.reportFigures) == .valid
            if reuse { job.reusableFigures = (figuresEntry as NSString).appendingPathComponent(ReportFiles.figures) }
            let outcome = try ReportStage.run(job)
            if !reuse {
                do {
                    try ReportStage.keepFigures(of: runFolder, in: cache, key: keys.reportFigures)
                } catch {
                    log.write("note: the report's figures could not be kept in the cache (\(error)); the next run draws them again.\n")
                }
            }
            records.append(StageRecord(name: PipelineStage.report.rawValue, status: .run, seconds: Date().timeIntervalSince(reportStarted), key: nil))
            log.write("report: " + ReportStage.summary(outcome).split(separator: "\n").dropLast().joined(separator: "\n") + "\n")
            last = outcome.index
            if stop.isRequested { throw ReportError.interrupted }
            try writeManifest()
        }
        return last
    }

    /// Removes the temporaries of processes that died (killed runs) where runs make them.
    static func removeLeftovers(cache: StageCache, reportsRoot: String) {
        Folder.removeLeftovers(in: reportsRoot)
        for stage in (try? FileManager.default.contentsOfDirectory(atPath: cache.root)) ?? [] where !stage.hasPrefix(".") {
            Folder.removeLeftovers(in: (cache.root as NSString).appendingPathComponent(stage))
        }
    }

    /// Runs `body` into the stage's partial folder unless a sealed, intact entry exists, then
    /// seals it. A partial folder left by an interrupted run is kept, so training resumes.
    private static func cachedStage(_ stage: PipelineStage, key: String, state: StageCache.EntryState, cache: StageCache, force: Bool, log: RunLog,
                                    body: (String) throws -> String) throws -> StageRecord {
        let name = stage.rawValue
        let started = Date()
        switch state {
        case .valid where !force:
            log.write("\(name): cached (key \(key.prefix(12))).\n")
            return StageRecord(name: name, status: .cached, seconds: Date().timeIntervalSince(started), key: key)
        case .corrupt(let reason):
            log.write("\(name): the cached entry is damaged (\(reason)); running the stage again.\n")
        default:
            break
        }
        if force { try? FileManager.default.removeItem(atPath: cache.partialFolder(stage: name, key: key)) }
        let partial = try cache.preparePartialFolder(stage: name, key: key)
        let summary = try body(partial)
        try cache.seal(partial: partial, stage: name, key: key)
        log.write("\(name): \(summary)\n")
        return StageRecord(name: name, status: .run, seconds: Date().timeIntervalSince(started), key: key)
    }

    private static func dryRun(config: EffectiveConfig, keys: StageKeys, cache: StageCache, stages: [PipelineStage],
                               options: Options, output: ConsoleOutput) -> Outcome {
        let previous = RunStore(root: options.reportsRoot).latestManifest()
        var records: [StageRecord] = []
        var upstreamRuns = false
        for stage in stages {
            let key = keys.key(of: stage)
            let state = key.map { cache.state(stage: stage.rawValue, key: $0) } ?? .missing
            let forced = options.force.map { stage >= $0 } ?? false
            let runs = forced || upstreamRuns || state != .valid || stage == .report
            var reasons: [String] = []
            if forced { reasons.append("forced") }
            if case .corrupt(let why) = state { reasons.append("cache entry damaged: \(why)") }
            if let previous {
                let changed = previous.changedKeys(comparedWith: config, under: StageKeys.configSlices[stage] ?? [])
                if !changed.isEmpty { reasons.append("changed: " + changed.joined(separator: ", ")) }
            }
            if upstreamRuns && stage != .report { reasons.append("an earlier stage runs") }
            if state == .missing && stage != .report && reasons.isEmpty { reasons.append("not in the cache") }
            if stage == .report { reasons.append("always rendered into the new run folder") }
            let place = key.map { "\n    cache entry: " + cache.folder(stage: stage.rawValue, key: $0) } ?? ""
            output.write("\(stage.rawValue): \(runs ? "would run" : "cached")\(reasons.isEmpty ? "" : " (" + reasons.joined(separator: "; ") + ")")\(place)\n")
            records.append(StageRecord(name: stage.rawValue, status: runs ? .wouldRun : .cached, seconds: 0, key: key))
            upstreamRuns = upstreamRuns || (runs && stage != .report)
        }
        // For generating the data set elsewhere (e.g. as shards on a cluster) and letting this
        // run pick it up: shards written here are sealed as this config's data set.
        output.write("shard folder: \(cache.partialFolder(stage: PipelineStage.generate.rawValue, key: keys.generate))\n")
        return Outcome(runFolder: nil, stages: records, summary: "Dry run: nothing was run.")
    }
}

/// The console output of a run, also kept as the run folder's `log.txt`.
final class RunLog: @unchecked Sendable {
    private let console: ConsoleOutput
    private let file: FileHandle?
    private let lock = NSLock()

    /// `path` is created new (never opened through a link); without it, lines go to the
    /// console only.
    static let fileName = "log.txt"

    init(console: ConsoleOutput, path: String) {
        self.console = console
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        file = fd >= 0 ? FileHandle(fileDescriptor: fd, closeOnDealloc: true) : nil
    }

    deinit {
        try? file?.close()
    }

    func write(_ line: String) {
        console.write(line)
        lock.lock()
        try? file?.write(contentsOf: Data(line.utf8))
        lock.unlock()
    }
}

/// Run folders under the reports root.
enum RunFolder {
    /// Creates `root/<YYYYmmdd-HHMMSS>-<name>` (with a numeric suffix if that exists); the
    /// folder is always new (`mkdir`, which never follows a link planted under the name).
    static func create(root: String, name: String) throws -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" }.prefix(60))
        let base = (root as NSString).appendingPathComponent(formatter.string(from: Date()) + "-" + (safeName.isEmpty ? "run" : safeName))
        try PipelineFile.createFolder(root)
        var folder = base
        var suffix = 2
        while mkdir(folder, 0o755) != 0 {
            guard errno == EEXIST, suffix < 10_000 else {
                throw PipelineError.cannotWrite(path: folder, reason: "the run folder cannot be created: \(SystemReason.current(path: folder))")
            }
            folder = base + "-\(suffix)"
            suffix += 1
        }
        return folder
    }

    /// Hard-links (or copies, across file systems) every file of a cache entry into the run
    /// folder, keeping sub-folders and leaving out the entry's seal.
    static func link(contentsOf entry: String, into runFolder: String) throws {
        for relative in try StageCache.files(under: entry) where relative != StageCache.sealName {
            let source = (entry as NSString).appendingPathComponent(relative)
            let destination = (runFolder as NSString).appendingPathComponent(relative)
            try PipelineFile.createFolder((destination as NSString).deletingLastPathComponent)
            do { try AtomicFile.linkOrCopy(source, to: destination) } catch {
                throw PipelineError.cannotWrite(path: error.path, reason: error.reason)
            }
        }
    }
}
