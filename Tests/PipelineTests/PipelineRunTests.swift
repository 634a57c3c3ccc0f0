import Configuration
import FileFormats
import Foundation
import Storage
import TestSupport
import XCTest
@testable import Pipeline

/// The cached pipeline: cache hits and misses per changed key, damaged and half-written
/// entries, interruption and resume, concurrent runs, the manifest and the run store.
final class PipelineRunTests: TemporaryFolderTestCase {
    /// A config small enough to run in a second: 2 images per letter at 64 px, 16-px input.
    static let tiny = ["data.images_per_letter=3", "data.image_size=64", "train.input_size=16", "train.epochs=1",
                       "train.model.channels=[4,4,4]", "train.model.class_hidden=8", "train.model.distance_hidden=4"]

    var reports: String { folderURL.appendingPathComponent("Reports").path }
    var cacheRoot: String { folderURL.appendingPathComponent("cache").path }

    func runPipeline(_ extra: [String] = [], until: PipelineStage = .train, force: PipelineStage? = nil, dryRun: Bool = false,
             name: String = "t") throws -> (PipelineRun.Outcome, String) {
        let config = try ConfigLoader.load(file: nil, overrides: Self.tiny + extra)
        var text = ""
        let output = ConsoleOutput(isTerminal: false) { text += $0 }
        let options = PipelineRun.Options(reportsRoot: reports, cacheRoot: cacheRoot, name: name, threads: 1,
                                          force: force, until: until, dryRun: dryRun)
        let outcome = try PipelineRun.run(config: config, options: options, output: output)
        return (outcome, text)
    }

    func statuses(_ outcome: PipelineRun.Outcome) -> [String] { outcome.stages.map { "\($0.name):\($0.status)" } }

    func testSecondRunIsCachedAndEpochsRerunOnlyTrain() throws {
        let (first, _) = try runPipeline()
        XCTAssertEqual(statuses(first), ["generate:run", "train:run"])
        let (second, log) = try runPipeline()
        XCTAssertEqual(statuses(second), ["generate:cached", "train:cached"])
        XCTAssertTrue(log.contains("generate: cached (key "), log)
        XCTAssertEqual(first.stages.map(\.key), second.stages.map(\.key))
        let (third, _) = try runPipeline(["train.epochs=2"])
        XCTAssertEqual(statuses(third), ["generate:cached", "train:run"])
        XCTAssertEqual(third.stages[0].key, first.stages[0].key)
        XCTAssertNotEqual(third.stages[1].key, first.stages[1].key)
        let (fourth, _) = try runPipeline(["seed=5"])
        XCTAssertEqual(statuses(fourth), ["generate:run", "train:run"], "the seed feeds every stage")
        let (forced, _) = try runPipeline(force: .train)
        XCTAssertEqual(statuses(forced), ["generate:cached", "train:run"])
    }

    /// A run that draws its data set trains on the images it drew (resized in memory), not on
    /// its files decoded again: the same model bytes as training again from the cached files.
    func testTrainingOnTheDrawnImagesGivesTheModelOfTrainingOnTheirFiles() throws {
        let (drawn, _) = try runPipeline(name: "drawn")
        XCTAssertEqual(statuses(drawn), ["generate:run", "train:run"])
        let (decoded, _) = try runPipeline(force: .train, name: "decoded")
        XCTAssertEqual(statuses(decoded), ["generate:cached", "train:run"])
        let model = { (outcome: PipelineRun.Outcome) in FileManager.default.contents(atPath: outcome.runFolder! + "/model.safetensors") }
        XCTAssertNotNil(model(drawn))
        XCTAssertEqual(model(drawn), model(decoded))
    }

    /// The generate stage keeps its images for training only when both run in this process.
    func testDrawnImagesAreKeptOnlyWhenTheSameProcessTrainsOnThem() throws {
        let config = try ConfigLoader.load(file: nil, overrides: Self.tiny)
        let stages = StageTable.stages.filter { $0.stage <= .train }
        func kept(_ generate: StageCache.EntryState, _ train: StageCache.EntryState, force: PipelineStage? = nil,
                  stages: [StageDefinition] = stages, config: EffectiveConfig = config) -> Int? {
            PipelineRun.preparedImages(stages: stages, states: [.generate: generate, .train: train], force: force, config: config)?.inputSize
        }
        XCTAssertEqual(kept(.missing, .missing), 16, "both run: kept at the model's input size")
        XCTAssertEqual(kept(.valid, .valid, force: .generate), 16)
        XCTAssertEqual(kept(.corrupt("x"), .missing), 16)
        XCTAssertNil(kept(.valid, .missing), "the data set is cached: training decodes its files")
        XCTAssertNil(kept(.missing, .valid), "the model is cached: nothing would take the images")
        XCTAssertNil(kept(.valid, .valid, force: .train))
        XCTAssertNil(kept(.missing, .missing, stages: stages.filter { $0.stage == .generate }), "--until generate")
        let folder = try ConfigLoader.load(file: nil, overrides: Self.tiny + ["data.source=folder", "data.folder=/nonexistent"])
        XCTAssertNil(kept(.missing, .missing, config: folder), "a folder of the user's own is read, not drawn")
    }

