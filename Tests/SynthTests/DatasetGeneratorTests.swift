import AtomicIO
import Canvas
import Foundation
import Interrupt
import TestSupport
import XCTest
@testable import Synth

final class DatasetGeneratorTests: TemporaryFolderTestCase {
    /// The test's folder (`folder`), under the name these tests use.
    private var root: String { folder }

    override func setUpWithError() throws {
        try super.setUpWithError()
    }
    static func smallConfig(families: FamilySet = .asl26, imagesPerLetter: Int = 3, size: Int = 64) -> DataConfig {
        DataConfig(imagesPerLetter: imagesPerLetter, imageSize: size, families: families, distanceMin: 1, distanceMax: 5,
                   augment: AugmentConfig(rotationDegrees: 360, blurProbability: 0.5, blurRadius: 0.5...1.5, noiseSigma: 6,
                                          perlinAmplitude: 12, perlinScale: 48, backgroundBase: 200...255, backgroundJitter: 20,
                                          geometricJitter: 0.15))
    }

    private func job(_ name: String, config: DataConfig = smallConfig(), seed: UInt64 = 7, shard: Shard? = nil,
                     threads: Int = 2, force: Bool = false) -> GenerateJob {
        GenerateJob(config: config, seed: seed, output: root + "/" + name, shard: shard, threads: threads, force: force,
                    provenance: DatasetProvenance(configHash: "hash-\(seed)-\(config.imagesPerLetter)-\(config.families)",
                                                  configYAML: "seed: \(seed)\n", toolVersion: "test"))
    }

    /// Relative path → bytes of every file under `folder`, hidden files included.
    private func contents(of folder: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)!
        while let item = enumerator.nextObject() as? String {
            let path = folder + "/" + item
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[item] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return result
    }

    func testLayoutMatchesTheOriginalAndLabelsDescribeEveryImage() throws {
        let outcome = try DatasetGenerator.generate(job("layout"))
        XCTAssertEqual(outcome.result, .complete)
        XCTAssertEqual(outcome.imagesDrawn, 78)
        let files = try contents(of: root + "/layout")
        XCTAssertEqual(files.keys.filter { $0.hasSuffix(".png") }.count, 78)
        XCTAssertNotNil(files["A/A_00000.png"])
        XCTAssertNotNil(files["Z/Z_00002.png"])
        XCTAssertEqual(Set(files.keys.filter { !$0.hasSuffix(".png") }), ["labels.csv", "labels.xlsx", "dataset.json"])

        let rows = try LabelsTable.parseCSV(String(decoding: files["labels.csv"]!, as: UTF8.self), file: "labels.csv")
        XCTAssertEqual(rows.count, 78)
        XCTAssertEqual(rows[0].filepath, "A/A_00000.png")
        XCTAssertEqual(rows[3].filepath, "B/B_00000.png")
        XCTAssertTrue(rows.allSatisfy { (1...5).contains($0.distance) })
        XCTAssertEqual(try LabelsWorkbook.read(files["labels.xlsx"]!, file: "labels.xlsx"), rows)

        let image = try PNG.decode([UInt8](files["C/C_00001.png"]!))
        XCTAssertEqual(image.width, 64)
        XCTAssertEqual(image.height, 64)
        let manifest = try DatasetManifest.verify(folder: root + "/layout")
        XCTAssertEqual(manifest.images, 78)
        XCTAssertEqual(manifest.families, "asl26")
    }

