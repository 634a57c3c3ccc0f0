import Configuration
import FileFormats
import Foundation
import Storage
import TestSupport
import XCTest
@testable import Pipeline

/// `asl-lab run` as a process: stopped by SIGINT, killed by SIGKILL, and two at once.
final class PipelineProcessTests: TemporaryFolderTestCase {
    /// Many short epochs, so a signal lands mid-training.
    static let overrides = PipelineRunTests.tiny.filter { !$0.hasPrefix("train.epochs") } + ["train.epochs=150"]

    func start(_ extra: [String] = []) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = ["run", "--threads", "1", "--until", "train"] + Self.overrides.flatMap { ["--set", $0] } + extra
        process.currentDirectoryURL = folderURL
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

    var cache: StageCache { StageCache(root: folderURL.appendingPathComponent(".asl-cache").path) }

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
        XCTAssertEqual(stopped.status, 130, stopped.output)
        XCTAssertTrue(stopped.output.contains("Training was interrupted"), stopped.output)
        XCTAssertTrue(stopped.output.contains("is marked interrupted. To carry on, run `asl-lab run --threads 1"), stopped.output)
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

    /// Two runs of one config started together: each entry is computed once (the run that
    /// does not compute it waits, then reuses it), and both finish.
    func testTwoRunsNeedingTheSameEntriesComputeEachOnce() throws {
        let a = try start(["--name", "a"])
        let b = try start(["--name", "b"])
        let (ra, rb) = (finish(a), finish(b))
        XCTAssertEqual(ra.status, 0, ra.output)
        XCTAssertEqual(rb.status, 0, rb.output)
        let outputs = [ra.output, rb.output]
        for stage in ["generate", "train"] {
            XCTAssertEqual(outputs.filter { $0.contains("\(stage): cached") }.count, 1,
                           "one run computes \(stage), the other reuses it:\n" + outputs.joined(separator: "\n----\n"))
        }
        XCTAssertEqual(cache.state(stage: "train", key: try trainKey), .valid)
    }

    /// Runs whose training differs share the data set but train side by side: neither waits
    /// for the other's training (the whole cache was one lock before).
    func testRunsOfDifferentKeysTrainSideBySide() throws {
        let a = try start(["--name", "a"])
        let b = try start(["--name", "b", "--set", "train.learning_rate=0.002"])
        let (ra, rb) = (finish(a), finish(b))
        XCTAssertEqual(ra.status, 0, ra.output)
        XCTAssertEqual(rb.status, 0, rb.output)
        let outputs = [ra.output, rb.output]
        XCTAssertFalse(outputs.joined().contains("train: another run is computing"), outputs.joined(separator: "\n----\n"))
        XCTAssertEqual(outputs.filter { $0.contains("train: cached") }.count, 0, "each trains its own model")
        XCTAssertEqual(outputs.filter { $0.contains("generate: cached") }.count, 1, "the data set is drawn once")
    }
}