    func testFullyCachedRunLinksTheReportFiguresAndRedrawsWhenTheyChange() throws {
        func figures(_ outcome: PipelineRun.Outcome) throws -> [String: Data] {
            let folder = outcome.runFolder! + "/figures"
            var files: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) where !name.hasPrefix("overview-stages.") {
                files[name] = FileManager.default.contents(atPath: folder + "/" + name)
            }
            return files
        }
        let (first, firstLog) = try runPipeline(until: .report, name: "a")
        XCTAssertFalse(firstLog.contains("linked from the cache"), firstLog)
        let keys = StageKeys(config: try ConfigLoader.load(file: nil, overrides: Self.tiny))
        let cache = StageCache(root: cacheRoot)
        XCTAssertEqual(cache.state(stage: ReportStage.figuresCacheStage, key: keys.reportFigures), .valid)
        let drawn = try figures(first)
        XCTAssertGreaterThan(drawn.count, 30, "svg, png and csv of every figure (svg and csv of the drill-down pages' photo grids)")
        let names = Set(drawn.keys.map { ($0 as NSString).deletingPathExtension })

        let (second, secondLog) = try runPipeline(until: .report, name: "b")
        XCTAssertTrue(secondLog.contains("\(names.count) of them unchanged, linked from the cache"), secondLog)
        XCTAssertEqual(try figures(second), drawn)
        XCTAssertTrue(FileManager.default.fileExists(atPath: second.runFolder! + "/figures/overview-stages.svg"), "the run's own timings are drawn anew")