    func testBytesDoNotDependOnThreadsOrShards() throws {
        _ = try DatasetGenerator.generate(job("one", threads: 1))
        _ = try DatasetGenerator.generate(job("two", threads: 2))
        let second = try DatasetGenerator.generate(job("shards", shard: Shard(index: 2, count: 2)))
        XCTAssertEqual(second.result, .shardWritten(waiting: 1))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/shards"), "nothing appears before every shard is done")
        XCTAssertThrowsError(try DatasetManifest.verify(folder: root + "/.shards.shards"))
        let first = try DatasetGenerator.generate(job("shards", shard: Shard(index: 1, count: 2)))
        XCTAssertEqual(first.result, .complete)

        let one = try contents(of: root + "/one")
        XCTAssertEqual(one.count, 81)
        XCTAssertEqual(one, try contents(of: root + "/two"))
        XCTAssertEqual(one, try contents(of: root + "/shards"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/.shards.shards"))
    }

    func testSeedChangesPixelsAndRepeatingASeedRepeatsThem() throws {
        _ = try DatasetGenerator.generate(job("a", seed: 1))
        _ = try DatasetGenerator.generate(job("b", seed: 1))
        _ = try DatasetGenerator.generate(job("c", seed: 2))
        let a = try contents(of: root + "/a"), b = try contents(of: root + "/b"), c = try contents(of: root + "/c")
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a["A/A_00000.png"], c["A/A_00000.png"])
        XCTAssertNotEqual(a["labels.csv"], c["labels.csv"])
    }

    func testShardsWithDifferentConfigsAreRefused() throws {
        _ = try DatasetGenerator.generate(job("mixed", seed: 1, shard: Shard(index: 1, count: 2)))
        XCTAssertThrowsError(try DatasetGenerator.generate(job("mixed", seed: 2, shard: Shard(index: 2, count: 2)))) { error in
            guard case .shardMismatch? = error as? SynthError else { return XCTFail("\(error)") }
        }
    }

    func testUpToDateDataSetIsNotDrawnAgainUnlessForced() throws {
        _ = try DatasetGenerator.generate(job("same"))
        XCTAssertEqual(try DatasetGenerator.generate(job("same")).result, .upToDate)
        let forced = try DatasetGenerator.generate(job("same", force: true))
        XCTAssertEqual(forced.result, .complete)
        XCTAssertEqual(forced.imagesDrawn, 78)
        // A different config replaces the old data set (it is ours) without --force.
        let other = try DatasetGenerator.generate(job("same", config: Self.smallConfig(imagesPerLetter: 1)))
        XCTAssertEqual(other.imagesDrawn, 26)
        XCTAssertEqual(try contents(of: root + "/same").keys.filter { $0.hasSuffix(".png") }.count, 26)
    }

    func testRefusesToReplaceAFolderThatIsNotADataSetEvenWithForce() throws {
        let folder = root + "/thesis"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("precious".utf8).write(to: URL(fileURLWithPath: folder + "/chapter1.tex"))
        for force in [false, true] {
            XCTAssertThrowsError(try DatasetGenerator.generate(job("thesis", force: force))) { error in
                XCTAssertEqual((error as? SynthError)?.description,
                               "The output folder \(folder) holds a file that asl-lab did not write (chapter1.tex). asl-lab never deletes what it did not write, with or without --force: move it elsewhere, or choose another output folder.")
            }
        }
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/chapter1.tex"), Data("precious".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root), ["thesis"], "no staging folder left")
    }

    /// Regenerating into a data set folder with another config used to delete everything in
    /// it: a model saved beside the images, notes, a file inside a letter folder.
    func testRegeneratingNeverDeletesFilesAsllabDidNotWrite() throws {
        let folder = root + "/data"
        _ = try DatasetGenerator.generate(job("data"))
        let before = try contents(of: folder)
        let planted = ["model.safetensors": "weights", "notes.md": "notes", "A/extra.txt": "mine", ".hidden": "h", "B/B_1.png": "not ours"]
        for (name, text) in planted { try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        for force in [false, true] {
            XCTAssertThrowsError(try DatasetGenerator.generate(job("data", config: Self.smallConfig(imagesPerLetter: 1), force: force))) { error in
                guard case .outputHoldsOtherFiles(let path, let files)? = error as? SynthError else { return XCTFail("\(error)") }
                XCTAssertEqual(path, folder)
                XCTAssertEqual(files, [".hidden", "A/extra.txt", "B/B_1.png", "model.safetensors", "notes.md"])
            }
        }
        let after = try contents(of: folder)
        for (name, text) in planted { XCTAssertEqual(after[name], Data(text.utf8), name) }
        for (name, data) in before { XCTAssertEqual(after[name], data, "the data set is untouched: \(name)") }
        // Once the other files are gone, the data set is replaced as before.
        for name in planted.keys { try FileManager.default.removeItem(atPath: folder + "/" + name) }
        XCTAssertEqual(try DatasetGenerator.generate(job("data", config: Self.smallConfig(imagesPerLetter: 1))).imagesDrawn, 26)
    }

    func testAnOutputPathThatIsNotAFolderIsRefusedEvenWithForce() throws {
        let path = root + "/taken"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try DatasetGenerator.generate(job("taken", force: true))) { error in
            XCTAssertEqual((error as? SynthError)?.description,
                           "The output path \(path) is a file, not a folder. asl-lab never deletes what it did not write: choose another path.")
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("precious".utf8))
    }

    func testOutputUnderAFileIsAClearErrorAndLeavesNothing() throws {
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/plain-file"))
        XCTAssertThrowsError(try DatasetGenerator.generate(job("plain-file/data"))) { error in
            XCTAssertEqual("\(error)", "Cannot write \(root)/plain-file: it is a file, not a folder.")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root), ["plain-file"])
    }

