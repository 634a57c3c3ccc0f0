import Canvas
import Configuration
import FileFormats
import Foundation
import Storage
import TestSupport
import XCTest
@testable import Pipeline

/// `asl-lab run` on a user's data set folder: any class list, with or without distances,
/// through train, analyse and report, keyed by the folder's content.
final class ExternalDataRunTests: TemporaryFolderTestCase {
    static let tiny = ["train.input_size=16", "train.epochs=1", "train.model.channels=[4,4,4]", "train.model.class_hidden=8",
                       "train.model.distance_hidden=4", "analyse.tsne.iterations=30", "analyse.samples_per_letter=1"]

    var reports: String { folder + "/Reports" }
    var cacheRoot: String { folder + "/cache" }

    /// `classes` × `perClass` flat-coloured 12-px PNGs and their labels.csv in `folder/name`.
    func makeData(_ name: String, classes: [String], perClass: Int, distance: Bool) throws -> String {
        let root = folder + "/" + name
        try FileManager.default.createDirectory(atPath: root + "/images", withIntermediateDirectories: true)
        var text = distance ? "filepath,label,distance\n" : "filepath,label\n"
        for (c, label) in classes.enumerated() {
            for k in 0..<perClass {
                let file = "images/\(c)-\(k).png"
                let v = UInt8((c * 37) % 256)
                try PNG.write(RGBImage(width: 12, height: 12, fill: (v, UInt8((c * 91 + k) % 256), 255 - v)), to: root + "/" + file)
                text += "\(file),\"\(label)\"" + (distance ? ",\(1 + Double(k) / 4)" : "") + "\n"
            }
        }
        try text.write(toFile: root + "/labels.csv", atomically: true, encoding: .utf8)
        return root
    }

    func run(data: String, until: PipelineStage = .report, extra: [String] = []) throws -> (PipelineRun.Outcome, String) {
        let config = try ConfigLoader.load(file: nil, overrides: Self.tiny + ["data.source=folder", "data.folder=\(data)"] + extra)
        var text = ""
        let output = ConsoleOutput(isTerminal: false) { text += $0 }
        let options = PipelineRun.Options(reportsRoot: reports, cacheRoot: cacheRoot, name: "ext", threads: 2, until: until)
        return (try PipelineRun.run(config: config, options: options, output: output), text)
    }

    func page(_ outcome: PipelineRun.Outcome, _ name: String) throws -> String {
        try String(contentsOfFile: outcome.runFolder! + "/" + name, encoding: .utf8)
    }

    func testTwoClassesWithoutDistanceTrainAnalyseAndReport() throws {
        let data = try makeData("two", classes: ["no sign", "<b>&co"], perClass: 6, distance: false)
        let (outcome, log) = try run(data: data)
        XCTAssertEqual(outcome.stages.map(\.name), ["generate", "train", "analyse", "report"])
        XCTAssertTrue(log.contains("no distance column"), log)
        let metrics = try AnalysisMetrics.read(folder: outcome.runFolder!)
        XCTAssertEqual(metrics.classes, ["<b>&co", "no sign"])
        XCTAssertEqual(metrics.distanceLabelled, false)
        XCTAssertTrue(metrics.distanceBins.isEmpty)
        let evaluation = try page(outcome, "evaluation.html")
        XCTAssertTrue(evaluation.contains("&lt;b&gt;&amp;co"), "class names are escaped")
        XCTAssertFalse(evaluation.contains("<b>&co"))
        XCTAssertTrue(evaluation.contains("no distance column"), "the distance section says why it is empty")
        let manifest = try RunManifest.read(folder: outcome.runFolder!)
        XCTAssertEqual(manifest.dataset, data)
    }

    func testTenClassesWithDistanceAndAnEditedImageRetrains() throws {
        let names = (0..<10).map { "class \($0) é" }
        let data = try makeData("ten", classes: names, perClass: 4, distance: true)
        let (first, _) = try run(data: data, until: .train)
        XCTAssertEqual(first.stages.map { "\($0.name):\($0.status)" }, ["generate:run", "train:run"])
        let (second, _) = try run(data: data, until: .train)
        XCTAssertEqual(second.stages.map { "\($0.name):\($0.status)" }, ["generate:cached", "train:cached"])
        try PNG.write(RGBImage(width: 12, height: 12, fill: (0, 0, 0)), to: data + "/images/3-1.png")
        let (third, _) = try run(data: data, until: .train)
        XCTAssertEqual(third.stages.map { "\($0.name):\($0.status)" }, ["generate:run", "train:run"], "one edited image reruns training")
        XCTAssertNotEqual(third.stages[0].key, first.stages[0].key)
        XCTAssertFalse(StageCache(root: cacheRoot).entries().contains { $0.stage.contains("fingerprints") },
                       "the remembered file hashes are no cache entry (cache list, verify and prune leave them alone)")
        let (analysed, _) = try run(data: data)
        let metrics = try AnalysisMetrics.read(folder: analysed.runFolder!)
        XCTAssertEqual(metrics.classes, names.sorted())
        XCTAssertNil(metrics.distanceLabelled)
        XCTAssertEqual(metrics.distanceBins.count, 8)
    }

