import Canvas
import FileFormats
import Foundation
import Interrupt
import NN
import Synth
import TestSupport
import XCTest
@testable import Training

final class TrainerTests: TemporaryFolderTestCase {
    /// The test's folder (`folder`), under the name these tests use.
    private var root: String { folder }

    override func setUpWithError() throws {
        try super.setUpWithError()
        // A tiny real data set: 4 images per letter at 32 px.
        let config = DataConfig(imagesPerLetter: 4, imageSize: 32, families: .asl26, distanceMin: 1, distanceMax: 5,
                                augment: AugmentConfig(rotationDegrees: 360, blurProbability: 0.2, blurRadius: 0.5...1.5, noiseSigma: 6,
                                                       perlinAmplitude: 12, perlinScale: 48, backgroundBase: 200...255,
                                                       backgroundJitter: 20, geometricJitter: 0.15))
        _ = try DatasetGenerator.generate(GenerateJob(config: config, seed: 1, output: root + "/data", threads: 2,
                                                      provenance: DatasetProvenance(configHash: "h", configYAML: "", toolVersion: "test")))
    }

    func job(_ out: String, epochs: Int, resume: Bool = false, learningRate: Double = 0.003, decay: Double = 0, hash: String = "cfg",
             precision: Precision = .fp32) -> TrainJob {
        TrainJob(dataFolder: root + "/data", outFolder: root + "/" + out,
                 config: TrainConfig(inputSize: 16, batchSize: 8, epochs: epochs, learningRate: learningRate, distanceLossWeight: 0.25,
                                     split: (0.5, 0.25, 0.25), channels: [4, 8, 8], classHidden: 16, distanceHidden: 8,
                                     learningRateDecay: decay, precision: precision),
                 seed: 3, threads: 2, resume: resume, configHash: hash)
    }

    func weights(_ folder: String) throws -> [String: Tensor] {
        try SafeTensors.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/" + folder + "/model.safetensors"))), source: "m").tensors
    }