/// Signals in every stage, a standalone `train` stopped and resumed, and a full disk: the
/// processes as a user runs them.
final class FaultProcessTests: TemporaryFolderTestCase {
    /// A started `asl-lab` whose output goes to a file, so a test can watch it grow.
    struct Running {
        let process: Process
        let log: URL
        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        /// Waits until the output holds `text`.
        func wait(for text: String, timeout: TimeInterval = 120) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if output.contains(text) { return true }
                if !process.isRunning { return output.contains(text) }
                usleep(20_000)
            }
            return false
        }

        func finish() -> (status: Int32, output: String) {
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }
    }

    func start(_ arguments: [String]) throws -> Running {
        let (process, log) = try CommandLineTests.start(arguments, in: folderURL)
        return Running(process: process, log: log)
    }

    static var tiny: [String] { PipelineRunTests.tiny.flatMap { ["--set", $0] } }

    /// SIGINT while the report is drawn: before, the run said "Stopping…" and went on to exit 0.
    func testSIGINTDuringTheReportStopsTheRunWithStatus130AndSaysHowToCarryOn() throws {
        let run = try start(["run", "--threads", "1"] + Self.tiny)
        XCTAssertTrue(run.wait(for: "analyse: Test accuracy"), run.output)
        kill(run.process.processIdentifier, SIGINT)
        let (status, output) = run.finish()
        XCTAssertEqual(status, 130, output)
        XCTAssertTrue(output.contains("error: Stopped the run during report on request."), output)
        XCTAssertTrue(output.contains("To carry on, run `asl-lab run --threads 1 --set data.images_per_letter=3"), output)
        let store = RunStore(root: folderURL.appendingPathComponent("Reports").path)
        let runFolder = try XCTUnwrap(store.runs().first)
        XCTAssertEqual(RunStatus.read(runFolder: store.path(runFolder))?.state, .interrupted)
        XCTAssertEqual(RunStatus.read(runFolder: store.path(runFolder))?.stage, "report")

        let again = try start(["run", "--threads", "1"] + Self.tiny)
        let (second, secondOutput) = again.finish()
        XCTAssertEqual(second, 0, secondOutput)
        XCTAssertTrue(secondOutput.contains("analyse: cached"), secondOutput)
    }

    /// Standalone `train` died at SIGINT with no message and no checkpoint of that moment; it
    /// now stops like `run`, says to use --resume, and resuming finishes the training.
    func testStandaloneTrainStopsOnSIGINTAndResumes() throws {
        let data = folderURL.appendingPathComponent("data").path, out = folderURL.appendingPathComponent("out").path
        let generate = try start(["generate", "--out", data] + Self.tiny)
        XCTAssertEqual(generate.finish().status, 0, generate.output)
        let settings = Self.tiny + ["--set", "train.epochs=150", "--threads", "1"]
        let train = try start(["train", "--data", data, "--out", out] + settings)
        XCTAssertTrue(train.wait(for: "epoch 2/150"), train.output)
        kill(train.process.processIdentifier, SIGINT)
        let (status, output) = train.finish()
        XCTAssertEqual(status, 130, output)
        XCTAssertTrue(output.contains("error: Stopped training on request. Training was interrupted"), output)
        XCTAssertTrue(output.contains("Run the same command with --resume to continue from the checkpoint."), output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/checkpoint.safetensors"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/model.safetensors"))

        let resumed = try start(["train", "--data", data, "--out", out, "--resume"] + settings)
        let (second, secondOutput) = resumed.finish()
        XCTAssertEqual(second, 0, secondOutput)
        XCTAssertTrue(secondOutput.contains("Resuming from the checkpoint"), secondOutput)
        XCTAssertTrue(secondOutput.contains("Trained 150 epochs"), secondOutput)
    }

    /// SIGTERM while generating: the staging folder goes, nothing looks like a data set.
    func testSIGTERMDuringGenerateKeepsNothing() throws {
        let data = folderURL.appendingPathComponent("big").path
        let generate = try start(["generate", "--out", data, "--threads", "1", "--set", "data.images_per_letter=400", "--set", "data.image_size=256"])
        // Wait for the staging folder to hold images, then stop.
        let deadline = Date().addingTimeInterval(60)
        var staged = false
        while Date() < deadline, !staged {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: folderURL.path)) ?? []
            staged = entries.contains { $0.hasPrefix(".big.partial-") && FileManager.default.fileExists(atPath: folderURL.path + "/" + $0 + "/A/A_00001.png") }
            usleep(20_000)
        }
        XCTAssertTrue(staged, "generation started")
        kill(generate.process.processIdentifier, SIGTERM)
        let (status, output) = generate.finish()
        XCTAssertEqual(status, 130, output)
        XCTAssertTrue(output.contains("Generating was stopped; nothing of the unfinished data set was kept."), output)
        let left = try FileManager.default.contentsOfDirectory(atPath: folderURL.path).filter { $0.contains("big") }
        XCTAssertEqual(left, [], "no data set and no staging folder")
    }

    /// A disk that fills up while generating: exit 1, the message names the cause, nothing is
    /// left. Needs a small file system of its own, which root can mount (tmpfs).
    func testAFullDiskDuringGenerateNamesTheCauseAndLeavesNothing() throws {
        let small = folderURL.appendingPathComponent("small").path
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=2m", "tmpfs", small]
        mount.standardError = FileHandle.nullDevice
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            throw XCTSkip("mounting a 2 MB tmpfs needs root with CAP_SYS_ADMIN, which this machine does not give; the full-disk path is covered in-process by DatasetGeneratorTests.testFullDiskMidwayLeavesNothingBehind")
        }
        defer {
            let unmount = Process()
            unmount.executableURL = URL(fileURLWithPath: "/bin/umount")
            unmount.arguments = [small]
            try? unmount.run()
            unmount.waitUntilExit()
        }
        let generate = try start(["generate", "--out", small + "/data", "--set", "data.images_per_letter=40", "--set", "data.image_size=256"])
        let (status, output) = generate.finish()
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.contains(": no space is left on the device."), output)
        XCTAssertFalse(output.contains("Fatal error"), output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: small), [], "nothing left on the full disk")
    }
}