    func testAMissingFolderIsAClearError() throws {
        XCTAssertThrowsError(try run(data: folder + "/nowhere")) { error in
            XCTAssertTrue("\(error)".contains("nowhere"), "\(error)")
            XCTAssertTrue("\(error)".contains("data.folder"), "\(error)")
            XCTAssertTrue("\(error)".contains("labels.csv"), "says what the folder must hold: \(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: reports), "nothing written")
    }

    func testAClassTooSmallForTheSplitStopsTheRunBeforeItsFolderExists() throws {
        let data = try makeData("small", classes: ["many", "few"], perClass: 4, distance: false)
        let labels = data + "/labels.csv"
        let kept = try String(contentsOfFile: labels, encoding: .utf8).split(separator: "\n").dropLast(2)
        try (kept.joined(separator: "\n") + "\n").write(toFile: labels, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try run(data: data)) { error in
            XCTAssertTrue("\(error)".contains("\"few\" (2 images)"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: reports), "no run folder, nothing half-written")
    }

    func testRunDataTakesAnyPathLiterally() throws {
        let odd = folder + "/my signs: 'v2' #1"
        let config = try ConfigLoader.load(file: nil, overrides: PipelineRun.dataOverrides(folder: odd))
        XCTAssertEqual(Config(config).dataFolder, odd)
        let relative = try ConfigLoader.load(file: nil, overrides: PipelineRun.dataOverrides(folder: "some/where"))
        XCTAssertEqual(Config(relative).dataFolder, FileManager.default.currentDirectoryPath + "/some/where", "made absolute")
    }

    func testTheDefaultConfigHashIsUnchangedByTheNewKeys() throws {
        // The hash a default run records in its model, from before data.source and data.folder.
        let defaults = try ConfigLoader.load(file: nil, overrides: [])
        XCTAssertFalse(defaults.canonicalText().contains("data.source"))
        XCTAssertFalse(defaults.canonicalText().contains("data.folder"))
        XCTAssertEqual(defaults.canonicalText().split(separator: "\n").count, ConfigSchema.fields.filter(\.hashedAtDefault).count)
        XCTAssertEqual(ConfigSchema.fields.filter { !$0.hashedAtDefault }.map(\.key), ["data.seed", "data.source", "data.folder", "train.seed", "analyse.shifts"])
        let folder = try ConfigLoader.load(file: nil, overrides: ["data.source=folder", "data.folder=/x"])
        XCTAssertTrue(folder.canonicalText().contains("data.folder="), folder.canonicalText())
        XCTAssertNotEqual(folder.hash(under: "data"), defaults.hash(under: "data"))
    }
}

/// Evaluation under shift: shifted sets drawn by the generator through the cache, and a model
/// evaluated on the whole of another data set.
final class ShiftEvaluationRunTests: TemporaryFolderTestCase {
    static let tiny = PipelineRunTests.tiny + ["analyse.tsne.iterations=30", "analyse.samples_per_letter=1"]
    static let shifts = "analyse.shifts=[{name: far, set: {data.distance.min: 4, data.distance.max: 6}}, {name: heavy-blur, set: {data.augment.blur.probability: 1}}]"

    func run(_ extra: [String], until: PipelineStage = .report) throws -> (PipelineRun.Outcome, String) {
        let config = try ConfigLoader.load(file: nil, overrides: Self.tiny + extra)
        var text = ""
        let output = ConsoleOutput(isTerminal: false) { text += $0 }
        let options = PipelineRun.Options(reportsRoot: folder + "/Reports", cacheRoot: folder + "/cache", name: "shift", threads: 2, until: until)
        return (try PipelineRun.run(config: config, options: options, output: output), text)
    }

    func testShiftedSetsAreGeneratedThroughTheCacheEvaluatedAndReported() throws {
        let (outcome, log) = try run([Self.shifts])
        let g = try GeneralisationMetrics.read(folder: outcome.runFolder!)
        XCTAssertEqual(g.sets.map(\.name), ["test", "far", "heavy-blur"])
        XCTAssertEqual(g.sets[1].images, 26 * 3, "every image of the shifted set")
        XCTAssertEqual(g.sets[1].summary, "data.distance.min = 4.0, data.distance.max = 6.0")
        XCTAssertNotNil(g.sets[1].distanceMAE)
        XCTAssertEqual(g.classes.count, 26)
        XCTAssertTrue(log.contains("shift far"), log)
        let page = try String(contentsOfFile: outcome.runFolder! + "/generalisation.html", encoding: .utf8)
        XCTAssertTrue(page.contains("heavy-blur") && page.contains("figure-generalisation-tsne"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: outcome.runFolder! + "/generalisation_tsne.npy"))
        // Another analysis of the same shifts reuses their data sets.
        let (_, again) = try run([Self.shifts, "analyse.tsne.iterations=31"])
        XCTAssertTrue(again.contains("shift far: its data set is cached"), again)
        XCTAssertFalse(again.contains("generate: Generated"), "nothing drawn again")
    }

    func testTheDefaultKeysDoNotChangeWithoutShifts() throws {
        let plain = try ConfigLoader.load(file: nil, overrides: Self.tiny)
        let shifted = try ConfigLoader.load(file: nil, overrides: Self.tiny + [Self.shifts])
        XCTAssertEqual(StageKeys(config: plain).train, StageKeys(config: shifted).train)
        XCTAssertNotEqual(StageKeys(config: plain).analyse, StageKeys(config: shifted).analyse)
        let far = try shifted.shifted(shifted.shifts[0])
        XCTAssertNotEqual(Config(far).seed, Config(shifted).seed, "a shifted set draws with its own seed")
        XCTAssertEqual(Config(far).data.distanceMin, 4)
    }

    func testBadShiftsAreNamed() throws {
        for (bad, words) in [("[{name: x, set: {train.epochs: 2}}]", "not a generator key"), ("[{name: x}]", "no data.* key"),
                             ("[{name: a, set: {data.noise: 1}}]", "not a generator key"), ("[{set: {data.distance.min: 2}}]", "no name"),
                             ("[{name: a, set: {data.distance.min: 9}}]", "data.distance.min")] {
            do {
                let config = try ConfigLoader.load(file: nil, overrides: ["analyse.shifts=" + bad])
                _ = try config.shifts.map { try config.shifted($0) }
                XCTFail("\(bad) was accepted")
            } catch {
                XCTAssertTrue("\(error)".contains(words), "\(bad): \(error)")
            }
        }
    }

    func testAnalyseWholeEvaluatesEveryImageOfAnotherDataSetByClassName() throws {
        let (trained, _) = try run([], until: .train)
        let model = trained.runFolder! + "/model.safetensors"
        // Another data set holding three of the letters, in a folder of its own.
        let other = folder + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        var labels = "filepath,label,distance\n"
        for (i, letter) in ["B", "Q", "Z"].enumerated() {
            for k in 0..<2 {
                try PNG.write(RGBImage(width: 40, height: 40, fill: (UInt8(60 * i), 200, 90)), to: other + "/\(letter)\(k).png")
                labels += "\(letter)\(k).png,\(letter),2.5\n"
            }
        }
        try labels.write(toFile: other + "/labels.csv", atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(file: nil, overrides: Self.tiny)
        var job = AnalyseStage.job(config: config, data: other, model: model, out: folder + "/whole", threads: 2)
        job.whole = true
        let outcome = try AnalyseStage.run(job, expected: AnalyseStage.architecture(config: config), console: ConsoleOutput(isTerminal: false) { _ in })
        XCTAssertEqual(outcome.metrics.testImages, 6, "every image, not a test split")
        XCTAssertEqual(outcome.metrics.classes?.count, 26, "scored against the model's 26 classes")
        // A class the model does not know is named.
        try (labels + "Q9.png,hand,2\n").write(toFile: other + "/labels.csv", atomically: true, encoding: .utf8)
        try PNG.write(RGBImage(width: 40, height: 40, fill: (1, 2, 3)), to: other + "/Q9.png")
        XCTAssertThrowsError(try AnalyseStage.run(job, expected: nil, console: ConsoleOutput(isTerminal: false) { _ in })) { error in
            XCTAssertTrue("\(error)".contains("\"hand\""), "\(error)")
        }
    }
}
