@testable import Pipeline
import BuildInfo
import Configuration
import Digest
import FileFormats
import XCTest

final class StageKeysTests: XCTestCase {
    /// Raising a stage's output revision changes its key and the keys after it, never the
    /// stages before; a revision of 0 keys as if there were none.
    func testOutputRevisionChangesItsStageAndTheStagesAfterIt() throws {
        let config = try ConfigLoader.load(file: nil, overrides: [])
        let none = StageKeys(config: config, revisions: [:])
        XCTAssertEqual(StageKeys(config: config, revisions: [.train: 0]), none)
        let analyse = StageKeys(config: config, revisions: [.analyse: 1])
        XCTAssertEqual(analyse.generate, none.generate)
        XCTAssertEqual(analyse.train, none.train)
        XCTAssertNotEqual(analyse.analyse, none.analyse)
        XCTAssertNotEqual(analyse.reportFigures, none.reportFigures)
        let train = StageKeys(config: config, revisions: [.train: 1])
        XCTAssertEqual(train.generate, none.generate)
        XCTAssertNotEqual(train.train, none.train)
        XCTAssertNotEqual(train.analyse, none.analyse)
        XCTAssertNotEqual(StageKeys(config: config, revisions: [.analyse: 2]).analyse, analyse.analyse)
        XCTAssertEqual(StageKeys(config: config), StageKeys(config: config, revisions: StageKeys.outputRevisions))
    }
}

/// The stage table is the one source of stage keys, config slices and the hashes a stage
/// records; these pin that moving to it changed no key and no recorded hash.
final class StageTableTests: XCTestCase {
    /// The keys as the hand-written code made them before the table (so every cache entry
    /// made by earlier builds of this version is still found).
    func testKeysAreTheOnesTheCodeMadeBeforeTheTable() throws {
        let config = try ConfigLoader.load(file: nil, overrides: ["train.epochs=2"])
        func key(_ stage: String, _ revision: Int, _ input: String?, _ slice: [String]) -> String {
            SHA256.hex("stage=\(stage)\ntool=\(ToolInfo.version)\n" + (revision > 0 ? "revision=\(revision)\n" : "")
                + (input.map { "input=\($0)\n" } ?? "") + config.canonicalText(under: slice))
        }
        let generate = key("generate", 0, nil, ["seed", "data"])
        let train = key("train", 2, generate, ["seed", "train"])
        let analyse = key("analyse", 1, train, ["analyse"])
        let report = key("report", 2, analyse, ["report"])
        let keys = StageKeys(config: config)
        XCTAssertEqual([keys.generate, keys.train, keys.analyse, keys.reportFigures], [generate, train, analyse, report])
    }

    /// The trainer records the hash of every key its model depends on (seed, data, train);
    /// the table derives that list instead of a third hand-written copy.
    func testTheTrainedModelRecordsTheHashOfEveryKeyItDependsOn() throws {
        let config = try ConfigLoader.load(file: nil, overrides: [])
        XCTAssertEqual(Set(StageTable.configKeys(reachedBy: .train)), ["seed", "data", "train"])
        let job = TrainStage.job(config: config, data: "d", out: "o")
        XCTAssertEqual(job.configHash, config.hash(under: "seed", "data", "train"))
        XCTAssertEqual(StageTable.stages.map(\.stage), PipelineStage.allCases, "every stage once, in order")
        for definition in StageTable.stages {
            for read in definition.reads { XCTAssertLessThan(read, definition.stage, "\(definition.stage) reads only earlier stages") }
        }
    }
}
