import FileFormats
import Foundation
import Storage
import TestSupport
import XCTest
@testable import Pipeline

/// `asl-lab sweep` as a user runs it: members as runs in one sweep folder sharing the cache,
/// side by side with --jobs, failures kept to their member, reruns doing only what is left.
final class SweepProcessTests: TemporaryFolderTestCase {
    static let tiny = PipelineRunTests.tiny.flatMap { ["--set", $0] } + ["--set", "analyse.tsne.iterations=50"]

    func sweep(_ arguments: [String]) throws -> CommandLineTests.Result {
        try CommandLineTests.run(["sweep", "--threads", "2"] + Self.tiny + arguments, in: folderURL)
    }

    var reports: String { path("Reports") }

    func sweepFolders() -> [SweepFolder] { SweepFolder.all(in: reports) }

    func runFolders(in sweep: SweepFolder) -> [String] { RunStore(root: sweep.path).runs() }

    func testMembersRunSideBySideShareTheDataSetAndARerunRunsNothing() throws {
        let first = try sweep(["--set", "train.seed=0..1", "--set", "train.learning_rate=0.001,0.003", "--jobs", "2", "--name", "pair"])
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        let sweeps = sweepFolders()
        XCTAssertEqual(sweeps.count, 1)
        let folder = try XCTUnwrap(sweeps.first)
        XCTAssertTrue((folder.path as NSString).lastPathComponent.hasSuffix("-sweep-pair"))
        XCTAssertEqual(first.stdout.split(separator: "\n").last.map(String.init), folder.path + "/index.html")
        let record = try XCTUnwrap(folder.record)
        XCTAssertEqual(record.members.count, 4)
        let states = folder.states(of: record)
        XCTAssertEqual(states.values.filter(\.isComplete).count, 4)
        for member in record.members {
            let manifest = try XCTUnwrap(states[member.name]?.manifest)
            XCTAssertEqual(manifest.configHash, member.configHash)
            XCTAssertEqual(manifest.tags, ["sweep:pair"])
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path + "/" + states[member.name]!.run! + "/index.html"))
        }
        XCTAssertTrue(first.stdout.contains("started, 1 thread"), "two jobs on two threads: one thread each\n\(first.stdout)")
        let generated = try FileManager.default.contentsOfDirectory(atPath: path(".asl-cache/generate")).filter { !$0.hasPrefix(".") }
        XCTAssertEqual(generated.count, 1, "a train.seed sweep draws its data set once")

        let page = try String(contentsOfFile: folder.path + "/index.html", encoding: .utf8)
        for member in record.members { XCTAssertTrue(page.contains(member.name), member.name) }
        XCTAssertTrue(page.contains("train.learning_rate=0.003"))
        XCTAssertTrue(page.contains("± "), "points show the spread over seeds")
        for figure in ["metric-vs-train-learning-rate", "validation-curves", "per-class-accuracy"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path + "/figures/\(figure).svg"), figure)
        }
        let index = try String(contentsOfFile: reports + "/index.html", encoding: .utf8)
        XCTAssertTrue(index.contains((folder.path as NSString).lastPathComponent + "/index.html"), "the reports index links the sweep")

        let again = try sweep(["--set", "train.seed=0..1", "--set", "train.learning_rate=0.001,0.003", "--jobs", "2", "--name", "pair"])
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        XCTAssertTrue(again.stdout.contains("4 already complete, 0 to run"), again.stdout)
        XCTAssertEqual(sweepFolders().count, 1)
        XCTAssertEqual(runFolders(in: folder).count, 4, "no member ran again")
    }

    func testAFailedMemberDoesNotStopTheOthersAndARerunRunsOnlyIt() throws {
        // One image per letter leaves the test split empty: that member's analyse fails.
        let arguments = ["--set", "data.images_per_letter=1,3", "--name", "partial"]
        let first = try sweep(arguments)
        XCTAssertEqual(first.status, 1)
        XCTAssertTrue(first.stderr.contains("One member of the sweep did not complete: m1-images_per_letter-1"), first.stderr)
        let folder = try XCTUnwrap(sweepFolders().first)
        let record = try XCTUnwrap(folder.record)
        let states = folder.states(of: record)
        XCTAssertEqual(states["m1-images_per_letter-1"]?.state, .failed)
        XCTAssertEqual(states["m2-images_per_letter-3"]?.state, .complete, "the other member ran to the end")
        let page = try String(contentsOfFile: folder.path + "/index.html", encoding: .utf8)
        XCTAssertTrue(page.contains("failed during analyse"), "the report marks the failed member")
        XCTAssertTrue(page.contains("members/m1-images_per_letter-1.out"), "and says where its output is")

        let again = try sweep(arguments)
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stdout.contains("1 already complete, 1 to run"), again.stdout)
        XCTAssertEqual(runFolders(in: folder).count, 3, "only the failed member ran again")
    }

    func testDryRunListsMembersAndTheirCachedStagesAndWritesNothing() throws {
        let dry = try sweep(["--set", "train.seed=0,1", "--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.contains("2 members; a new sweep folder"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("m1-seed-0  train.seed=0"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("generate will run, train will run, analyse will run"), dry.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: reports))
        XCTAssertEqual(try sweep(["--set", "train.seed=0,1", "--name", "s"]).status, 0)
        let cached = try sweep(["--set", "train.seed=0,1,2", "--name", "s", "--dry-run"])
        XCTAssertTrue(cached.stdout.contains("generate cached, train cached, analyse cached"), cached.stdout)
        XCTAssertTrue(cached.stdout.contains("generate cached, train will run, analyse will run"), "a new train.seed reuses the data set\n\(cached.stdout)")
    }

    func testBadSweepsExitOneWithTheReason() throws {
        let empty = try sweep(["--set", "train.seed=0,"])
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.stderr.contains("empty value"), empty.stderr)
        let unknown = try sweep(["--set", "train.sed=0,1"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("train.seed"), unknown.stderr)
        let many = try sweep(["--set", "train.seed=0..1000"])
        XCTAssertEqual(many.status, 1)
        XCTAssertTrue(many.stderr.contains("1001 members") && many.stderr.contains("--yes"), many.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: reports), "nothing was written")
    }

    /// Ctrl-C reaches the sweep, which passes one stop to each running member: they stop at a
    /// safe point, marked interrupted, and the sweep exits 130 saying how to carry on.
    func testAStopReachesEveryRunningMemberOnce() throws {
        let long = PipelineProcessTests.overrides.flatMap { ["--set", $0] }
        let (process, log) = try CommandLineTests.start(["sweep", "--threads", "2", "--jobs", "2", "--set", "train.seed=0,1", "--name", "stop"] + long, in: folderURL)
        let deadline = Date().addingTimeInterval(120)
        // Both members are training once both have a partial history in the cache.
        while Date() < deadline {
            let trained = (try? FileManager.default.contentsOfDirectory(atPath: path(".asl-cache/train"))) ?? []
            let histories = trained.filter { $0.hasSuffix(".partial") && FileManager.default.fileExists(atPath: path(".asl-cache/train/\($0)/history.csv")) }
            if histories.count == 2 { break }
            usleep(100_000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let output = try String(contentsOf: log, encoding: .utf8)
        XCTAssertEqual(process.terminationStatus, 130, output)
        XCTAssertTrue(output.contains("Run the same `asl-lab sweep` command again to carry on"), output)
        let folder = try XCTUnwrap(sweepFolders().first)
        let states = folder.states(of: try XCTUnwrap(folder.record))
        // A second signal would have ended a member at once, leaving it "running" with its
        // process gone; one stop each lets both write their checkpoint and say interrupted.
        XCTAssertEqual(states.values.compactMap(\.state), [.interrupted, .interrupted], "each member stopped at a safe point and said so")
        for state in states.values {
            XCTAssertEqual(RunStatus.read(runFolder: folder.path + "/" + (state.run ?? ""))?.state, .interrupted, "written by the member itself")
        }
    }
}