    func testFullDiskMidwayLeavesNothingBehind() throws {
        var failing = job("full")
        let written = Counter()
        failing.writeImage = { bytes, path in
            if written.increment() > 10 {
                throw SynthError.cannotWrite(path: path, reason: SystemReason.phrase(ENOSPC, path: path))
            }
            try Files.write(bytes, to: path)
        }
        XCTAssertThrowsError(try DatasetGenerator.generate(failing)) { error in
            let text = (error as? SynthError)?.description ?? "\(error)"
            XCTAssertTrue(text.hasSuffix(": no space is left on the device."), text)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root), [], "no output and no staging folder")
    }

    func testStagingFoldersOfDeadRunsAreCleanedUp() throws {
        // A run killed mid-way leaves a staging folder; it is not a data set, and the next run
        // removes it once that process is gone (the names of this version and of earlier ones).
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let stale = [root + "/.data.partial-\(finished.processIdentifier)",
                     root + "/.data.partial-\(TemporaryName.hostTag)-\(finished.processIdentifier)-5eed"]
        for folder in stale {
            try FileManager.default.createDirectory(atPath: folder + "/A", withIntermediateDirectories: true)
            XCTAssertThrowsError(try DatasetManifest.verify(folder: folder))
        }
        _ = try DatasetGenerator.generate(job("data"))
        for folder in stale { XCTAssertFalse(FileManager.default.fileExists(atPath: folder), folder) }
    }

    /// The shards' shared folder has a predictable name; a link planted there (to a folder of
    /// the victim's) is refused, and nothing is written where it points.
    func testAShardsFolderThatIsALinkIsRefused() throws {
        let victim = root + "/victim"
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: root + "/.data.shards", withDestinationPath: victim)
        XCTAssertThrowsError(try DatasetGenerator.generate(job("data", shard: Shard(index: 1, count: 2)))) { error in
            let text = (error as? SynthError)?.description ?? "\(error)"
            XCTAssertTrue(text.contains("is a symbolic link where asl-lab keeps a folder of its own"), text)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: victim), [])
    }

    /// A stop request (a signal) ends drawing between batches; nothing of the unfinished data
    /// set is kept, and the same call later completes it.
    func testAStopRequestEndsGenerationAndKeepsNothing() throws {
        let stop = StopRequest()
        var stopping = job("data", config: Self.smallConfig(imagesPerLetter: 20), threads: 1)
        stopping.stop = stop
        let drawn = Counter()
        XCTAssertThrowsError(try DatasetGenerator.generate(stopping) { count in
            if drawn.increment() == 2 { stop.request() }
        }) { error in
            XCTAssertEqual(error as? SynthError, .interrupted(shard: nil))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root), [])
        stopping.stop = nil
        XCTAssertEqual(try DatasetGenerator.generate(stopping).result, .complete)
    }

    func testShardParsing() throws {
        XCTAssertEqual(try Shard.parse("2/4"), Shard(index: 2, count: 4))
        for bad in ["0/2", "3/2", "1/0", "a/b", "1", "1/2/3", "", "-1/2"] {
            XCTAssertThrowsError(try Shard.parse(bad)) { error in
                XCTAssertEqual(error as? SynthError, .malformedShard(bad))
            }
        }
        XCTAssertEqual(SynthError.malformedShard("x").description,
                       "--shard expects K/N with 1 ≤ K ≤ N (e.g. --shard 2/4 for the second of four shards), but got \"x\".")
        // Shards cover every sample exactly once.
        for count in 1...7 {
            let covered = (1...count).flatMap { Array(Shard(index: $0, count: count).samples(of: 26 * 5)) }
            XCTAssertEqual(covered, Array(0..<130))
        }
    }

    func testSeed4ReproducesTheOriginalMappingOfFourStyles() {
        for letter in 0..<26 {
            XCTAssertEqual(FamilySet.seed4.family(forLetter: letter).name, OriginalStyles.styles[letter % 4].name)
        }
    }
}

/// A thread-safe counter for the fault-injection test.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
