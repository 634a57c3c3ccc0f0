import AtomicIO
import Configuration
import FileFormats
import Foundation
import Interrupt
import Storage
import TestSupport
import XCTest
@testable import Pipeline

/// Faults a run must survive without trusting half an output: bit rot in the cache, stages
/// that fail or are stopped, runs killed without a word, archives of what cannot be verified,
/// links planted under the names asl-lab uses.
final class RunReliabilityTests: TemporaryFolderTestCase {
    var reports: String { folderURL.appendingPathComponent("Reports").path }
    var cacheRoot: String { folderURL.appendingPathComponent("cache").path }
    var keys: StageKeys { get throws { StageKeys(config: try ConfigLoader.load(file: nil, overrides: PipelineRunTests.tiny)) } }
    var cache: StageCache { StageCache(root: cacheRoot) }

    /// Runs the tiny pipeline; `onOutput` sees the console text as it grows (to stop the run
    /// at a chosen moment through `stop`).
    @discardableResult
    func runPipeline(until: PipelineStage = .train, stop: StopRequest? = nil, cacheRoot: String? = nil, reports: String? = nil,
                     onOutput: ((String) -> Void)? = nil) throws -> (PipelineRun.Outcome, String) {
        let config = try ConfigLoader.load(file: nil, overrides: PipelineRunTests.tiny)
        var text = ""
        let output = ConsoleOutput(isTerminal: false) { text += $0; onOutput?(text) }
        var options = PipelineRun.Options(reportsRoot: reports ?? self.reports, cacheRoot: cacheRoot ?? self.cacheRoot, name: "t", threads: 1,
                                          until: until, command: "asl-lab run --name t")
        options.stop = stop
        return (try PipelineRun.run(config: config, options: options, output: output), text)
    }