    func testWritesModelHistoryCheckpointAndSummary() throws {
        let outcome = try Trainer.run(job("run", epochs: 2))
        XCTAssertEqual(outcome.history.map(\.epoch), [1, 2])
        XCTAssertEqual(outcome.trainImages + outcome.validationImages + outcome.testImages, 104)
        let history = try String(contentsOfFile: root + "/run/history.csv", encoding: .utf8)
        XCTAssertTrue(history.hasPrefix(TrainingHistory.header + "\n1,"))
        XCTAssertEqual(history.split(separator: "\n").count, 3)
        let (model, metadata) = try ModelFile.load(path: root + "/run/model.safetensors")
        XCTAssertEqual(model.architecture.inputSize, 16)
        XCTAssertNil(model.architecture.inputStandardisation, "the saved model is the plain SmallCNN on [0, 1] input")
        XCTAssertEqual(metadata["classes"], "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        XCTAssertEqual(metadata["config_hash"], "cfg")
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: try XCTUnwrap(FileManager.default.contents(atPath: root + "/run/training.json"))) as? [String: Any])
        let standardisation = try XCTUnwrap(summary["input_standardisation"] as? [String: [Double]], "training.json records what the first layer saw")
        XCTAssertEqual(standardisation["mean"]?.count, 3)
        XCTAssertTrue(standardisation["std"]!.allSatisfy { $0 > 0 })
        XCTAssertEqual(summary["learning_rate_decay"] as? Double, 0)
        XCTAssertNotNil(FileManager.default.contents(atPath: root + "/run/checkpoint.safetensors"))
    }

    /// 52 training images in batches of 8: 7 steps an epoch, so each epoch is one window of 7
    /// steps, whose mean loss is the epoch's loss in history.csv.
    func testStepsRecordTheLossOfEveryWindowAndTheLearningRate() throws {
        let outcome = try Trainer.run(job("run", epochs: 3, decay: 0.5))
        let steps = try TrainingSteps.read(folder: root + "/run")
        XCTAssertEqual(steps.map(\.step), [7, 14, 21])
        XCTAssertEqual(steps.map(\.epoch), [1, 2, 3])
        XCTAssertEqual(steps.map(\.steps), [7, 7, 7])
        for (window, epoch) in zip(steps, outcome.history) {
            XCTAssertEqual(window.loss, epoch.loss, accuracy: 1e-6)
            XCTAssertEqual(window.crossEntropy, epoch.crossEntropy, accuracy: 1e-6)
            XCTAssertEqual(window.meanSquaredError, epoch.meanSquaredError, accuracy: 1e-6)
        }
        let config = job("run", epochs: 3, decay: 0.5).config
        for (window, step) in zip(steps, [6, 13, 20]) {
            // The rate of each window's last step (0-based step 6, 13, 20), to steps.csv's 9 digits.
            XCTAssertEqual(window.learningRate, config.learningRate(step: step, of: 21), accuracy: 1e-8 * config.learningRate(step: step, of: 21))
        }
        XCTAssertEqual(steps[0].learningRate, 0.003, "constant before the decay")
        XCTAssertLessThan(steps[2].learningRate, 0.001, "decayed by the end")
    }

    func testLearningRateIsConstantThenFallsLinearlyToZero() {
        var config = job("x", epochs: 1).config
        config.learningRate = 0.01
        config.learningRateDecay = 0
        XCTAssertEqual((0..<100).map { config.learningRate(step: $0, of: 100) }, Array(repeating: 0.01, count: 100))
        config.learningRateDecay = 0.25
        XCTAssertEqual(config.learningRate(step: 0, of: 100), 0.01)
        XCTAssertEqual(config.learningRate(step: 75, of: 100), 0.01, "the last quarter starts at full rate")
        XCTAssertEqual(config.learningRate(step: 76, of: 100), 0.01 * 24 / 25, accuracy: 1e-12)
        XCTAssertEqual(config.learningRate(step: 99, of: 100), 0.01 / 25, accuracy: 1e-12, "the last step is small but not 0")
        let rates = (0..<100).map { config.learningRate(step: $0, of: 100) }
        XCTAssertEqual(rates, rates.sorted(by: >), "never rises")
    }

    func testStandardisedInputOnlyChangesHowTheModelTrains() throws {
        // Same data and seed: with and without standardisation the saved models differ (the
        // first trains on standardised pixels) but both are plain SmallCNNs on [0, 1] input.
        var plainJob = job("plain", epochs: 1)
        plainJob.config.standardiseInput = false
        _ = try Trainer.run(plainJob)
        _ = try Trainer.run(job("standard", epochs: 1))
        XCTAssertNotEqual(try weights("plain")["features.0.weight"], try weights("standard")["features.0.weight"])
        for folder in ["plain", "standard"] {
            XCTAssertNil(try ModelFile.load(path: root + "/" + folder + "/model.safetensors").model.architecture.inputStandardisation)
        }
    }

    /// In fp32, and in bf16 where the CPU has a bf16 kernel (the checkpoint keeps the float32
    /// master weights and Adam's moments, so bf16 resumes exactly too).
    func testResumeEndsWithTheSameWeightsAsAnUninterruptedRun() throws {
        for precision in [Precision.fp32] + (ProductKernel.bf16 == nil ? [] : [.bf16]) {
            let (straight, interrupted) = ("straight-\(precision)", "resumed-\(precision)")
            _ = try Trainer.run(job(straight, epochs: 3, precision: precision))
            _ = try Trainer.run(job(interrupted, epochs: 1, precision: precision))
            let resumed = try Trainer.run(job(interrupted, epochs: 3, resume: true, precision: precision))
            XCTAssertEqual(resumed.resumedAfterEpoch, 1)
            XCTAssertEqual(resumed.history.map(\.epoch), [1, 2, 3])
            XCTAssertEqual(try weights(interrupted), try weights(straight), "\(precision)")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: root + "/" + interrupted + "/steps.csv")),
                           try Data(contentsOf: URL(fileURLWithPath: root + "/" + straight + "/steps.csv")), "\(precision)")
        }
    }

    /// Asks training to stop once `after` batches (counted over the whole run) have finished.
    final class StopAfterBatches: TrainingObserver {
        let stop = StopRequest()
        let after: Int
        var seen = 0
        var resumedAt: (epoch: Int, batches: Int)?
        var epochImages: [Int] = []
        init(after: Int) { self.after = after }
        func datasetLoaded(images: Int, split: DataSplit, seconds: Double) {}
        func resumed(afterEpoch: Int, batches: Int) { resumedAt = (afterEpoch, batches) }
        func epochStarted(_ epoch: Int, of epochs: Int, images: Int) { epochImages.append(images) }
        func batchFinished(images: Int, loss: Float) {
            seen += 1
            if seen == after { stop.request() }
        }
        func epochFinished(_ record: EpochRecord, of epochs: Int) {}
    }

    /// Asks training to stop while the last epoch's validation runs (after its last batch): the
    /// stop was acknowledged and then ignored before; now training stops with that epoch's
    /// checkpoint on disk, writes no model, and resuming gives the uninterrupted run's weights.
    func testStopAfterTheLastBatchIsHonouredAndResumingFinishesTheRun() throws {
        _ = try Trainer.run(job("straight", epochs: 2))
        let stopper = StopAfterBatches(after: 14) // 7 batches an epoch: the last batch of epoch 2
        var interrupted = job("stopped", epochs: 2)
        interrupted.stop = stopper.stop
        XCTAssertThrowsError(try Trainer.run(interrupted, observer: stopper)) { error in
            XCTAssertEqual("\(error)", "Training was interrupted after epoch 2 had finished; its checkpoint is kept in \(root)/stopped/checkpoint.safetensors, and resuming continues from it.")
        }
        XCTAssertNil(FileManager.default.contents(atPath: root + "/stopped/model.safetensors"), "no model from a stopped run")
        let resumed = try Trainer.run(job("stopped", epochs: 2, resume: true))
        XCTAssertEqual(resumed.resumedAfterEpoch, 2)
        XCTAssertEqual(try weights("stopped"), try weights("straight"))
    }

    func testStopMidEpochKeepsThatMomentAndResumingEndsLikeAnUninterruptedRun() throws {
        // The learning rate decays over the last half, so the resumed run must also pick the
        // schedule up at the right step.
        let straight = try Trainer.run(job("straight", epochs: 3, decay: 0.5))
        // 52 training images in batches of 8: 7 batches an epoch; stop after batch 3 of epoch 2.
        let stopper = StopAfterBatches(after: 10)
        var interrupted = job("stopped", epochs: 3, decay: 0.5)
        interrupted.stop = stopper.stop
        XCTAssertThrowsError(try Trainer.run(interrupted, observer: stopper)) { error in
            XCTAssertEqual("\(error)", "Training was interrupted during epoch 2, after batch 3; a checkpoint of that moment is kept in \(root)/stopped/checkpoint.safetensors, and resuming continues from it.")
        }
        let watcher = StopAfterBatches(after: .max)
        let resumed = try Trainer.run(job("stopped", epochs: 3, resume: true, decay: 0.5), observer: watcher)
        XCTAssertEqual(watcher.resumedAt?.epoch, 1)
        XCTAssertEqual(watcher.resumedAt?.batches, 3)
        XCTAssertEqual(watcher.seen, 4 + 7, "the rest of epoch 2, then epoch 3")
        XCTAssertEqual(watcher.epochImages, [52 - 3 * 8, 52], "progress counts the images left in the resumed epoch")
        XCTAssertEqual(try weights("stopped"), try weights("straight"))
        XCTAssertEqual(try String(contentsOfFile: root + "/stopped/steps.csv", encoding: .utf8),
                       try String(contentsOfFile: root + "/straight/steps.csv", encoding: .utf8),
                       "the window cut by the stop is carried on: steps.csv has the uninterrupted run's bytes")
        // Epoch 2's loss is the mean over all its batches, before and after the stop.
        XCTAssertEqual(resumed.history[1].loss, straight.history[1].loss, accuracy: 1e-12)
        XCTAssertEqual(resumed.history[2].loss, straight.history[2].loss, accuracy: 1e-12)
    }

    func testDamagedEpochProgressInACheckpointIsRefused() throws {
        XCTAssertNil(EpochProgress(text: "2,0,1,1,1,1"), "no batch finished is not a mid-epoch checkpoint")
        XCTAssertNil(EpochProgress(text: "2,3,1,1"))
        let progress = EpochProgress(epoch: 2, batches: 3, loss: 0.1 + 0.2, crossEntropy: 1 / 3, meanSquaredError: 2e-300, seconds: 1.5)
        XCTAssertEqual(EpochProgress(text: progress.text), progress, "numbers survive the text exactly")
    }

    /// Same config and seed, another thread count: the same weights and the same steps.csv.
    func testSameSeedGivesIdenticalWeights() throws {
        _ = try Trainer.run(job("a", epochs: 2))
        var other = job("b", epochs: 2)
        other.threads = 1
        _ = try Trainer.run(other)
        XCTAssertEqual(try weights("a"), try weights("b"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: root + "/a/steps.csv")), try Data(contentsOf: URL(fileURLWithPath: root + "/b/steps.csv")))
    }

    /// bf16's bytes are fixed for a CPU kind and any thread count (README), through the whole
    /// trainer: loading, the split, the input statistics, the steps and the evaluation.
    func testBF16GivesTheSameModelBytesForOneTwoAndThreeThreads() throws {
        try XCTSkipIf(ProductKernel.bf16 == nil, "no bf16 kernel on this CPU: bf16 runs in fp32 (testSameSeedGivesIdenticalWeights)")
        func modelBytes(threads: Int) throws -> Data {
            var bf16 = job("bf16-\(threads)", epochs: 2, precision: .bf16)
            bf16.threads = threads
            _ = try Trainer.run(bf16)
            return try Data(contentsOf: URL(fileURLWithPath: root + "/bf16-\(threads)/model.safetensors"))
        }
        let one = try modelBytes(threads: 1)
        XCTAssertEqual(try modelBytes(threads: 2), one)
        XCTAssertEqual(try modelBytes(threads: 3), one)
        _ = try Trainer.run(job("fp32", epochs: 2))
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: root + "/fp32/model.safetensors")), one, "bf16 is a different arithmetic")
    }

    func testCheckpointFromAnotherConfigIsRefused() throws {
        _ = try Trainer.run(job("x", epochs: 1))
        XCTAssertThrowsError(try Trainer.run(job("x", epochs: 2, resume: true, hash: "other"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("Cannot resume from \(root)/x/checkpoint.safetensors: it was written with a different config"), "\(error)")
        }
    }

    func testDivergingLossStopsNamingEpochAndBatch() throws {
        XCTAssertThrowsError(try Trainer.run(job("nan", epochs: 3, learningRate: 1e30))) { error in
            guard case .nonFiniteLoss(let epoch, let batch, _)? = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertGreaterThanOrEqual(epoch, 1)
            XCTAssertGreaterThanOrEqual(batch, 1)
            XCTAssertTrue("\(error)".contains("at epoch \(epoch), batch \(batch)"))
        }
    }

    func testPredictGivesTopThreeAndDistance() throws {
        _ = try Trainer.run(job("p", epochs: 1))
        let predictions = try Predictor.predict(modelPath: root + "/p/model.safetensors", images: [root + "/data/B/B_00001.png"])
        XCTAssertEqual(predictions.count, 1)
        XCTAssertEqual(predictions[0].top3.count, 3)
        XCTAssertEqual(predictions[0].letter, predictions[0].top3[0].letter)
        XCTAssertGreaterThanOrEqual(predictions[0].top3[0].probability, predictions[0].top3[1].probability)
        XCTAssertTrue(predictions[0].distance?.isFinite == true, "a model of letters has its distance head")
        XCTAssertThrowsError(try Predictor.predict(modelPath: root + "/p/model.safetensors", images: [root + "/nope.png"])) { error in
            XCTAssertEqual("\(error)", "The image \(root)/nope.png cannot be used: no such file.")
        }
    }

    func testCorruptOrForeignModelFilesAreClearErrors() throws {
        try Data([1, 2, 3, 4, 5, 6, 7, 8, 9]).write(to: URL(fileURLWithPath: root + "/bad.safetensors"))
        XCTAssertThrowsError(try ModelFile.load(path: root + "/bad.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("bad.safetensors is not a valid safetensors file"), "\(error)")
        }
        let foreign = SafeTensors.encode([("w", Tensor(zeros: [2]))], metadata: [:])
        try Data(foreign).write(to: URL(fileURLWithPath: root + "/foreign.safetensors"))
        XCTAssertThrowsError(try ModelFile.load(path: root + "/foreign.safetensors")) { error in
            XCTAssertEqual("\(error)", "Cannot use the model \(root)/foreign.safetensors: its header has no SmallCNN architecture (was it written by asl-lab?).")
        }
        XCTAssertThrowsError(try ModelFile.load(path: root + "/missing.safetensors")) { error in
            XCTAssertEqual("\(error)", "Cannot use the model \(root)/missing.safetensors: no such file.")
        }
    }
}