        // A damaged kept figure is not trusted: the figures are drawn again and kept afresh.
        let kept = cache.folder(stage: ReportStage.figuresCacheStage, key: keys.reportFigures) + "/figures/training-loss.svg"
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: kept))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("<!-- damaged -->".utf8))
        try handle.close()
        let (third, thirdLog) = try runPipeline(until: .report, name: "c")
        XCTAssertFalse(thirdLog.contains("linked from the cache"), thirdLog)
        XCTAssertEqual(try figures(third), drawn)
        XCTAssertEqual(cache.state(stage: ReportStage.figuresCacheStage, key: keys.reportFigures), .valid)

        let (_, otherLog) = try runPipeline(["train.epochs=2"], until: .report, name: "d")
        XCTAssertFalse(otherLog.contains("linked from the cache"), "another model, other figures")
    }

    func testAnalyseIsCachedAndItsFilesReachTheRunFolder() throws {
        let (first, _) = try runPipeline(until: .analyse)
        XCTAssertEqual(statuses(first), ["generate:run", "train:run", "analyse:run"])
        for file in ["metrics.json", "embeddings.npy", "predictions.csv", "confusion.csv", "parameters.csv", "inspection/saliency.npy"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: first.runFolder! + "/" + file), file)
        }
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first.runFolder! + "/metrics.json"))) as? [String: Any]
        XCTAssertEqual((metrics?["tsne"] as? [String: Any])?["neighbours"] as? String, "exact", "a small test split gets exact neighbours")
        let (second, _) = try runPipeline(["analyse.samples_per_letter=3"], until: .analyse)
        XCTAssertEqual(statuses(second), ["generate:cached", "train:cached", "analyse:run"])
        let (third, _) = try runPipeline(["analyse.samples_per_letter=3"], until: .analyse)
        XCTAssertEqual(statuses(third), ["generate:cached", "train:cached", "analyse:cached"])
    }

    func testAnalyseRefusesAModelOfAnotherShapeAndAnEmptyTestSplit() throws {
        let (outcome, _) = try runPipeline()
        let manifest = try XCTUnwrap(RunManifest.readIfPresent(folder: outcome.runFolder!))
        let model = outcome.runFolder! + "/model.safetensors"
        let out = folderURL.appendingPathComponent("analysis").path
        let quiet = ConsoleOutput(isTerminal: false) { _ in }
        let wider = try ConfigLoader.load(file: nil, overrides: Self.tiny + ["train.model.class_hidden=16"])
        XCTAssertThrowsError(try AnalyseStage.run(AnalyseStage.job(config: wider, data: manifest.dataset, model: model, out: out),
                                                  expected: AnalyseStage.architecture(config: wider), console: quiet)) { error in
            XCTAssertTrue("\(error)".contains("heads 8/4, but the config asks for input 16 px, channels [4, 4, 4], heads 16/4"), "\(error)")
        }
        let noTest = try ConfigLoader.load(file: nil, overrides: Self.tiny + ["train.split.train=0.85", "train.split.test=0"])
        XCTAssertThrowsError(try AnalyseStage.run(AnalyseStage.job(config: noTest, data: manifest.dataset, model: model, out: out),
                                                  expected: nil, console: quiet)) { error in
            XCTAssertTrue("\(error)".contains("the test split is empty (78 images with train.split.test = 0.0)"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "a failed analysis leaves no output folder")
    }

    func testDryRunNamesTheChangedKeysAndRunsNothing() throws {
        _ = try runPipeline()
        let (outcome, log) = try runPipeline(["train.epochs=3"], until: .report, dryRun: true)
        XCTAssertNil(outcome.runFolder)
        XCTAssertEqual(statuses(outcome), ["generate:cached", "train:would run", "analyse:would run", "report:would run"])
        XCTAssertTrue(log.contains("train: will run (not in the cache)"), log)
        XCTAssertTrue(log.contains("Config keys changed since the last run (t): train.epochs: 1 → 3."), log)
        XCTAssertEqual(RunStore(root: reports).runs().count, 1, "a dry run leaves no run folder")
    }

    /// The dry run asks the cache, not the last run folder: after runs with 1 and then 2 epochs,
    /// a dry run with 1 epoch finds train's output in the cache although the last run differs.
    func testDryRunSaysCachedFromTheCacheNotFromTheLastRun() throws {
        _ = try runPipeline()
        _ = try runPipeline(["train.epochs=2"])
        let (outcome, log) = try runPipeline(dryRun: true)
        XCTAssertEqual(statuses(outcome), ["generate:cached", "train:cached"])
        XCTAssertTrue(log.contains("train: cached (the cache holds its output)"), log)
        XCTAssertFalse(log.contains("train: will run"), log)
        XCTAssertTrue(log.contains("Config keys changed since the last run (t): train.epochs: 2 → 1."), log)
        // An entry that is gone is reported as such, whatever the last run was.
        try FileManager.default.removeItem(atPath: StageCache(root: cacheRoot).folder(stage: "train", key: outcome.stages[1].key!))
        let (_, again) = try runPipeline(dryRun: true)
        XCTAssertTrue(again.contains("train: will run (not in the cache)"), again)
    }

    func testDamagedEntryIsDetectedAndRebuilt() throws {
        let (first, _) = try runPipeline()
        let model = StageCache(root: cacheRoot).folder(stage: "train", key: first.stages[1].key!) + "/model.safetensors"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        bytes[bytes.count - 1] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: model))
        let (second, log) = try runPipeline()
        XCTAssertEqual(statuses(second), ["generate:cached", "train:run"])
        XCTAssertTrue(log.contains("train: the cached entry is damaged (model.safetensors changed content)"), log)
        XCTAssertEqual(StageCache(root: cacheRoot).state(stage: "train", key: first.stages[1].key!), .valid)
        // A deleted file is noticed too.
        let label = StageCache(root: cacheRoot).folder(stage: "generate", key: first.stages[0].key!) + "/labels.csv"
        try FileManager.default.removeItem(atPath: label)
        let (third, _) = try runPipeline()
        XCTAssertEqual(statuses(third), ["generate:run", "train:cached"])
    }

    func testUnsealedPartialEntryIsNeverTrusted() throws {
        let keys = StageKeys(config: try ConfigLoader.load(file: nil, overrides: Self.tiny))
        let cache = StageCache(root: cacheRoot)
        // What a stage killed before sealing leaves: its partial folder, and even a final
        // folder without a seal.
        try FileManager.default.createDirectory(atPath: cache.partialFolder(stage: "train", key: keys.train), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: cache.folder(stage: "generate", key: keys.generate), withIntermediateDirectories: true)
        XCTAssertEqual(cache.state(stage: "train", key: keys.train), .missing)
        XCTAssertEqual(cache.state(stage: "generate", key: keys.generate), .corrupt("it has no entry.json"))
        let (outcome, _) = try runPipeline()
        XCTAssertEqual(statuses(outcome), ["generate:run", "train:run"])
    }

    func testManifestRecordsConfigKeysArtifactsAndMachine() throws {
        let (outcome, _) = try runPipeline()
        let runFolder = try XCTUnwrap(outcome.runFolder)
        let manifest = try XCTUnwrap(RunManifest.readIfPresent(folder: runFolder))
        XCTAssertEqual(manifest.config["train.epochs"], "1")
        XCTAssertEqual(manifest.config["data.images_per_letter"], "3")
        XCTAssertEqual(manifest.configHash, try ConfigLoader.load(file: nil, overrides: Self.tiny).hash)
        XCTAssertEqual(manifest.stages.map(\.name), ["generate", "train"])
        XCTAssertEqual(manifest.machine.cores, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertGreaterThan(manifest.machine.memoryBytes, 0)
        XCTAssertTrue(manifest.dataset.hasPrefix("/"), "the data set path is absolute")
        XCTAssertTrue(FileManager.default.fileExists(atPath: manifest.dataset + "/labels.csv"))
        for name in ["model.safetensors", "history.csv", "training.json", "config.yaml"] {
            let expected = StageCache.sha256(path: runFolder + "/" + name)
            XCTAssertEqual(manifest.artifacts[name], expected, name)
        }
        XCTAssertNotNil(manifest.metrics.epochs)
        let index = try String(contentsOfFile: reports + "/index.html", encoding: .utf8)
        XCTAssertTrue(index.contains((runFolder as NSString).lastPathComponent))
    }

    func testRunNamesAreEscapedInTheIndexAndCompareListsOnlyDifferences() throws {
        _ = try runPipeline(name: "<script>alert(1)</script>")
        _ = try runPipeline(["train.epochs=2"], name: "b")
        let index = try String(contentsOfFile: reports + "/index.html", encoding: .utf8)
        XCTAssertFalse(index.contains("<script>alert"))
        XCTAssertTrue(index.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        let store = RunStore(root: reports)
        let runs = store.runs()
        XCTAssertEqual(runs.count, 2)
        let text = try store.compareText(runs[0], runs[1])
        XCTAssertTrue(text.contains("train.epochs"), text)
        XCTAssertFalse(text.contains("data.images_per_letter"), "identical keys are not listed")
        // A difference of two percentages is in percentage points, never "%".
        let accuracy = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("test accuracy") })
        XCTAssertTrue(accuracy.hasSuffix(" points") && accuracy.contains("Δ "), String(accuracy))
        let page = try String(contentsOfFile: reports + "/compare-\(runs[0])-vs-\(runs[1]).html", encoding: .utf8)
        XCTAssertTrue(page.contains("<td><code>train.epochs</code></td><td>1</td><td>2</td>"), page)
        XCTAssertTrue(page.contains("accuracy in percentage points"), page)
        XCTAssertTrue(page.contains("compare-figures/compare-\(runs[0])-vs-\(runs[1]).svg"), "overlaid training curves")
        XCTAssertTrue(FileManager.default.fileExists(atPath: reports + "/compare-figures/compare-\(runs[0])-vs-\(runs[1]).svg"))
        XCTAssertFalse(page.contains("<script>alert"))
        XCTAssertThrowsError(try store.resolve("no-such-run"))
        // Both folder names start with the same date stamp, whatever the date.
        XCTAssertThrowsError(try store.resolve(runs[0].commonPrefix(with: runs[1]))) { error in
            XCTAssertTrue("\(error)".contains("matches several runs"))
        }
    }

    func testArchiveHoldsRunAndDataSetWithVerifiedSums() throws {
        let (outcome, _) = try runPipeline()
        let store = RunStore(root: reports)
        let run = (outcome.runFolder! as NSString).lastPathComponent
        let zip = folderURL.appendingPathComponent("run.zip").path
        let (path, files, note) = try store.archive(run, to: zip)
        XCTAssertNil(note, "the data set is in the cache and goes into the archive")
        XCTAssertEqual(path, zip)
        let runFiles = try StageCache.files(under: outcome.runFolder!).count
        XCTAssertEqual(files, runFiles + 26 * 3 + 3, "run files + 78 PNGs + labels.csv, labels.xlsx, dataset.json")
        // The sums file lists every entry, and corrupting an entry is caught by the verifier.
        let listing = try CommandLineTests.capture("/usr/bin/env", ["unzip", "-p", zip, "\(run)/SHA256SUMS"])
        XCTAssertEqual(listing.split(separator: "\n").count, files)
        XCTAssertTrue(listing.contains("  \(run)/model.safetensors"))
        XCTAssertTrue(listing.contains("  \(run)/dataset/A/A_00000.png"))
        XCTAssertThrowsError(try RunStore.verify(archive: zip, sums: [String(repeating: "0", count: 64) + "  \(run)/model.safetensors"]))
    }
}
