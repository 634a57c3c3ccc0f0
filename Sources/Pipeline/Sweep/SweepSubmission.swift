import FileFormats
import Foundation
import Storage

/// `asl-lab sweep --slurm`: the members that are not complete go to Slurm as one job array
/// (task i runs member i's `asl-lab run`, every task sharing the cache on a shared file
/// system), then a job that depends on the whole array (`afterany`, so failed members are
/// reported too) writes the sweep report. Scripts and logs go to `SWEEP/slurm/`; the sweep
/// record keeps the job ids and which task ran which member, so the report can point at a
/// failed member's log.
public struct SweepSubmission: Sendable {
    public var plan: SweepPlan
    public var reportsRoot: String
    public var cacheRoot: String
    public var slurm: SlurmOptions
    /// The asl-lab the jobs run (absolute).
    public var executable: String
    public var environment: [String: String]
    /// Draw each data set the members need and the cache lacks as this many shards, a job array
    /// of its own that the members' array waits for (`generate --shard K/N`); nil draws it in the
    /// first member that needs it.
    public var shards: Int?

    public init(plan: SweepPlan, reportsRoot: String, cacheRoot: String, slurm: SlurmOptions, shards: Int? = nil,
                executable: String = ToolExecutable.current, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.shards = shards
        self.plan = plan
        self.reportsRoot = SweepRun.absolute(reportsRoot)
        self.cacheRoot = SweepRun.absolute(cacheRoot)
        self.slurm = slurm
        self.executable = executable
        self.environment = environment
    }

    /// The member task's command.
    func command(_ member: SweepPlan.Member, folder: SweepFolder) -> [ShellWord] {
        [.text(executable), "run", "--config", .text(folder.memberConfig(member.name)), "--reports", .text(folder.path),
         "--cache", .text(cacheRoot), "--name", .text(member.name), "--threads", .variable("SLURM_CPUS_PER_TASK", fallback: "1"),
         "--tag", .text(MemberLauncher.tag(sweep: plan.name)), "--note", .text(MemberLauncher.note(member.label))]
    }

    /// The array of `members` and the report job after it (its dependency added at submission).
    func scripts(_ members: [SweepPlan.Member], folder: SweepFolder) -> (members: SlurmBatchScript, report: SlurmBatchScript) {
        let logs = (folder.path as NSString).appendingPathComponent("slurm")
        let array = SlurmBatchScript(jobName: "asl-sweep-" + plan.name, work: .arrayOfCommands(members.map { command($0, folder: folder) }),
                                     log: logs + "/member-%A-%a.log", workingDirectory: folder.path, options: slurm)
        let report = SlurmBatchScript(jobName: "asl-sweep-" + plan.name + "-report",
                                      work: .command([.text(executable), "report", "--sweep", .text(folder.path)]),
                                      log: logs + "/report-%j.log", workingDirectory: folder.path,
                                      options: SlurmOptions(partition: slurm.partition, time: slurm.time))
        return (array, report)
    }

    /// One shard array per data set that `members` need and the cache does not hold: task K of
    /// N runs `generate --shard K/N` straight into the folder the members' runs seal as that
    /// data set (the last shard to finish assembles it).
    func shardScripts(_ members: [SweepPlan.Member], folder: SweepFolder) -> [SlurmBatchScript] {
        guard let shards else { return [] }
        let cache = StageCache(root: cacheRoot)
        var seen = Set<String>()
        var scripts: [SlurmBatchScript] = []
        // A user's folder has nothing to draw.
        for member in members where FolderDataStage.folder(of: member.config) == nil {
            let key = StageKeys(config: member.config).generate
            guard seen.insert(key).inserted, cache.state(stage: StageTable[.generate].cacheFolder, key: key, verify: .metadata) != .valid else { continue }
            let out = cache.partialFolder(stage: StageTable[.generate].cacheFolder, key: key)
            scripts.append(SlurmBatchScript(
                jobName: "asl-sweep-\(plan.name)-generate", work: .array(count: shards, command: [
                    .text(executable), "generate", "--config", .text(folder.memberConfig(member.name)), "--out", .text(out),
                    "--shard", .variable("SLURM_ARRAY_TASK_ID") + .text("/\(shards)"), "--threads", .variable("SLURM_CPUS_PER_TASK", fallback: "1")]),
                log: (folder.path as NSString).appendingPathComponent("slurm") + "/generate-%A-%a.log", workingDirectory: folder.path, options: slurm))
        }
        return scripts
    }

