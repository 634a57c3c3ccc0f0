@testable import Pipeline
import BuildInfo
import Configuration
import Digest
import FileFormats
import NN
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

    /// `data.seed` and `train.seed` key the stages that use them: a sweep over `train.seed`
    /// shares one data set, a sweep over `seed` with `data.seed` fixed too, and a data set drawn
    /// with seed 3 has one key however the config says so.
    func testPerStageSeedsKeyOnlyTheStagesThatUseThem() throws {
        func keys(_ overrides: String...) throws -> StageKeys {
            StageKeys(config: try ConfigLoader.load(file: nil, overrides: overrides))
        }
        let base = try keys()
        XCTAssertEqual(try keys("data.seed=null", "train.seed=null"), base, "null means: use seed")
        XCTAssertEqual(try keys("data.seed=0", "train.seed=0"), base, "seed 0 by either name is seed 0")

        let train1 = try keys("train.seed=1"), train2 = try keys("train.seed=2")
        XCTAssertEqual(train1.generate, base.generate)
        XCTAssertEqual(train2.generate, base.generate)
        XCTAssertNotEqual(train1.train, train2.train)
        XCTAssertNotEqual(train1.analyse, train2.analyse)

        let fixedData1 = try keys("seed=1", "data.seed=7"), fixedData2 = try keys("seed=2", "data.seed=7")
        XCTAssertEqual(fixedData1.generate, fixedData2.generate)
        XCTAssertNotEqual(fixedData1.train, fixedData2.train)
        XCTAssertEqual(fixedData1.generate, try keys("seed=7").generate)
        XCTAssertEqual(try keys("seed=3").generate, try keys("data.seed=3", "train.seed=0").generate)
        XCTAssertEqual(try keys("seed=3").train, try keys("seed=9", "data.seed=3", "train.seed=3").train)
    }

    /// The stages really draw with the resolved seeds: the data set with `data.seed`, the
    /// split, initial weights and analysis with `train.seed`.
    func testStagesDrawWithTheirOwnSeed() throws {
        let config = try ConfigLoader.load(file: nil, overrides: ["seed=5", "data.seed=11", "train.seed=13"])
        XCTAssertEqual(GenerateStage.job(config: config, output: "o").seed, 11)
        XCTAssertEqual(TrainStage.job(config: config, data: "d", out: "o").seed, 13)
        XCTAssertEqual(AnalyseStage.job(config: config, data: "d", model: "m", out: "o").seed, 13)
        let plain = try ConfigLoader.load(file: nil, overrides: ["seed=5"])
        XCTAssertEqual(GenerateStage.job(config: plain, output: "o").seed, 5)
        XCTAssertEqual(TrainStage.job(config: plain, data: "d", out: "o").seed, 5)
        XCTAssertFalse(plain.canonicalText().contains("data.seed"), "a null per-stage seed leaves the config's hash as before")
        // The provenance a model and a data set record follows the seeds they were drawn with,
        // not how the config spelled them.
        let same = try ConfigLoader.load(file: nil, overrides: ["seed=13", "data.seed=11"])
        XCTAssertEqual(TrainStage.job(config: config, data: "d", out: "o").configHash, TrainStage.job(config: same, data: "d", out: "o").configHash)
        XCTAssertNotEqual(TrainStage.job(config: config, data: "d", out: "o").configHash, TrainStage.job(config: plain, data: "d", out: "o").configHash)
        let data = GenerateStage.job(config: config, output: "o").provenance
        XCTAssertEqual(data, GenerateStage.job(config: try ConfigLoader.load(file: nil, overrides: ["seed=11"]), output: "o").provenance)
        XCTAssertTrue(data.configYAML.hasPrefix("seed: 11\n"), data.configYAML)
        XCTAssertFalse(data.configYAML.contains("seed: null"))
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
        let train = key("train", 8, generate, ["seed", "train"])
        let analyse = key("analyse", 2, train, ["analyse"])
        let report = key("report", 2, analyse, ["report"])
        // On the kernels both kinds of machine share, as on the machines this test has run on.
        let keys = StageKeys(config: config, arithmetic: nil)
        XCTAssertEqual([keys.generate, keys.train, keys.analyse, keys.reportFigures], [generate, train, analyse, report])
    }

    /// A bf16 model trained on AMX tiles (or any model on OpenBLAS, or bf16 run in fp32 on a CPU
    /// without bf16) has other bytes than on the kernels both kinds of machine share, so its
    /// train key (and the keys after it) names the kernel: a cache shared by both kinds never
    /// hands one kind's model to the other. The data set's key does not depend on it, and on the
    /// shared kernels the keys are unchanged (`testKeysAreTheOnesTheCodeMadeBeforeTheTable`).
    func testTheTrainKeyNamesAProductKernelWhoseSumsAreNotTheSharedOnes() throws {
        XCTAssertNil(ProductKernel.avx512.distinctArithmetic(for: .fp32))
        XCTAssertNil(ProductKernel.avx512BF16.distinctArithmetic(for: .bf16))
        XCTAssertEqual(ProductKernel.amxBF16.distinctArithmetic(for: .bf16), "amx-bf16")
        XCTAssertEqual(ProductKernel.openBLAS.distinctArithmetic(for: .fp32), "openblas")
        XCTAssertEqual(ProductKernel.avx512.distinctArithmetic(for: .bf16), "avx512", "bf16 run in fp32")
        let config = try ConfigLoader.load(file: nil, overrides: ["train.precision=bf16"])
        let shared = StageKeys(config: config, arithmetic: nil), amx = StageKeys(config: config, arithmetic: "amx-bf16")
        XCTAssertEqual(amx.generate, shared.generate)
        XCTAssertNotEqual(amx.train, shared.train)
        XCTAssertNotEqual(amx.analyse, shared.analyse)
        XCTAssertNotEqual(amx.reportFigures, shared.reportFigures)
        XCTAssertNotEqual(StageKeys(config: config, arithmetic: "avx512").train, amx.train)
        // A run keys with this process's kernel for the config's precision.
        for precision in ["fp32", "bf16"] {
            let config = try ConfigLoader.load(file: nil, overrides: ["train.precision=" + precision])
            let asked = Precision(rawValue: precision)!
            XCTAssertEqual(StageKeys(config: config), StageKeys(config: config, arithmetic: ProductKernel.running(asked).distinctArithmetic(for: asked)))
        }
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
