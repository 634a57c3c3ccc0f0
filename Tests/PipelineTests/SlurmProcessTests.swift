import FileFormats
import Foundation
import TestSupport
import XCTest
@testable import Pipeline

/// `asl-lab run --slurm` against a real one-node Slurm (scripts/slurm-local.sh), started once for
/// the class and always stopped. A machine where it cannot start fails these tests with the
/// reason; `make test` installs what they need.
final class SlurmProcessTests: LocalSlurmTestCase {
    /// A run that takes a few seconds, through its report.
    static let tiny = PipelineRunTests.tiny.flatMap { ["--set", $0] } + ["--set", "analyse.tsne.iterations=250"]

    func asl(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandLineTests.Result {
        try CommandLineTests.run(arguments, in: folderURL, environment: ["SLURM_CONF": try local.conf].merging(environment) { $1 })
    }

    func testARunSubmittedToSlurmCompletesAndItsManifestNamesTheJob() throws {
        let note = #"a note with "quotes", $HOME and spaces"#
        let submitted = try asl(["run", "--slurm", "--reports", "Reports", "--cache", "cache", "--name", "on slurm",
                                 "--note", note, "--tag", "slurm", "--cpus-per-task", "1", "--time", "10"] + Self.tiny)
        XCTAssertEqual(submitted.status, 0, submitted.stdout + submitted.stderr)
        let printed = submitted.stdout.split(separator: "\n").map(String.init)
        func value(after prefix: String) throws -> String {
            try XCTUnwrap(printed.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }, submitted.stdout)
        }
        let id = String(try value(after: "Submitted batch job ").dropLast())
        XCTAssertFalse(id.isEmpty || !id.allSatisfy(\.isNumber), submitted.stdout)
        let script = try value(after: "script: ")
        let log = try value(after: "log: ")
        XCTAssertEqual(script, path("Reports/.slurm") + "/" + (script as NSString).lastPathComponent)
        XCTAssertEqual(log, String(script.dropLast(".sbatch".count)) + "-\(id).log")

        try local.waitForJob(id, timeout: 120)
        let jobLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? "(no log at \(log))"
        let runs = try FileManager.default.contentsOfDirectory(atPath: path("Reports")).filter { $0.hasSuffix("-on-slurm") }
        XCTAssertEqual(runs.count, 1, jobLog)
        let runFolder = path("Reports/" + (runs.first ?? ""))
        XCTAssertEqual(RunStatus.read(runFolder: runFolder)?.state, .complete, jobLog)
        XCTAssertTrue(FileManager.default.fileExists(atPath: runFolder + "/index.html"), jobLog)
        let manifest = try RunManifest.read(folder: runFolder)
        XCTAssertEqual(manifest.slurm, RunManifest.Slurm(jobID: id), "the manifest names the job that was printed at submission")
        XCTAssertEqual(manifest.note, note, "the note reaches the job unchanged through the script's quoting")
        XCTAssertEqual(manifest.tags, ["slurm"])
        XCTAssertEqual(manifest.config["train.epochs"], "1")
        XCTAssertTrue(jobLog.hasSuffix(runFolder + "/index.html\n"), "the job's log ends as `run` does: \(jobLog)")
    }