    /// Submits the sweep (or with `dryRun` prints its scripts, writing and submitting nothing);
    /// returns the last line `sweep` prints: the sweep report's path.
    public func submit(dryRun: Bool, output: ConsoleOutput) throws -> String {
        try slurm.validate()
        if !dryRun, Sbatch.program("sbatch", environment: environment) == nil { throw PipelineError.slurmNotInstalled(program: "sbatch") }
        let existing = SweepFolder.existing(hash: plan.hash, reportsRoot: reportsRoot)
        let states = existing.flatMap { folder in folder.record.map { folder.states(of: $0) } } ?? [:]
        let pending = plan.members.filter { states[$0.name]?.isComplete != true && states[$0.name]?.state != .running }
        let complete = plan.members.count - pending.count
        if dryRun {
            let folder = existing ?? SweepFolder(path: (reportsRoot as NSString).appendingPathComponent("<stamp>-sweep-\(plan.name)"))
            guard !pending.isEmpty else {
                return "Dry run: every member is complete in \(folder.path); nothing would be submitted."
            }
            let (array, report) = scripts(pending, folder: folder)
            for (i, shard) in shardScripts(pending, folder: folder).enumerated() {
                output.write("# \(folder.path)/slurm/generate-\(i + 1).sbatch: a data set the members need, in \(shards ?? 0) shards\n")
                output.write(try shard.rendered())
                output.write("\n")
            }
            output.write("# \(folder.path)/slurm/members.sbatch: \(Count.of(pending.count, "member")) as one job array"
                         + (complete > 0 ? " (\(complete) already complete)" : "") + "\n")
            output.write(try array.rendered())
            output.write("\n# \(folder.path)/slurm/report.sbatch, submitted with --dependency=afterany:<the array's job id>\n")
            output.write(try report.rendered())
            return "Dry run: nothing was written or submitted."
        }

        let folder = try existing ?? SweepFolder(path: RunFolder.create(root: reportsRoot, name: "sweep-" + plan.name))
        let created = existing?.record?.created ?? ISO8601DateFormatter().string(from: Date())
        let configs = plan.members.map { ($0.name, $0.config.yaml) }
        guard !pending.isEmpty else {
            try folder.write(plan.record(created: created, slurm: existing?.record?.slurm), memberConfigs: configs)
            output.write("Every member of the sweep is complete in \(folder.path); nothing was submitted.\n")
            return try SweepReport.write(folder: folder.path)
        }
        try folder.write(plan.record(created: created), memberConfigs: configs)
        let (array, report) = scripts(pending, folder: folder)
        let stamp = RunFolder.stamp(Date())
        let slurmFolder = (folder.path as NSString).appendingPathComponent("slurm")
        var shardJobs: [SlurmJobID] = []
        for (i, shard) in shardScripts(pending, folder: folder).enumerated() {
            shardJobs.append(try shard.submit(writingTo: slurmFolder + "/generate-\(stamp)-\(i + 1).sbatch", environment: environment))
        }
        // afterany: a member whose data set's shards failed draws what is missing itself.
        var members = array
        members.afterAny = shardJobs
        let arrayJob = try members.submit(writingTo: slurmFolder + "/members-\(stamp).sbatch", environment: environment)
        var dependent = report
        dependent.afterAny = [arrayJob]
        let reportJob: SlurmJobID
        do {
            reportJob = try dependent.submit(writingTo: slurmFolder + "/report-\(stamp).sbatch", environment: environment)
        } catch {
            throw PipelineError.slurmFailed(action: "submit the sweep report's job after the members' array job \(arrayJob)",
                                            detail: "\(error) The members are queued; when they have ended, `asl-lab report --sweep \(folder.path)` writes the report.")
        }
        let tasks = Dictionary(uniqueKeysWithValues: pending.enumerated().map { ($1.name, $0 + 1) })
        let jobs = SweepRecord.SlurmJobs(arrayJob: arrayJob.value, reportJob: reportJob.value, logPattern: array.log, tasks: tasks)
        try folder.write(plan.record(created: created, slurm: jobs), memberConfigs: configs)
        if !shardJobs.isEmpty {
            output.write("Submitted \(Count.of(shardJobs.count, "data set")) to draw in \(shards ?? 0) shards each as job\(shardJobs.count == 1 ? "" : "s") "
                         + shardJobs.map(\.value).joined(separator: ", ") + "; the members wait for them.\n")
        }
        output.write("Submitted \(Count.of(pending.count, "member")) as Slurm array job \(arrayJob) (tasks 1-\(pending.count))"
                     + (complete > 0 ? "; \(complete) already complete" : "") + ".\n")
        output.write("Submitted the sweep report as job \(reportJob); it starts when every task has ended.\n")
        output.write("logs: \(slurmFolder)/member-\(arrayJob)-<task>.log, \(slurmFolder)/report-\(reportJob).log\n")
        // The report exists from now on, saying which members are queued.
        let page = try SweepReport.write(folder: folder.path)
        try? RunStore(root: reportsRoot).writeIndex()
        return page
    }
}
