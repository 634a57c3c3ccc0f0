import AtomicIO
import BuildInfo
import Configuration
import FileFormats
import Foundation
import Interrupt
import Storage

/// `asl-lab sweep`: runs the members of a `SweepPlan`, each as an ordinary `asl-lab run` (its
/// own process, run folder, manifest and report) inside the sweep folder, all sharing one
/// cache, then writes the sweep report. Members already complete in the sweep's folder are not
/// run again; a member that fails does not stop the others.
public enum SweepRun {
    public struct Options: Sendable {
        public var reportsRoot: String
        public var cacheRoot: String
        /// Members run at once (`--jobs`); the threads are split between them.
        public var jobs: Int
        /// Threads in all (default: every core).
        public var threads: Int?
        public var dryRun: Bool
        /// The `asl-lab` binary that runs each member.
        public var executable: String
        public var templates: String?
        /// Asks the sweep to stop (besides SIGINT and SIGTERM).
        public var stop: StopRequest?

        public init(reportsRoot: String, cacheRoot: String, jobs: Int = 1, threads: Int? = nil, dryRun: Bool = false,
                    executable: String, templates: String? = nil) {
            self.reportsRoot = reportsRoot
            self.cacheRoot = cacheRoot
            self.jobs = jobs
            self.threads = threads
            self.dryRun = dryRun
            self.executable = executable
            self.templates = templates
        }
    }

    public struct Outcome: Sendable {
        /// Nil for a dry run.
        public var folder: String?
        /// Members run now, and members found complete.
        public var ran: [String]
        public var alreadyComplete: [String]
        public var failed: [String]
        /// The last line `sweep` prints: the sweep report's index.html (or what a dry run did).
        public var summary: String
    }

    public static func run(_ plan: SweepPlan, options: Options, output: ConsoleOutput) throws -> Outcome {
        guard options.jobs >= 1 else { throw SweepError.badOption("--jobs must be at least 1, but got \(options.jobs).") }
        let reportsRoot = absolute(options.reportsRoot)
        let cacheRoot = absolute(options.cacheRoot)
        let existing = SweepFolder.existing(hash: plan.hash, reportsRoot: reportsRoot)
        if options.dryRun { return try dryRun(plan, folder: existing, cacheRoot: cacheRoot, output: output) }

        let folder = try existing ?? SweepFolder(path: RunFolder.create(root: reportsRoot, name: "sweep-" + plan.name))
        let created = existing?.record?.created ?? ISO8601DateFormatter().string(from: Date())
        // Members run here now: their logs are their console output, not a Slurm task's.
        let record = plan.record(created: created)
        try folder.write(record, memberConfigs: plan.members.map { ($0.name, $0.config.yaml) })
        let before = folder.states(of: record)
        let done = plan.members.filter { before[$0.name]?.isComplete == true }.map(\.name)
        let pending = plan.members.filter { before[$0.name]?.isComplete != true && before[$0.name]?.state != .running }
        let elsewhere = plan.members.filter { before[$0.name]?.state == .running }.map(\.name)
        output.write("Sweep \(folder.path): \(Count.of(plan.members.count, "member"))"
                     + (done.isEmpty ? "" : ", \(done.count) already complete") + (elsewhere.isEmpty ? "" : ", \(elsewhere.count) running elsewhere")
                     + ", \(pending.count) to run.\n")

        let signals = StopSignals(console: output, request: options.stop ?? StopRequest())
        defer { withExtendedLifetime(signals) {} }
        let cores = options.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let jobs = min(options.jobs, max(1, pending.count))
        // Data sets that members share are drawn once, with every thread, before the members
        // run side by side (each would otherwise draw it on its share of the threads, or wait).
        if jobs > 1 {
            var prepared = Set<String>()
            // A user's folder has nothing to draw.
            for member in pending where FolderDataStage.folder(of: member.config) == nil
                && prepared.insert(StageKeys(config: member.config).generate).inserted {
                _ = try PipelineRun.prepareEntries(until: .generate, config: member.config, cacheRoot: cacheRoot, threads: cores,
                                                   stop: signals.request, output: output)
            }
        }
        let launcher = MemberLauncher(executable: options.executable, folder: folder, cacheRoot: cacheRoot,
                                      threads: max(1, cores / jobs), sweepName: plan.name)
        let results = try launcher.run(pending, jobs: jobs, stop: signals.request, output: output)

        let report = try? SweepReport.write(folder: folder.path, templates: options.templates)
        try? RunStore(root: reportsRoot).writeIndex()
        let after = folder.states(of: record)
        let failed = plan.members.filter { after[$0.name]?.isComplete != true && !elsewhere.contains($0.name) }.map(\.name)
        if signals.request.isRequested {
            throw PipelineError.interrupted(what: "the sweep", detail: "Members that were running were stopped and are marked interrupted.",
                                            advice: "Run the same `asl-lab sweep` command again to carry on: complete members are kept and finished stages are cached.")
        }
        guard failed.isEmpty else {
            throw SweepError.membersFailed(failed: failed, sweepFolder: folder.path, report: report)
        }
        return Outcome(folder: folder.path, ran: results.map(\.member), alreadyComplete: done, failed: [],
                       summary: report ?? folder.path)
    }

    /// `--dry-run`: every member, whether the sweep's folder holds it complete, and for each of
    /// its stages whether the cache holds the output (decided as a run decides it).
    static func dryRun(_ plan: SweepPlan, folder: SweepFolder?, cacheRoot: String, output: ConsoleOutput) throws -> Outcome {
        let states = folder.flatMap { f in f.record.map { f.states(of: $0) } } ?? [:]
        let cache = StageCache(root: cacheRoot)
        output.write("Sweep \"\(plan.name)\" (\(plan.mode.rawValue)): \(Count.of(plan.members.count, "member"))"
                     + (folder.map { "; its folder \($0.path) exists" } ?? "; a new sweep folder") + ".\n")
        var complete: [String] = []
        for member in plan.members {
            let state = states[member.name]
            if state?.isComplete == true { complete.append(member.name) }
            let keys = try StageKeys.of(member.config, cacheRoot: cacheRoot)
            let stages = StageTable.stages.filter { $0.output != .runFolder }.map { definition in
                let cached = cache.state(stage: definition.cacheFolder, key: keys[definition.stage], verify: .metadata) == .valid
                return "\(definition.stage.rawValue) \(cached ? "cached" : "will run")"
            }
            output.write("\(member.name)  \(member.label)\n    \(state?.isComplete == true ? "complete in this sweep's folder: not run again" : "to run: " + stages.joined(separator: ", ") + ", report")\n")
        }
        let summary = "Dry run: nothing was run (\(plan.members.count - complete.count) of \(plan.members.count) members would run)."
        return Outcome(folder: nil, ran: [], alreadyComplete: complete, failed: [], summary: summary)
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
