import FileFormats
import Foundation
import TestSupport
import XCTest
@testable import Pipeline

/// Batch scripts as text: the `#SBATCH` lines, the quoting of every argument (checked by running
/// the script's command in a real shell), job ids and refused options.
final class SlurmBatchScriptTests: TemporaryFolderTestCase {
    /// Arguments a shell would split, expand or end on if they were not quoted.
    static let hostile = ["two words", "it's", #"say "hi""#, "$HOME", "${PATH}", "`date`", "a;b|c&d", "*", "#hash", "back\\slash", "", "new\nline", "%j"]

    /// Runs the script's text with /bin/sh, the way Slurm runs it, with `environment` added.
    func runScript(_ text: String, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let path = self.path("job.sh")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try LocalSlurm.run(["/bin/sh", path], environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        return (result.status, result.stdout + result.stderr)
    }

    /// A command that prints each of its arguments on a line of its own, in brackets.
    func echoing(_ words: [ShellWord]) -> [ShellWord] {
        ["/bin/sh", "-c", #"for a; do printf '[%s]\n' "$a"; done"#, "sh"] + words
    }

    func testEveryArgumentReachesTheProgramUnchanged() throws {
        let script = SlurmBatchScript(jobName: "t", work: .command(echoing(Self.hostile.map { ShellWord.text($0) })), log: "/tmp/x-%j.log")
        let result = try runScript(try script.rendered(), environment: ["HOME": "/nowhere"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.output, Self.hostile.map { "[\($0)]\n" }.joined())
    }

    func testVariablesAreExpandedByTheJobAndFallBackWhenUnset() throws {
        let config: ShellWord = .text("/my sweep/member-") + .variable("SLURM_ARRAY_TASK_ID") + ".yaml"
        XCTAssertEqual(config.rendered, #"'/my sweep/member-'"${SLURM_ARRAY_TASK_ID}".yaml"#)
        let threads = ShellWord.variable("SLURM_CPUS_PER_TASK", fallback: "1")
        let script = SlurmBatchScript(jobName: "t", work: .array(count: 3, command: echoing([config, threads])), log: "/tmp/%A_%a.log")
        let text = try script.rendered()
        XCTAssertTrue(text.contains("#SBATCH --array=\"1-3\"\n"), text)
        XCTAssertEqual(try runScript(text, environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_CPUS_PER_TASK": ""]).output,
                       "[/my sweep/member-2.yaml]\n[1]\n", "an empty or unset SLURM_CPUS_PER_TASK means one CPU")
        XCTAssertEqual(try runScript(text, environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_CPUS_PER_TASK": "4 5"]).output,
                       "[/my sweep/member-3.yaml]\n[4 5]\n", "a variable's value stays one word")
    }

    func testAnArrayOfCommandsRunsTheTasksOwnCommand() throws {
        let names = ["lr 0.1", "lr '0.01'"]
        let script = SlurmBatchScript(jobName: "sweep", work: .arrayOfCommands(names.map { echoing([.text($0)]) }), log: "/tmp/%A_%a.log")
        let text = try script.rendered()
        XCTAssertTrue(text.contains("#SBATCH --array=\"1-2\"\n"), text)
        for (i, name) in names.enumerated() {
            XCTAssertEqual(try runScript(text, environment: ["SLURM_ARRAY_TASK_ID": "\(i + 1)"]).output, "[\(name)]\n")
        }
        let outside = try runScript(text, environment: ["SLURM_ARRAY_TASK_ID": "3"])
        XCTAssertEqual(outside.status, 2)
        XCTAssertTrue(outside.output.contains("runs as a job array of tasks 1-2, not as task '3'"), outside.output)
    }

    func testTheDirectivesNameTheJobItsLogResourcesAndDependency() throws {
        let script = SlurmBatchScript(jobName: "asl-lab-my run", work: .command(["true"]), log: "/r/My \"Reports\" 100%/.slurm/x-%j.log",
                                      workingDirectory: "/home/a #b", options: SlurmOptions(partition: "main", time: "1:30:00", cpusPerTask: 4),
                                      afterAny: [SlurmJobID("17")!, SlurmJobID("18")!])
        let lines = try script.rendered().split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "#!/bin/sh")
        XCTAssertEqual(lines.filter { $0.hasPrefix("#SBATCH") }, [
            #"#SBATCH --job-name="asl-lab-my run""#,
            // sbatch reads \" as a quote inside quotes; Slurm reads %% as a percent sign.
            #"#SBATCH --output="/r/My \"Reports\" 100%%/.slurm/x-%j.log""#,
            #"#SBATCH --chdir="/home/a #b""#,
            #"#SBATCH --partition="main""#,
            #"#SBATCH --time="1:30:00""#,
            #"#SBATCH --cpus-per-task="4""#,
            #"#SBATCH --dependency="afterany:17:18""#,
        ])
        XCTAssertEqual(lines.last, "exec true")
    }

    func testValuesSlurmCannotTakeAreRefusedNamingTheOption() {
        func refusal(_ script: SlurmBatchScript) -> String {
            do { _ = try script.rendered(); return "" } catch { return "\(error)" }
        }
        let plain = SlurmBatchScript(jobName: "t", work: .command(["true"]), log: "/tmp/x.log")
        var script = plain
        script.options.time = "90 minutes"
        XCTAssertTrue(refusal(script).hasPrefix("--time '90 minutes' cannot be given to Slurm: a time limit is minutes,"), refusal(script))
        for good in ["90", "1:30", "1:30:00", "2-00", "2-12:30", "2-12:30:00", "unlimited"] {
            script.options.time = good
            XCTAssertEqual(refusal(script), "", good)
        }
        script = plain
        script.options.partition = "main\n#SBATCH --uid=0"
        XCTAssertTrue(refusal(script).hasPrefix("--partition 'main"), refusal(script))
        script = plain
        script.options.cpusPerTask = 0
        XCTAssertEqual(refusal(script), "--cpus-per-task 0 cannot be given to Slurm: a job needs at least 1 CPU. Nothing was submitted.")
        script = plain
        script.log = "/tmp/a\\b.log"
        XCTAssertTrue(refusal(script).contains("must not be empty or hold a newline or a backslash"), refusal(script))
        script = plain
        script.work = .arrayOfCommands([])
        XCTAssertTrue(refusal(script).contains("a job array needs at least one task"), refusal(script))
    }

    func testJobIDsAreReadFromSbatchParsableOutput() {
        XCTAssertEqual(SlurmJobID(parsableOutput: "42\n")?.value, "42")
        XCTAssertEqual(SlurmJobID(parsableOutput: "42;cluster-a\n")?.value, "42")
        XCTAssertNil(SlurmJobID(parsableOutput: ""))
        XCTAssertNil(SlurmJobID(parsableOutput: "Submitted batch job 42"))
        XCTAssertNil(SlurmJobID("4 2"))
    }

    func testWritingMakesAnExecutableScriptAndItsFolder() throws {
        let path = self.path("a/b/job.sbatch")
        try SlurmBatchScript(jobName: "t", work: .command(["true"]), log: "/tmp/x.log").write(to: path)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: path))
        XCTAssertTrue(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("#!/bin/sh\n#SBATCH --job-name=\"t\"\n"))
    }

    func testSubmittingWithoutSbatchWritesNothingAndSaysWhatToInstall() {
        let path = self.path("job.sbatch")
        let script = SlurmBatchScript(jobName: "t", work: .command(["true"]), log: "/tmp/x.log")
        XCTAssertThrowsError(try script.submit(writingTo: path, environment: ["PATH": folder])) { error in
            XCTAssertEqual(error as? PipelineError, .slurmNotInstalled(program: "sbatch"))
            XCTAssertTrue("\(error)".contains("Install Debian's slurm-client package"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testSlurmsIDsAreReadFromTheEnvironment() {
        XCTAssertNil(RunManifest.Slurm.current(environment: ["PATH": "/bin"]))
        XCTAssertEqual(RunManifest.Slurm.current(environment: ["SLURM_JOB_ID": "9"]), RunManifest.Slurm(jobID: "9"))
        XCTAssertEqual(RunManifest.Slurm.current(environment: ["SLURM_JOB_ID": "9", "SLURM_ARRAY_JOB_ID": "7", "SLURM_ARRAY_TASK_ID": "3"]),
                       RunManifest.Slurm(jobID: "9", arrayJobID: "7", arrayTaskID: "3"))
    }
}
