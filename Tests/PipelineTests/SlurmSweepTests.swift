import Digest
import FileFormats
import Foundation
import Storage
import TestSupport
import XCTest
@testable import Pipeline

/// `asl-lab sweep --slurm` against a real one-node Slurm: the members run as one job array, the
/// report job waits for all of them, a failed member is reported with its Slurm log, and the
/// members' results are those of the same sweep run here.
final class SlurmSweepTests: LocalSlurmTestCase {
    /// Two data sets, one too small to test on (its members fail in analyse), two training seeds.
    static let sweep = SweepProcessTests.tiny + ["--set", "data.images_per_letter=1,3", "--set", "train.seed=0,1", "--name", "cluster"]

    func asl(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandLineTests.Result {
        try CommandLineTests.run(arguments, in: folderURL, environment: ["SLURM_CONF": try local.conf].merging(environment) { $1 })
    }

    func testASweepRunsAsAJobArrayThenItsReportAndMatchesTheSameSweepRunHere() throws {
        let submitted = try asl(["sweep", "--slurm", "--reports", "Reports", "--cache", "cache", "--time", "10"] + Self.sweep)
        XCTAssertEqual(submitted.status, 0, submitted.stdout + submitted.stderr)
        let array = try XCTUnwrap(submitted.stdout.firstMatch(of: /Slurm array job (\d+) \(tasks 1-4\)/)?.1, submitted.stdout)
        let report = try XCTUnwrap(submitted.stdout.firstMatch(of: /the sweep report as job (\d+)/)?.1, submitted.stdout)
        let folder = try XCTUnwrap(SweepFolder.all(in: path("Reports")).first)
        XCTAssertEqual(submitted.stdout.split(separator: "\n").last.map(String.init), folder.path + "/index.html")
        let queuedPage = try String(contentsOfFile: folder.path + "/index.html", encoding: .utf8)
        XCTAssertTrue(queuedPage.contains("queued as Slurm job \(array)_") || queuedPage.contains("complete") || queuedPage.contains("failed"),
                      "the report exists from submission on")

        try local.waitForJob(String(report), timeout: 240)
        let record = try XCTUnwrap(folder.record)
        XCTAssertEqual(record.slurm?.arrayJob, String(array))
        XCTAssertEqual(record.slurm?.reportJob, String(report))
        let states = folder.states(of: record)
        var finished: [Date] = []
        for member in record.members {
            let state = try XCTUnwrap(states[member.name])
            let manifest = try XCTUnwrap(state.manifest, "\(member.name) ran")
            XCTAssertEqual(manifest.slurm?.arrayJobID, String(array), "\(member.name) ran as a task of the array")
            XCTAssertEqual(manifest.slurm?.arrayTaskID, String(record.slurm?.tasks[member.name] ?? 0))
            XCTAssertEqual(state.state, member.values["data.images_per_letter"] == "1" ? .failed : .complete, member.name)
            let status = folder.path + "/" + state.run! + "/status.json"
            finished.append(try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: status)[.modificationDate] as? Date))
        }
        // The report job started only after every task had ended: it rewrote the page after
        // the last member's final status, and its log ends with the page's path.
        let page = try String(contentsOfFile: folder.path + "/index.html", encoding: .utf8)
        let written = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: folder.path + "/index.html")[.modificationDate] as? Date)
        XCTAssertGreaterThanOrEqual(written, try XCTUnwrap(finished.max()))
        let reportLog = try String(contentsOfFile: folder.path + "/slurm/report-\(report).log", encoding: .utf8)
        XCTAssertTrue(reportLog.hasSuffix(folder.path + "/index.html\n"), reportLog)
        XCTAssertFalse(page.contains("queued as Slurm job"))
        for member in record.members where member.values["data.images_per_letter"] == "1" {
            let log = "slurm/member-\(array)-\(record.slurm!.tasks[member.name]!).log"
            XCTAssertTrue(page.contains(log), "the failed member \(member.name) is marked with its Slurm log \(log)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path + "/" + log))
        }

        // The same sweep here, on its own cache: the same members, the same models.
        let here = try CommandLineTests.run(["sweep", "--reports", "Here", "--cache", "cache-here", "--threads", "1"] + Self.sweep, in: folderURL)
        XCTAssertEqual(here.status, 1, "the same two members fail: \(here.stderr)")
        let localFolder = try XCTUnwrap(SweepFolder.all(in: path("Here")).first)
        let localRecord = try XCTUnwrap(localFolder.record)
        XCTAssertEqual(localRecord.members, record.members, "the same members with the same configs")
        let localStates = localFolder.states(of: localRecord)
        for member in record.members where states[member.name]?.isComplete == true {
            let a = folder.path + "/" + states[member.name]!.run! + "/model.safetensors"
            let b = localFolder.path + "/" + localStates[member.name]!.run! + "/model.safetensors"
            XCTAssertEqual(try SHA256.hex(Data(contentsOf: URL(fileURLWithPath: a))), try SHA256.hex(Data(contentsOf: URL(fileURLWithPath: b))),
                           "\(member.name): Slurm and here train the same bytes")
            XCTAssertEqual(states[member.name]?.manifest?.metrics, localStates[member.name]?.manifest?.metrics)
        }
    }

    func testADryRunPrintsBothScriptsAndSubmitsNothing() throws {
        let dry = try asl(["sweep", "--slurm", "--dry-run", "--cpus-per-task", "2", "--partition", "main"] + Self.sweep)
        XCTAssertEqual(dry.status, 0, dry.stdout + dry.stderr)
        XCTAssertTrue(dry.stdout.contains("#SBATCH --array=\"1-4\""), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("#SBATCH --cpus-per-task=\"2\""))
        XCTAssertTrue(dry.stdout.contains("--dependency=afterany:<the array's job id>"))
        XCTAssertEqual(dry.stdout.components(separatedBy: " run --config ").count - 1, 4, "one run command per member")
        XCTAssertTrue(dry.stdout.contains(" report --sweep "))
        XCTAssertEqual(try local.queuedJobs(), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("Reports")))
    }

    func testWithoutSbatchTheSweepIsRefusedBeforeAnythingIsWritten() throws {
        let result = try asl(["sweep", "--slurm"] + Self.sweep, environment: ["PATH": "/nonexistent"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("slurm-client"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("Reports")))
        let jobs = try asl(["sweep", "--slurm", "--jobs", "2"] + Self.sweep)
        XCTAssertEqual(jobs.status, 1)
        XCTAssertTrue(jobs.stderr.contains("--cpus-per-task"), jobs.stderr)
    }

    /// `--shards 2`: the members' data set is drawn by a two-task array first, which the
    /// members' array waits for; the members then find it drawn.
    func testShardsDrawTheDataSetBeforeTheMembers() throws {
        let submitted = try asl(["sweep", "--slurm", "--shards", "2", "--reports", "Reports", "--cache", "cache"]
                                + SweepProcessTests.tiny + ["--set", "train.seed=0,1", "--name", "sharded"])
        XCTAssertEqual(submitted.status, 0, submitted.stdout + submitted.stderr)
        let shards = try XCTUnwrap(submitted.stdout.firstMatch(of: /Submitted 1 data set to draw in 2 shards each as job (\d+)/)?.1, submitted.stdout)
        let report = try XCTUnwrap(submitted.stdout.firstMatch(of: /the sweep report as job (\d+)/)?.1, submitted.stdout)
        try local.waitForJob(String(report), timeout: 240)
        let folder = try XCTUnwrap(SweepFolder.all(in: path("Reports")).first)
        let record = try XCTUnwrap(folder.record)
        let states = folder.states(of: record)
        let page = (try? String(contentsOfFile: folder.path + "/index.html", encoding: .utf8)) ?? ""
        XCTAssertEqual(states.values.filter(\.isComplete).count, 2, page)
        for task in 1...2 {
            let log = try String(contentsOfFile: folder.path + "/slurm/generate-\(shards)-\(task).log", encoding: .utf8)
            XCTAssertTrue(log.contains("Drew"), "shard \(task) drew its part: \(log)")
        }
        for state in states.values {
            let log = try String(contentsOfFile: folder.path + "/" + state.run! + "/log.txt", encoding: .utf8)
            XCTAssertFalse(log.contains("generate: Generated"), "the members did not draw the data set themselves: \(log)")
        }
    }
}
