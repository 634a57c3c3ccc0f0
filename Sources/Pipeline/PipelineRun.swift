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
        /// The user's words on the run and its labels (`--note`, `--tag`), kept in its manifest.
        public var note: String?
        public var tags: [String]

        public init(reportsRoot: String, cacheRoot: String, name: String, threads: Int? = nil,
                    force: PipelineStage? = nil, until: PipelineStage = .report, dryRun: Bool = false, command: String? = nil,
                    note: String? = nil, tags: [String] = []) {
            self.command = command
            self.note = note
            self.tags = tags
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
        try RunLabels.check(note: options.note, tags: options.tags)
        let cacheRoot = URL(fileURLWithPath: options.cacheRoot).standardizedFileURL.path
        // A user's data set is keyed by its content (`--force generate` rehashes every file).
        let fingerprint = try FolderDataStage.fingerprint(config: config, cacheRoot: cacheRoot, verify: options.force == .generate)
        let keys = StageKeys(config: config, dataFingerprint: fingerprint?.hash)
        let cache = StageCache(root: cacheRoot)
        if options.dryRun { return dryRun(config: config, keys: keys, cache: cache, options: options, output: output) }

        // Everything the run prints goes through the log, which starts its file once the run
        // folder exists.
        let log = RunLog(console: output)
        let signals = StopSignals(console: log.console, request: options.stop ?? StopRequest())
        // Shared with other runs (each entry has its own lock); only `cache prune` and `cache
        // verify`, which remove entries, take the cache alone.
        let lock = try CacheLock(cacheRoot: options.cacheRoot, mode: .shared, stop: signals.request) {
            output.write("`asl-lab cache prune` or `cache verify` is working on the cache \(options.cacheRoot); waiting for it to finish…\n")
        }
        defer { withExtendedLifetime((lock, signals)) {} }
        removeLeftovers(cache: cache, reportsRoot: options.reportsRoot)

        let started = Date()
        let runFolder = try RunFolder.create(root: options.reportsRoot, name: options.name)
        var status = RunStatus.starting(command: options.command)
        try status.write(to: runFolder, durability: .powerLoss)
        log.open(path: (runFolder as NSString).appendingPathComponent(RunLog.fileName))
        var records: [StageRecord] = []
        var current = PipelineStage.generate
        let live = LiveReport(job: ReportStage.job(config: config, run: runFolder), note: { log.write($0) })
        // Whether the report stage wrote the final pages over the ones drawn during training.
        let reportWritten = { records.contains { $0.name == PipelineStage.report.rawValue } }
        do {
            try AtomicFile.write(Data(config.yaml.utf8), to: (runFolder as NSString).appendingPathComponent("config.yaml"))
            let last = try runStages(config: config, keys: keys, cache: cache, options: options, log: log, live: live,
                                     stop: signals.request, runFolder: runFolder, started: started, records: &records, current: &current)
            status = status.with(.complete)
            // Pages drawn while training, of a run that ends before its report (--until), say so.
            live.ended(status, reportWritten: reportWritten())
            // Everything the run folder holds is on the device before it is called complete.
            try Folder.syncFileSystem(containing: runFolder)
            try status.write(to: runFolder, durability: .powerLoss)
            try? RunStore(root: options.reportsRoot).writeIndex()
            log.write("Run folder: \(runFolder)\n")
            return Outcome(runFolder: runFolder, stages: records, summary: last)
        } catch {
            let interrupted = Interruption.isInterruption(error)
            let message = "\(error)"
            status = status.with(interrupted ? .interrupted : .failed, stage: current.rawValue, reason: message)
            try? status.write(to: runFolder, durability: .powerLoss)
            // Pages drawn while training no longer say "in progress".
            live.ended(status, reportWritten: reportWritten())
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

    /// The stages of the table in order, up to `--until`, each cached or run; returns the last
    /// line `run` prints (the report's index.html, else the run folder).
    private static func runStages(config: EffectiveConfig, keys: StageKeys, cache: StageCache, options: Options,
                                  log: RunLog, live: LiveReport, stop: StopRequest, runFolder: String, started: Date,
                                  records: inout [StageRecord], current: inout PipelineStage) throws -> String {
        let stages = StageTable.stages.filter { $0.stage <= options.until }
        let states = entryStates(of: stages, keys: keys, cache: cache, force: options.force)
        var context = StageContext(config: config, keys: keys, cache: cache, threads: options.threads, stop: stop, console: log.console, errors: log.errors,
                                   runFolder: runFolder, reuseFigures: options.force.map { PipelineStage.report < $0 } ?? true,
                                   note: { log.write($0) }, live: live)
        context.preparedImages = preparedImages(stages: stages, states: states, force: options.force, config: config)
        // Written from the start and after every stage, so a run that stops half-way still
        // records its config and what it did (for `runs list` and `runs compare`). The report
        // reads it too (data set, machine, stage timings).
        let (machine, git) = (RunManifest.Machine.current, RunManifest.Git.ofThisBuild)
        func writeManifest() throws {
            try RunManifest(name: options.name, created: started, config: config, keys: keys, stages: records,
                            dataset: context.dataFolder, runFolder: runFolder, cache: cache,
                            seconds: Date().timeIntervalSince(started), machine: machine, git: git,
                            note: options.note, tags: options.tags,
                            reportWritten: records.contains { $0.name == PipelineStage.report.rawValue }).write(to: runFolder)
        }
        try writeManifest()
        var last = runFolder
        for definition in stages {
            current = definition.stage
            let forced = options.force.map { definition.stage >= $0 } ?? false
            switch definition.output {
            case .cacheEntry(let linked):
                records.append(try cachedStage(definition, key: keys[definition.stage], state: states[definition.stage]!, force: forced,
                                               context: context, log: log))
                if linked { try RunFolder.link(contentsOf: context.folder(of: definition.stage), into: runFolder) }
            case .runFolder:
                let started = Date()
                log.write("\(definition.stage.rawValue): " + (try definition.perform(context, runFolder)) + "\n")
                // The key names the figures it keeps in the cache, so `cache prune` knows they are used.
                records.append(StageRecord(name: definition.stage.rawValue, status: .run, seconds: Date().timeIntervalSince(started),
                                           key: keys[definition.stage]))
                last = (runFolder as NSString).appendingPathComponent(ReportFiles.index)
            }
            try writeManifest()
        }
        return last
    }

    /// Computes the cache entries of the stages up to `last` that the cache does not hold yet,
    /// without a run folder; returns one line per stage. A sweep draws each data set its members
    /// share this way, once and with every thread, before the members run side by side.
    public static func prepareEntries(until last: PipelineStage, config: EffectiveConfig, cacheRoot: String, threads: Int?,
                                      stop: StopRequest, output: ConsoleOutput) throws -> [StageRecord] {
        let lock = try CacheLock(cacheRoot: cacheRoot, mode: .shared, stop: stop) {
            output.write("`asl-lab cache prune` or `cache verify` is working on the cache \(cacheRoot); waiting for it to finish…\n")
        }
        defer { withExtendedLifetime(lock) {} }
        let keys = try StageKeys.of(config, cacheRoot: cacheRoot)
        let cache = StageCache(root: URL(fileURLWithPath: cacheRoot).standardizedFileURL.path)
        let stages = StageTable.stages.filter { $0.stage <= last && $0.output != .runFolder }
        let states = entryStates(of: stages, keys: keys, cache: cache, force: nil)
        let log = RunLog(console: output)
        var context = StageContext(config: config, keys: keys, cache: cache, threads: threads, stop: stop, console: log.console, errors: log.errors,
                                   runFolder: "", reuseFigures: true, note: { log.write($0) },
                                   live: LiveReport(job: ReportStage.job(config: config, run: ""), note: { _ in }))
        context.preparedImages = preparedImages(stages: stages, states: states, force: nil, config: config)
        return try stages.map { definition in
            try cachedStage(definition, key: keys[definition.stage], state: states[definition.stage]!, force: false, context: context, log: log)
        }
    }

    /// A place for the generate stage's images when it draws a data set that the train stage
    /// of this process then trains on (both run), so training takes them instead of decoding
    /// its files; else nil.
    static func preparedImages(stages: [StageDefinition], states: [PipelineStage: StageCache.EntryState], force: PipelineStage?,
                               config: EffectiveConfig) -> PreparedImages? {
        func runs(_ stage: PipelineStage) -> Bool {
            stages.contains { $0.stage == stage } && (states[stage] != .valid || force.map { stage >= $0 } == true)
        }
        guard FolderDataStage.folder(of: config) == nil, runs(.generate), runs(.train) else { return nil }
        let typed = Config(config), side = typed.train.inputSize
        // A data set too large to hold is left to loading, which says so.
        guard ImageDataset.fitsInMemory(images: typed.data.imageCount, inputSize: side) else { return nil }
        return PreparedImages(inputSize: side, paths: DatasetGenerator.relativePaths(typed.data))
    }

    /// The state of every cached stage's entry. Entries whose files go into the run folder are
    /// checked by content; an entry another stage reads (the data set) is checked by content
    /// only when a stage that reads it will run, and by size and time otherwise.
    static func entryStates(of stages: [StageDefinition], keys: StageKeys, cache: StageCache,
                            force: PipelineStage?) -> [PipelineStage: StageCache.EntryState] {
        var states: [PipelineStage: StageCache.EntryState] = [:]
        var readByARunningStage: Set<PipelineStage> = []
        for definition in stages.reversed() {
            let linked = definition.output == .cacheEntry(linked: true)
            let verify: StageCache.Verification = linked || readByARunningStage.contains(definition.stage) ? .content : .metadata
            let state = cache.state(stage: definition.cacheFolder, key: keys[definition.stage], verify: verify)
            states[definition.stage] = state
            let runs = definition.output == .runFolder || state != .valid || force.map { definition.stage >= $0 } == true
            if runs { readByARunningStage.formUnion(definition.reads) }
        }
        return states
    }

    /// Removes the temporaries of processes that died (killed runs) where runs make them.
    static func removeLeftovers(cache: StageCache, reportsRoot: String) {
        Folder.removeLeftovers(in: reportsRoot)
        cache.removeLeftovers()
    }

    /// Runs a stage into its partial folder unless a sealed, intact entry exists, then seals
    /// it. A partial folder left by an interrupted run is kept, so training resumes.
    private static func cachedStage(_ definition: StageDefinition, key: String, state: StageCache.EntryState, force: Bool,
                                    context: StageContext, log: RunLog) throws -> StageRecord {
        let name = definition.stage.rawValue
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
        let cache = context.cache
        // One run computes an entry; another run needing it waits, then finds it sealed.
        let lock = try CacheEntryLock(cacheRoot: cache.root, stage: definition.cacheFolder, key: key, stop: context.stop) {
            log.write("\(name): another run is computing this stage's output (key \(key.prefix(12))); waiting to reuse it…\n")
        }
        defer { withExtendedLifetime(lock) {} }
        // An entry that was missing may have been sealed by the run this one waited for; one
        // found damaged is computed again whatever its metadata says now.
        if !force, state == .missing, cache.state(stage: definition.cacheFolder, key: key, verify: .metadata) == .valid {
            log.write("\(name): cached (key \(key.prefix(12)), computed by another run meanwhile).\n")
            return StageRecord(name: name, status: .cached, seconds: Date().timeIntervalSince(started), key: key)
        }
        if force { try? FileManager.default.removeItem(atPath: cache.partialFolder(stage: definition.cacheFolder, key: key)) }
        let partial = try cache.preparePartialFolder(stage: definition.cacheFolder, key: key)
        let summary = try definition.perform(context, partial)
        try cache.seal(partial: partial, stage: definition.cacheFolder, key: key)
        log.write("\(name): \(summary)\n")
        return StageRecord(name: name, status: .run, seconds: Date().timeIntervalSince(started), key: key)
    }

    /// `--dry-run`: for each stage, whether the cache holds its output for this config (cached)
    /// or the stage will run, decided exactly as a run decides it: by the cache, never by the
    /// previous run folder. The config keys that changed since the last run follow, for
    /// information only.
    private static func dryRun(config: EffectiveConfig, keys: StageKeys, cache: StageCache, options: Options, output: ConsoleOutput) -> Outcome {
        let stages = StageTable.stages.filter { $0.stage <= options.until }
        let states = entryStates(of: stages, keys: keys, cache: cache, force: options.force)
        var records: [StageRecord] = []
        for definition in stages {
            let stage = definition.stage
            let state = states[stage]!
            let cachedEntry = definition.output != .runFolder
            let forced = options.force.map { stage >= $0 } ?? false
            // The same rule as `cachedStage`: a sealed, intact entry is used unless forced.
            let runs = !cachedEntry || forced || state != .valid
            var reasons: [String] = []
            if !cachedEntry {
                reasons.append("always rendered into the new run folder")
            } else {
                if forced { reasons.append("forced") }
                switch state {
                case .corrupt(let why): reasons.append("the cache entry is damaged: \(why)")
                case .missing: reasons.append("not in the cache")
                default: if !forced { reasons.append("the cache holds its output") }
                }
            }
            let place = cachedEntry ? "\n    cache entry: " + cache.folder(stage: definition.cacheFolder, key: keys[stage]) : ""
            output.write("\(stage.rawValue): \(runs ? "will run" : "cached") (" + reasons.joined(separator: "; ") + ")\(place)\n")
            records.append(StageRecord(name: stage.rawValue, status: runs ? .wouldRun : .cached, seconds: 0, key: cachedEntry ? keys[stage] : nil))
        }
        if let previous = RunStore(root: options.reportsRoot).latestManifest() {
            let changed = previous.changedKeys(comparedWith: config, under: StageTable.configKeys(reachedBy: options.until))
            output.write(changed.isEmpty ? "Config: the same as the last run's (\(previous.name)).\n"
                         : "Config keys changed since the last run (\(previous.name)): \(changed.joined(separator: ", ")).\n")
        }
        // For generating the data set elsewhere (e.g. as shards on a cluster) and letting this
        // run pick it up: shards written here are sealed as this config's data set.
        output.write("shard folder: \(cache.partialFolder(stage: StageTable[.generate].cacheFolder, key: keys.generate))\n")
        return Outcome(runFolder: nil, stages: records, summary: "Dry run: nothing was run.")
    }
}

/// The console output of a run, also kept as the run folder's `log.txt`: every line the run
/// prints on standard output or standard error (stage results, epoch lines, notes, the final
/// bar of each progress display), appended as it is printed, so a reader of a running run's
/// folder sees how far it got. Live progress-bar redraws are left out.
final class RunLog: @unchecked Sendable {
    static let fileName = "log.txt"

    /// The run's output and standard error, each also appending to the log once it is open.
    let console: ConsoleOutput
    let errors: ConsoleOutput
    private let appender: Appender

    init(console: ConsoleOutput, errors: ConsoleOutput = .standardError) {
        let appender = Appender()
        self.appender = appender
        self.console = console.teeing(into: { appender.append($0) })
        self.errors = errors.teeing(into: { appender.append($0) })
    }

    /// Starts the log file at `path`, created new (never opened through a link); lines printed
    /// before it exists reach the console only.
    func open(path: String) {
        appender.open(path: path)
    }

    /// Prints `line` on the run's output and appends it to the log.
    func write(_ line: String) {
        console.write(line)
    }

    /// The file end of the log, shared by both outputs.
    private final class Appender: @unchecked Sendable {
        private var file: FileHandle?
        private let lock = NSLock()

        func open(path: String) {
            let fd = Foundation.open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            lock.withLock { file = fd >= 0 ? FileHandle(fileDescriptor: fd, closeOnDealloc: true) : nil }
        }

        func append(_ text: String) {
            lock.withLock { try? file?.write(contentsOf: Data(text.utf8)) }
        }

        deinit {
            try? file?.close()
        }
    }
}

/// Run folders under the reports root.
enum RunFolder {
    /// Creates `root/<YYYYmmdd-HHMMSS>-<name>` (with a numeric suffix if that exists); the
    /// folder is always new (`mkdir`, which never follows a link planted under the name).
    static func create(root: String, name: String) throws -> String {
        let base = (root as NSString).appendingPathComponent(baseName(name: name, date: Date()))
        try Folder.create(root)
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

    /// "YYYYmmdd-HHMMSS", local time: how run folders, sweep folders and Slurm scripts start.
    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: date)
    }

    /// "<stamp>-<name>", the name made safe for a file name ("run" if nothing is left of it).
    static func baseName(name: String, date: Date) -> String {
        let safeName = PathText.fileNamePart(name)
        return stamp(date) + "-" + (safeName.isEmpty ? "run" : safeName)
    }

    /// Hard-links (or copies, across file systems) every file of a cache entry into the run
    /// folder, keeping sub-folders and leaving out the entry's seal.
    static func link(contentsOf entry: String, into runFolder: String) throws {
        for relative in try StageCache.files(under: entry) where relative != StageCache.sealName {
            let source = (entry as NSString).appendingPathComponent(relative)
            let destination = (runFolder as NSString).appendingPathComponent(relative)
            try Folder.create(PathText.parent(destination))
            try AtomicFile.linkOrCopy(source, to: destination)
        }
    }
}
