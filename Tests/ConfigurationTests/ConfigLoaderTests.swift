@testable import Configuration
import XCTest
import Synth

final class ConfigLoaderTests: XCTestCase {
    func testDefaultsMatchTheOriginalProjectWhereItHadValues() {
        let config = Config.defaults
        XCTAssertEqual(config.data.imageSize, 256)
        XCTAssertEqual(config.data.distanceMin, 1)
        XCTAssertEqual(config.data.distanceMax, 5)
        XCTAssertEqual(config.data.augment.blurProbability, 0.2)
        XCTAssertEqual(config.data.augment.blurRadius, 0.5...1.5)
        XCTAssertEqual(config.data.augment.noiseSigma, 6)
        XCTAssertEqual(config.data.augment.backgroundBase, 200...255)
        XCTAssertEqual(config.data.augment.backgroundJitter, 20)
        XCTAssertEqual(config.train.inputSize, 128)
        XCTAssertEqual(config.train.batchSize, 32)
        XCTAssertEqual(config.train.learningRate, 0.001)
        XCTAssertEqual(config.train.distanceLossWeight, 0.25)
        XCTAssertEqual(config.train.channels, [32, 64, 128])
        XCTAssertEqual(config.train.classHidden, 256)
        XCTAssertEqual(config.train.distanceHidden, 128)
    }

    func testOverridesAreTypedAndAppliedInOrder() throws {
        let effective = try ConfigLoader.load(overrides: ["train.epochs=5", "data.families=seed4", "train.epochs=7",
                                                          "data.augment.blur.radius=[1, 2.5]", "analyse.tsne.max_points=null",
                                                          "report.title=My <run>", "report.single_file=true"])
        let config = Config(effective)
        XCTAssertEqual(config.train.epochs, 7)
        XCTAssertEqual(config.data.families, .seed4)
        XCTAssertEqual(config.data.augment.blurRadius, 1...2.5)
        XCTAssertNil(config.analyse.tsneMaxPoints)
        XCTAssertEqual(config.report.title, "My <run>")
        XCTAssertTrue(config.report.singleFile)
        XCTAssertEqual(effective.source(of: "train.epochs"), .override("train.epochs=7"))
    }

    func testFileMergesOverDefaultsAndOverridesWinOverFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("merge-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "seed: 42\ntrain:\n  epochs: 3\n  learning_rate: 0.01\n".write(toFile: path, atomically: true, encoding: .utf8)
        let config = Config(try ConfigLoader.load(file: path, overrides: ["train.epochs=4"]))
        XCTAssertEqual(config.seed, 42)
        XCTAssertEqual(config.train.epochs, 4)
        XCTAssertEqual(config.train.learningRate, 0.01)
        XCTAssertEqual(config.train.batchSize, 32, "keys the file does not mention keep their defaults")
    }

    func testShownYAMLParsesBackToTheSameConfig() throws {
        let original = try ConfigLoader.load(overrides: ["seed=9", "report.title=quote \" and: colon", "analyse.tsne.max_points=null",
                                                         "data.distance.max=4.25", "train.learning_rate=1e-5"])
        var reparsed = EffectiveConfig.defaults
        try ConfigLoader.merge(yaml: original.yaml, path: "shown.yaml", into: &reparsed)
        XCTAssertEqual(Config(reparsed), Config(original))
        XCTAssertEqual(reparsed.hash, original.hash)
    }

    func testHashIsStableAcrossSpellingsAndChangesWithValues() throws {
        let a = try ConfigLoader.load(overrides: ["train.learning_rate=0.001", "data.distance.max=5"])
        let b = try ConfigLoader.load(overrides: ["train.learning_rate=1e-3", "data.distance.max=5.0"])
        XCTAssertEqual(a.hash, b.hash)
        XCTAssertEqual(a.hash, EffectiveConfig.defaults.hash)
        XCTAssertEqual(a.hash.count, 64)
        let c = try ConfigLoader.load(overrides: ["train.epochs=11"])
        XCTAssertNotEqual(c.hash, a.hash)
        XCTAssertEqual(c.hash(under: "data"), a.hash(under: "data"), "a train key leaves the data slice's hash alone")
        XCTAssertNotEqual(c.hash(under: "train"), a.hash(under: "train"))
    }

    func testReferenceListsEveryKeyOnce() {
        let table = ConfigReference.markdown()
        for field in ConfigSchema.fields {
            XCTAssertEqual(table.components(separatedBy: "| `\(field.key)` |").count, 2, field.key)
        }
    }
}