    /// Flips one bit of a file and puts its size and modification time back, as bit rot would.
    func rot(_ path: String, at offset: Int = 100) throws {
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        bytes[min(offset, bytes.count - 1)] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: path))
        var times = [info.st_atim, info.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)
    }

    // MARK: - The cache checks content

    /// Before, a file was hashed again only when its modification time changed: a flipped bit
    /// with size and time kept was reused and recorded under its old, now false, SHA-256.
    func testBitRotInACachedModelIsFoundAndTheStageRunsAgain() throws {
        try runPipeline()
        let model = cache.folder(stage: "train", key: try keys.train) + "/model.safetensors"
        let good = try XCTUnwrap(StageCache.sha256(path: model))
        try rot(model)
        XCTAssertEqual(cache.state(stage: "train", key: try keys.train, verify: .metadata), .valid, "size and time alone cannot see it")
        XCTAssertEqual(cache.state(stage: "train", key: try keys.train), .corrupt("model.safetensors changed content"))
        let (second, log) = try runPipeline()
        XCTAssertTrue(log.contains("train: the cached entry is damaged (model.safetensors changed content); running the stage again."), log)
        XCTAssertEqual(second.stages.map(\.status), [.cached, .run])
        let manifest = try XCTUnwrap(RunManifest.readIfPresent(folder: second.runFolder!))
        XCTAssertEqual(manifest.artifacts["model.safetensors"], good, "the manifest records the true bytes")
        XCTAssertEqual(StageCache.sha256(path: second.runFolder! + "/model.safetensors"), good)
    }

    /// A data set is read again only when training or analysis runs; then it is checked by
    /// content first, so a rotten image is never trained on.
    func testBitRotInACachedDataSetIsFoundBeforeTrainingReadsIt() throws {
        try runPipeline()
        try rot(cache.folder(stage: "generate", key: try keys.generate) + "/A/A_00000.png", at: 2000)
        try FileManager.default.removeItem(atPath: cache.folder(stage: "train", key: try keys.train))
        let (outcome, log) = try runPipeline()
        XCTAssertTrue(log.contains("generate: the cached entry is damaged (A/A_00000.png changed content)"), log)
        XCTAssertEqual(outcome.stages.map(\.status), [.run, .run])
        XCTAssertEqual(cache.state(stage: "generate", key: try keys.generate), .valid)
    }

    /// A fully cached run reads no image of the data set, so it does not hash 1.5 GB of them:
    /// a rotten image goes unnoticed until a stage reads the data set (or `cache verify`).
    func testAFullyCachedRunChecksTheDataSetBySizeAndTimeOnly() throws {
        try runPipeline(until: .report)
        try rot(cache.folder(stage: "generate", key: try keys.generate) + "/A/A_00000.png", at: 2000)
        let (outcome, log) = try runPipeline(until: .report)
        XCTAssertEqual(outcome.stages.map(\.status), [.cached, .cached, .cached, .run])
        XCTAssertFalse(log.contains("damaged"), log)
        XCTAssertEqual(cache.state(stage: "generate", key: try keys.generate, verify: .content), .corrupt("A/A_00000.png changed content"))
    }

    func testCacheVerifyFindsAndRemovesDamagedEntriesOnly() throws {
        try runPipeline()
        XCTAssertTrue(try CacheCheck.verifyAndSummarise(root: cacheRoot) { _ in }
            .hasSuffix("by content: all intact."))
        try rot(cache.folder(stage: "generate", key: try keys.generate) + "/B/B_00001.png", at: 3000)
        var lines = ""
        XCTAssertThrowsError(try CacheCheck.verifyAndSummarise(root: cacheRoot) { lines += $0 }) { error in
            XCTAssertTrue("\(error)".contains("1 damaged and removed"), "\(error)")
            XCTAssertEqual((error as? UserFacingError)?.exitStatus, 1)
        }
        XCTAssertTrue(lines.contains("DAMAGED  generate/\(try keys.generate.prefix(12))  B/B_00001.png changed content: removed"), lines)
        XCTAssertTrue(lines.contains("ok       train/"), lines)
        XCTAssertEqual(cache.state(stage: "generate", key: try keys.generate), .missing)
        XCTAssertEqual(cache.state(stage: "train", key: try keys.train), .valid)
    }

    // MARK: - Run status

    func testACompleteRunSaysSo() throws {
        let (outcome, _) = try runPipeline(until: .analyse)
        let status = try XCTUnwrap(RunStatus.read(runFolder: outcome.runFolder!))
        XCTAssertEqual(status.state, .complete)
        XCTAssertEqual(status.command, "asl-lab run --name t")
        XCTAssertTrue(RunStore(root: reports).listText().contains("  complete  "))
    }

    /// A stage that fails marks the run failed, names the stage, and the run is not archived.
    func testAFailingStageMarksTheRunFailed() throws {
        try FileManager.default.createDirectory(atPath: cacheRoot, withIntermediateDirectories: true)
        try Data("in the way".utf8).write(to: URL(fileURLWithPath: cacheRoot + "/analyse"))
        XCTAssertThrowsError(try runPipeline(until: .analyse)) { error in
            guard case .runFailed(let stage, _, let runFolder)? = error as? PipelineError else { return XCTFail("\(error)") }
            XCTAssertEqual(stage, "analyse")
            XCTAssertTrue("\(error)".contains("records the failure (status: failed)"), "\(error)")
            let status = RunStatus.read(runFolder: runFolder)
            XCTAssertEqual(status?.state, .failed)
            XCTAssertEqual(status?.stage, "analyse")
        }
        let store = RunStore(root: reports)
        let run = try XCTUnwrap(store.runs().first)
        XCTAssertTrue(store.listText().contains("failed during analyse"), store.listText())
        XCTAssertThrowsError(try store.archive(run, to: nil)) { error in
            XCTAssertEqual(error as? StorageError, .incompleteRun(run, status: "failed during analyse"))
        }
    }

    /// A stop asked for in each stage ends the run at that stage's next safe point (before, a
    /// stop during analyse or report was acknowledged and ignored); the run is marked
    /// interrupted with the stage, and the next run carries on from the cache.
    func testAStopInEachStageMarksTheRunInterruptedAndTheNextRunCarriesOn() throws {
        let stops: [(stage: PipelineStage, after: String?)] = [(.generate, nil), (.analyse, "train: "), (.report, "analyse: ")]
        for (stage, after) in stops {
            let stop = StopRequest()
            if after == nil { stop.request() }
            XCTAssertThrowsError(try runPipeline(until: .report, stop: stop) { text in
                if let after, text.contains(after) { stop.request() }
            }) { error in
                guard case .interrupted(let what, _, let advice)? = error as? PipelineError else { return XCTFail("\(error)") }
                XCTAssertEqual(what, "the run during \(stage.rawValue)")
                XCTAssertTrue(advice.contains("To carry on, run `asl-lab run --name t` again"), advice)
                XCTAssertEqual((error as? UserFacingError)?.exitStatus, 130)
            }
            let store = RunStore(root: reports)
            let run = try XCTUnwrap(store.runs().last)
            XCTAssertEqual(RunStatus.read(runFolder: store.path(run))?.state, .interrupted)
            XCTAssertEqual(RunStatus.read(runFolder: store.path(run))?.stage, stage.rawValue)
            XCTAssertTrue(store.listText().contains("interrupted during \(stage.rawValue)"), store.listText())
            XCTAssertThrowsError(try store.archive(run, to: nil))
        }
        XCTAssertEqual(cache.state(stage: "analyse", key: try keys.analyse), .valid, "analyse finished in the run stopped during report")
        let (finished, _) = try runPipeline(until: .report)
        XCTAssertEqual(finished.stages.map(\.status), [.cached, .cached, .cached, .run])
        let store = RunStore(root: reports)
        XCTAssertEqual(store.status((finished.runFolder! as NSString).lastPathComponent), .complete)
        let compare = try store.compareText(store.runs()[0], (finished.runFolder! as NSString).lastPathComponent)
        XCTAssertTrue(compare.contains("A is not complete (interrupted during generate)"), compare)
    }

    /// A run killed with SIGKILL cannot say so: its status still says running, but its process
    /// is gone, so lists show it interrupted.
    func testARunWhoseProcessIsGoneIsShownInterrupted() throws {
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let run = reports + "/20260101-000000-killed"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        var status = RunStatus.starting(command: "asl-lab run")
        status.pid = finished.processIdentifier
        try status.write(to: run)
        let store = RunStore(root: reports)
        XCTAssertEqual(store.runs(), ["20260101-000000-killed"])
        XCTAssertEqual(store.status("20260101-000000-killed"), .interrupted)
        XCTAssertTrue(store.listText().contains("20260101-000000-killed  interrupted"), store.listText())
    }

    // MARK: - Archives hold only what can be verified

    func testArchiveRefusesADataSetTheManifestDoesNotOwn() throws {
        let (outcome, _) = try runPipeline()
        let runFolder = try XCTUnwrap(outcome.runFolder)
        let run = (runFolder as NSString).lastPathComponent
        let store = RunStore(root: reports)
        var manifest = try XCTUnwrap(RunManifest.readIfPresent(folder: runFolder))
        let original = manifest.dataset
        // A manifest edited to name another folder (here a copy of the data set outside any
        // cache, and a system folder): refused, nothing written.
        let elsewhere = folderURL.appendingPathComponent("elsewhere").path
        try FileManager.default.copyItem(atPath: original, toPath: elsewhere)
        for other in [elsewhere, "/etc"] {
            manifest.dataset = other
            try manifest.write(to: runFolder)
            XCTAssertThrowsError(try store.archive(run, to: folderURL.appendingPathComponent("a.zip").path)) { error in
                XCTAssertTrue("\(error)".contains("the run's manifest names it as its data set, but"), "\(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: folderURL.appendingPathComponent("a.zip").path))
        }
        // The data set pruned from the cache: the run is archived without it, and says so.
        manifest.dataset = original
        try manifest.write(to: runFolder)
        try FileManager.default.removeItem(atPath: original)
        let (_, files, note) = try store.archive(run, to: folderURL.appendingPathComponent("b.zip").path)
        XCTAssertEqual(files, try StageCache.files(under: runFolder).count)
        XCTAssertTrue(note?.contains("is no longer in the cache") == true, note ?? "no note")
        // A model that changed since the run is not archived as the run's.
        try rot(runFolder + "/model.safetensors")
        XCTAssertThrowsError(try store.archive(run, to: folderURL.appendingPathComponent("c.zip").path)) { error in
            XCTAssertTrue("\(error)".contains("no longer matches the one the run recorded"), "\(error)")
        }
    }

    // MARK: - Planted links

    func testALinkPlantedAsTheCacheLockIsRefused() throws {
        let victim = folderURL.appendingPathComponent("victim").path
        try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
        try FileManager.default.createDirectory(atPath: cacheRoot, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: cacheRoot + "/.lock", withDestinationPath: victim)
        XCTAssertThrowsError(try runPipeline()) { error in
            XCTAssertTrue("\(error)".contains("it is a symbolic link, which asl-lab does not write through"), "\(error)")
        }
        XCTAssertEqual(FileManager.default.contents(atPath: victim), Data("precious".utf8))
    }

    /// The partial folder a stopped training resumes in has a predictable name: a link planted
    /// there is refused, and nothing is written where it points.
    func testALinkPlantedAsAPartialStageFolderIsRefused() throws {
        let victim = folderURL.appendingPathComponent("victim").path
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: cacheRoot + "/train", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: cache.partialFolder(stage: "train", key: try keys.train), withDestinationPath: victim)
        XCTAssertThrowsError(try runPipeline()) { error in
            XCTAssertTrue("\(error)".contains("is a symbolic link where asl-lab keeps a folder of its own"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: victim), [])
    }

    func testARunFolderIsAlwaysNewEvenWhenALinkHoldsItsName() throws {
        let victim = folderURL.appendingPathComponent("victim").path
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let now = Date()
        for offset in 0..<3 {
            let name = formatter.string(from: now.addingTimeInterval(Double(offset))) + "-t"
            try FileManager.default.createSymbolicLink(atPath: reports + "/" + name, withDestinationPath: victim)
        }
        let created = try RunFolder.create(root: reports, name: "t")
        XCTAssertEqual(FileKind(path: created), .folder)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: victim), [])
    }

    // MARK: - Messages that name the real cause

    func testACacheOrReportsPathThatIsAFileIsNamedAsSuch() throws {
        let file = folderURL.appendingPathComponent("file").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try runPipeline(cacheRoot: file)) { error in
            XCTAssertEqual("\(error)", "The cache folder \(file) cannot be used: it is a file, not a folder. Choose another one with --cache.")
        }
        XCTAssertThrowsError(try runPipeline(reports: file + "/reports")) { error in
            XCTAssertEqual("\(error)", "Cannot write \(file): it is a file, not a folder.")
        }
    }
}