    func testADryRunPrintsTheScriptAndSubmitsNothing() throws {
        let result = try asl(["run", "--slurm", "--dry-run", "--partition", "main", "--time", "0:10:00", "--cpus-per-task", "2",
                              "--name", "dry", "--config", "none.yaml"])
        XCTAssertEqual(result.status, 1, "the config is read before anything is printed: \(result.stdout)")
        try "train:\n  epochs: 1\n".write(toFile: path("c.yaml"), atomically: true, encoding: .utf8)
        let dry = try asl(["run", "--slurm", "--dry-run", "--partition", "main", "--time", "0:10:00", "--cpus-per-task", "2",
                           "--name", "dry", "--config", "c.yaml", "--set", "seed=3"])
        XCTAssertEqual(dry.status, 0, dry.stdout + dry.stderr)
        let lines = dry.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "#!/bin/sh")
        let directives = lines.filter { $0.hasPrefix("#SBATCH") }
        XCTAssertEqual(directives.count, 6, dry.stdout)
        XCTAssertEqual(directives[0], #"#SBATCH --job-name="asl-lab-dry""#)
        XCTAssertTrue(directives[1].hasPrefix(#"#SBATCH --output="\#(path("Reports/.slurm"))/"#) && directives[1].hasSuffix(#"-dry-%j.log""#), directives[1])
        XCTAssertEqual(Array(directives[2...]), [#"#SBATCH --chdir="\#(folder)""#, #"#SBATCH --partition="main""#,
                                                  #"#SBATCH --time="0:10:00""#, #"#SBATCH --cpus-per-task="2""#])
        let run = try XCTUnwrap(lines.first { $0.hasPrefix("exec ") })
        let binary = CommandLineTests.executable.resolvingSymlinksInPath().path
        XCTAssertTrue(run.hasPrefix("exec \(binary) run --config \(path("c.yaml")) --set seed=3 --reports \(path("Reports")) --cache \(path(".asl-cache")) --name dry --threads \"${SLURM_CPUS_PER_TASK:-1}\""), run)
        XCTAssertTrue(lines.last?.hasPrefix("Dry run: nothing was submitted") == true, dry.stdout)
        XCTAssertEqual(try local.queuedJobs(), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("Reports")), "a dry run writes nothing")
    }

    func testWithoutSbatchOnPathTheRunIsRefusedWithInstallAdvice() throws {
        let result = try asl(["run", "--slurm", "--name", "nowhere"] + Self.tiny, environment: ["PATH": "/nonexistent"])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one paragraph: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("sbatch is not on PATH. Install Debian's slurm-client package"), result.stderr)
        XCTAssertTrue(result.stderr.contains("login node"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("Reports/.slurm")), "nothing is written")
    }

    func testSlurmsRefusalIsReportedInItsOwnWords() throws {
        let result = try asl(["run", "--slurm", "--partition", "nosuchpartition", "--name", "refused"] + Self.tiny)
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one paragraph: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("Slurm could not submit") && result.stderr.contains("invalid partition specified: nosuchpartition"), result.stderr)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: path("Reports/.slurm"))) ?? []
        XCTAssertEqual(left, [], "a refused script is not left behind")
    }

    /// What `sweep --slurm` does: an array with one command per task, then a job that waits for
    /// all of them (`afterany`) and sees what every task wrote.
    func testAnArrayOfCommandsAndAJobAfterItRunInOrder() throws {
        let names = ["a b", "c'd $x"]
        let write: ShellWord = #"echo "$1" > "$2/task-$SLURM_ARRAY_TASK_ID""#
        let members = SlurmBatchScript(jobName: "members", work: .arrayOfCommands(names.map { ["/bin/sh", "-c", write, "sh", .text($0), .text(folder)] }),
                                       log: path("logs/member-%a-%A.log"), workingDirectory: folder)
        let array = try members.submit(writingTo: path("members.sbatch"), environment: try local.environment)
        let gather = SlurmBatchScript(jobName: "after", work: .command(["/bin/sh", "-c", #"cat "$1"/task-1 "$1"/task-2 > "$1/after""#, "sh", .text(folder)]),
                                      log: path("logs/after-%j.log"), afterAny: [array])
        let after = try gather.submit(writingTo: path("after.sbatch"), environment: try local.environment)
        try local.waitForJob(after.value, timeout: 60)
        XCTAssertEqual(try String(contentsOfFile: path("after"), encoding: .utf8), "a b\nc'd $x\n",
                       (try? FileManager.default.contentsOfDirectory(atPath: path("logs")).joined(separator: " ")) ?? "no logs")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("logs/member-2-\(array).log")), "%a and %A name each task's log")
    }

    func testSlurmOptionsWithoutSlurmAreRefused() throws {
        let result = try CommandLineTests.run(["run", "--partition", "main"], in: folderURL)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("--partition is for a job submitted to Slurm; add --slurm"), result.stderr)
        let threads = try CommandLineTests.run(["run", "--slurm", "--threads", "2"], in: folderURL)
        XCTAssertEqual(threads.status, 1)
        XCTAssertTrue(threads.stderr.contains("--threads does not go with --slurm"), threads.stderr)
    }
}
