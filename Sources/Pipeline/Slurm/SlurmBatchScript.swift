import AtomicIO
import Foundation

/// An sbatch script: `#SBATCH` lines for the job's name, log, working folder, resources, array and
/// dependency, then the work as POSIX shell with every argument quoted. Rendering refuses values
/// Slurm could not take (a newline, a backslash in a path, a bad `--time`), naming the option.
///
/// `asl-lab sweep --slurm` submits its members as one array and the sweep report after them:
///
///     let asl = ToolExecutable.current
///     let members = SlurmBatchScript(
///         jobName: "sweep-lr",
///         work: .arrayOfCommands(names.indices.map { i in
///             [.text(asl), "run", "--config", .text("\(sweep)/members/\(names[i]).yaml"), "--reports", .text(sweep),
///              "--cache", .text(cache), "--name", .text(names[i]), "--threads", .variable("SLURM_CPUS_PER_TASK", fallback: "1")]
///         }),
///         log: "\(sweep)/.slurm/member-%a-%A.log", workingDirectory: sweep, options: slurm)
///     let array = try members.submit(writingTo: "\(sweep)/.slurm/members.sbatch")
///     let report = SlurmBatchScript(jobName: "sweep-lr-report", work: .command([.text(asl), "report", "--sweep", .text(sweep)]),
///                                   log: "\(sweep)/.slurm/report-%j.log", workingDirectory: sweep,
///                                   options: SlurmOptions(partition: slurm.partition, time: slurm.time), afterAny: [array])
///     let last = try report.submit(writingTo: "\(sweep)/.slurm/report.sbatch")
///
/// Task `i` of an array (1…N) runs `.array`'s command with `$SLURM_ARRAY_TASK_ID` = `i`, or
/// `.arrayOfCommands`'s command `i - 1` (for members whose arguments differ by more than a number).
public struct SlurmBatchScript: Sendable, Equatable {
    /// What the job runs.
    public enum Work: Sendable, Equatable {
        /// One command.
        case command([ShellWord])
        /// A job array of tasks 1…`count`, each running `command`, which tells them apart by
        /// `.variable("SLURM_ARRAY_TASK_ID")`.
        case array(count: Int, command: [ShellWord])
        /// A job array with one task per command: task `i` runs `commands[i - 1]`.
        case arrayOfCommands([[ShellWord]])
    }

    /// `--job-name`: what `squeue` shows.
    public var jobName: String
    public var work: Work
    /// `--output`: the log file of the job's standard output and error, best absolute. Slurm fills
    /// in `%j` (job id), `%A` (array job id) and `%a` (task id); other `%` signs are kept as
    /// they are.
    public var log: String
    /// `--chdir`: the folder the job runs in (Slurm's default: the folder sbatch ran in).
    public var workingDirectory: String?
    public var options: SlurmOptions
    /// `--dependency=afterany:…`: the job starts once all these have ended, however they ended
    /// (for an array, all its tasks).
    public var afterAny: [SlurmJobID]

    public init(jobName: String, work: Work, log: String, workingDirectory: String? = nil,
                options: SlurmOptions = SlurmOptions(), afterAny: [SlurmJobID] = []) {
        self.jobName = jobName
        self.work = work
        self.log = log
        self.workingDirectory = workingDirectory
        self.options = options
        self.afterAny = afterAny
    }

    /// The number of array tasks, or nil for a single job.
    public var arrayCount: Int? {
        switch work {
        case .command: return nil
        case .array(let count, _): return count
        case .arrayOfCommands(let commands): return commands.count
        }
    }

    /// The script's text.
    public func rendered() throws(PipelineError) -> String {
        try options.validate()
        if let count = arrayCount, count < 1 {
            throw .badSlurmOption(option: "--array", value: String(count), expected: "a job array needs at least one task")
        }
        var lines = ["#!/bin/sh"]
        func directive(_ option: String, _ value: String, path: Bool = false) throws(PipelineError) {
            if value.isEmpty || value.contains(where: \.isNewline) || (path && value.contains("\\")) {
                throw .badSlurmOption(option: option, value: value, expected: path ? "a path for Slurm must not be empty or hold a newline or a backslash"
                                                                                  : "the value must not be empty or hold a newline")
            }
            lines.append("#SBATCH \(option)=\(Self.directiveQuote(value))")
        }
        try directive("--job-name", jobName)
        try directive("--output", Self.keepingSlurmPatterns(log), path: true)
        if let workingDirectory { try directive("--chdir", workingDirectory, path: true) }
        if let partition = options.partition { try directive("--partition", partition) }
        if let time = options.time { try directive("--time", time) }
        if let cpus = options.cpusPerTask { try directive("--cpus-per-task", String(cpus)) }
        if let count = arrayCount { try directive("--array", "1-\(count)") }
        if !afterAny.isEmpty { try directive("--dependency", "afterany:" + afterAny.map(\.value).joined(separator: ":")) }
        lines.append("# Written by asl-lab; submit it with `sbatch --parsable FILE`.")
        lines.append("set -eu")
        switch work {
        case .command(let command), .array(_, let command):
            lines.append("exec " + Self.line(command))
        case .arrayOfCommands(let commands):
            lines.append("case \"${SLURM_ARRAY_TASK_ID:-}\" in")
            for (i, command) in commands.enumerated() { lines.append("  \(i + 1)) exec \(Self.line(command)) ;;") }
            lines.append("  *) echo \"this script runs as a job array of tasks 1-\(commands.count), not as task '${SLURM_ARRAY_TASK_ID:-}'\" >&2; exit 2 ;;")
            lines.append("esac")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the script to `path` (whole or not at all), executable, creating its folder and the
    /// log's (a job whose log folder is missing fails as it starts, without a word).
    public func write(to path: String) throws {
        let text = try rendered()
        try Folder.create(PathText.parent(path))
        let logFolder = PathText.parent(log)
        if !logFolder.isEmpty && !logFolder.contains("%") { try Folder.create(logFolder) }
        try AtomicFile.write(Data(text.utf8), to: path)
        chmod(path, 0o755)
    }

    /// Writes the script to `path` and submits it (`Sbatch.submit`); returns the job's id. Writes
    /// nothing when PATH has no `sbatch`, and removes the script when sbatch refuses it, so a
    /// script beside the logs always stands for a submitted job.
    public func submit(writingTo path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SlurmJobID {
        guard Sbatch.program("sbatch", environment: environment) != nil else { throw PipelineError.slurmNotInstalled(program: "sbatch") }
        try write(to: path)
        do {
            return try Sbatch.submit(script: path, environment: environment)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    /// A command as one line of shell: the words rendered and separated by spaces.
    static func line(_ command: [ShellWord]) -> String {
        precondition(!command.isEmpty, "a batch script needs a command to run")
        return command.map(\.rendered).joined(separator: " ")
    }

    /// A value in double quotes as sbatch reads `#SBATCH` lines: a backslash escapes the next
    /// character, and a `#` outside quotes would start a comment.
    static func directiveQuote(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `path` with every `%` doubled (Slurm's escape) except in the patterns `%j`, `%A` and `%a`,
    /// so a folder named with a `%` keeps its name.
    static func keepingSlurmPatterns(_ path: String) -> String {
        var result = ""
        var characters = path.makeIterator()
        while let c = characters.next() {
            guard c == "%" else { result.append(c); continue }
            guard let next = characters.next() else { result += "%%"; break }
            result += "jAa".contains(next) ? "%\(next)" : (next == "%" ? "%%%%" : "%%\(next)")
        }
        return result
    }
}
