import Foundation
import Storage

/// `asl-lab run --slurm`: the same run as a Slurm batch job. The job runs this very binary
/// with the same config file, `--set`s, name, note, tags, `--force` and `--until`, every path
/// made absolute, and as many threads as Slurm gives it CPUs (`$SLURM_CPUS_PER_TASK`). The
/// script goes to `REPORTS/.slurm/<YYYYmmdd-HHMMSS>-<name>.sbatch` and the job's log beside it
/// as `…-<job id>.log`; the run folder appears under REPORTS when the job runs, and its
/// manifest records the job's id.
public struct SlurmRunJob: Sendable {
    /// `--config`, as given (made absolute here).
    public var configFile: String?
    /// `--set key=value`, in order.
    public var overrides: [String]
    /// The run's own options; `threads` and `dryRun` are not passed on.
    public var run: PipelineRun.Options
    public var slurm: SlurmOptions
    /// The asl-lab the job runs (absolute).
    public var executable: String
    /// Where relative paths are taken from, and where the job runs.
    public var workingDirectory: String

    public init(configFile: String?, overrides: [String], run: PipelineRun.Options, slurm: SlurmOptions,
                executable: String = ToolExecutable.current,
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.configFile = configFile
        self.overrides = overrides
        self.run = run
        self.slurm = slurm
        self.executable = executable
        self.workingDirectory = workingDirectory
    }

    /// `path` made absolute against `workingDirectory`.
    func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true)).standardizedFileURL.path
    }

    /// The `asl-lab run` command the job runs.
    public var command: [ShellWord] {
        var words: [ShellWord] = [.text(executable), "run"]
        if let configFile { words += ["--config", .text(absolute(configFile))] }
        for override in overrides { words += ["--set", .text(override)] }
        words += ["--reports", .text(absolute(run.reportsRoot)), "--cache", .text(absolute(run.cacheRoot)), "--name", .text(run.name)]
        if let note = run.note { words += ["--note", .text(note)] }
        for tag in run.tags { words += ["--tag", .text(tag)] }
        if let force = run.force { words += ["--force", .text(force.rawValue)] }
        if run.until != .report { words += ["--until", .text(run.until.rawValue)] }
        // Slurm sets SLURM_CPUS_PER_TASK only when --cpus-per-task is given; its default is one CPU.
        words += ["--threads", .variable("SLURM_CPUS_PER_TASK", fallback: "1")]
        return words
    }

    /// The folder under the reports root that keeps the scripts and logs of submitted runs.
    public var slurmFolder: String { (absolute(run.reportsRoot) as NSString).appendingPathComponent(".slurm") }

    /// The script's path and the job's log pattern (`%j` is the job id) for a submission at `date`.
    public func paths(at date: Date) -> (script: String, log: String) {
        // Named like the run folder the job will make.
        let base = (slurmFolder as NSString).appendingPathComponent(RunFolder.baseName(name: run.name, date: date))
        var script = base + ".sbatch", suffix = 2
        while FileManager.default.fileExists(atPath: script) {
            script = base + "-\(suffix).sbatch"
            suffix += 1
        }
        return (script, String(script.dropLast(".sbatch".count)) + "-%j.log")
    }

    /// The batch script of the run, logging to `log`.
    public func script(log: String) -> SlurmBatchScript {
        SlurmBatchScript(jobName: "asl-lab-" + run.name, work: .command(command), log: log,
                         workingDirectory: workingDirectory, options: slurm)
    }

    /// Writes the script and submits it, telling `output` the job id, the script and the log;
    /// returns the job's id. With `dryRun`, prints the script instead and writes and submits
    /// nothing (returns nil). Bad labels or Slurm options are refused before anything is written.
    @discardableResult
    public func submit(dryRun: Bool, output: ConsoleOutput, date: Date = Date()) throws -> SlurmJobID? {
        try RunLabels.check(note: run.note, tags: run.tags)
        let (path, log) = paths(at: date)
        let batch = script(log: log)
        let text = try batch.rendered()
        if dryRun {
            output.write(text)
            output.write("Dry run: nothing was submitted; the script would be written to \(path) and the job's log to \(log).\n")
            return nil
        }
        let id = try batch.submit(writingTo: path)
        output.write("Submitted batch job \(id).\n")
        output.write("script: \(path)\n")
        output.write("log: \(log.replacingOccurrences(of: "%j", with: id.value))\n")
        output.write("The run folder appears under \(absolute(run.reportsRoot)) when the job runs; `squeue -j \(id)` shows the job until it ends.\n")
        return id
    }
}
