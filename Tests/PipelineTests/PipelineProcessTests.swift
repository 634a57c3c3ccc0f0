import Foundation
import XCTest
@testable import Pipeline

/// `asl-lab run` as a process: stopped by SIGINT, killed by SIGKILL, and two at once.
final class PipelineProcessTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Many short epochs, so a signal lands mid-training.
    static let overrides = PipelineRunTests.tiny.filter { !$0.hasPrefix("train.epochs") } + ["train.epochs=150"]

    func start(_ extra: [String] = []) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = ["run", "--threads", "1", "--until", "train"] + Self.overrides.flatMap { ["--set", $0] } + extra
        process.currentDirectoryURL = folder
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    func finish(_ p: (Process, Pipe, Pipe)) -> (status: Int32, output: String) {
        let out = p.1.fileHandleForReading.readDataToEndOfFile()
        let err = p.2.fileHandleForReading.readDataToEndOfFile()
        p.0.waitUntilExit()
        return (p.0.terminationStatus, String(decoding: out + err, as: UTF8.self))
    }

    var trainKey: String {
        get throws { StageKeys(config: try ConfigLoader.load(file: nil, overrides: Self.overrides)).train }
    }

    var cache: StageCache { StageCache(root: folder.appendingPathComponent(".asl-cache").path) }

    /// Waits until the partial training folder's history has at least `epochs` rows.
    func waitForEpochs(_ epochs: Int, timeout: TimeInterval = 120) throws {
        let history = cache.partialFolder(stage: "train", key: try trainKey) + "/history.csv"
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: history, encoding: .utf8), text.split(separator: "\n").count > epochs { return }
            usleep(20_000)
        }
        XCTFail("training never reached epoch \(epochs)")
    }

    func testSIGINTStopsTrainingAndTheNextRunResumesFromItsCheckpoint() throws {
        let first = try start()
        try waitForEpochs(2)
        kill(first.0.processIdentifier, SIGINT)
        let stopped = finish(first)
        XCTAssertEqual(stopped.status, 1, stopped.output)
        XCTAssertTrue(stopped.output.contains("Training was interrupted during epoch"), stopped.output)
        XCTAssertEqual(cache.state(stage: "train", key: try trainKey), .missing, "an interrupted stage is not sealed")

        let second = finish(try start())
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertTrue(second.output.contains("generate: cached"), second.output)
        // SIGINT lands mid-epoch: the checkpoint is of that moment (or of an epoch's end).
        XCTAssertTrue(second.output.contains("Resuming from the checkpoint taken in epoch") || second.output.contains("Resuming from the checkpoint after epoch"),
                      second.output)
        XCTAssertEqual(cache.state(stage: "train", key: try trainKey), .valid)
    }

    func testSIGKILLLeavesNoTrustedEntryAndTheNextRunFinishes() throws {
        let first = try start()
        try waitForEpochs(1)
        kill(first.0.processIdentifier, SIGKILL)
        _ = finish(first)
        XCTAssertEqual(cache.state(stage: "train", key: try trainKey), .missing)
        let second = finish(try start())
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertTrue(second.output.contains("Resuming from the checkpoint after epoch"), second.output)
        XCTAssertEqual(cache.state(stage: "train", key: try trainKey), .valid)
    }

    func testTwoRunsSharingACacheTakeTurns() throws {
        let a = try start(["--name", "a"])
        let b = try start(["--name", "b"])
        let (ra, rb) = (finish(a), finish(b))
        XCTAssertEqual(ra.status, 0, ra.output)
        XCTAssertEqual(rb.status, 0, rb.output)
        let outputs = [ra.output, rb.output]
        XCTAssertEqual(outputs.filter { $0.contains("waiting for it to finish") }.count, 1, outputs.joined(separator: "\n----\n"))
        XCTAssertEqual(outputs.filter { $0.contains("train: cached") }.count, 1, "the second run reuses what the first made")
        XCTAssertEqual(cache.state(stage: "train", key: try trainKey), .valid)
    }
}
