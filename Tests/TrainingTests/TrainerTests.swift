import Canvas
import Foundation
import NN
import Synth
import XCTest
@testable import Training

final class TrainerTests: XCTestCase {
    private var root: String!

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "trainer-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // A tiny real data set: 4 images per letter at 32 px.
        let config = DataConfig(imagesPerLetter: 4, imageSize: 32, families: .asl26, distanceMin: 1, distanceMax: 5,
                                augment: AugmentConfig(rotationDegrees: 360, blurProbability: 0.2, blurRadius: 0.5...1.5, noiseSigma: 6,
                                                       perlinAmplitude: 12, perlinScale: 48, backgroundBase: 200...255,
                                                       backgroundJitter: 20, geometricJitter: 0.15))
        _ = try DatasetGenerator.generate(GenerateJob(config: config, seed: 1, output: root + "/data", threads: 2,
                                                      provenance: DatasetProvenance(configHash: "h", configYAML: "", toolVersion: "test")))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    func job(_ out: String, epochs: Int, resume: Bool = false, learningRate: Double = 0.003, hash: String = "cfg") -> TrainJob {
        TrainJob(dataFolder: root + "/data", outFolder: root + "/" + out,
                 config: TrainConfig(inputSize: 16, batchSize: 8, epochs: epochs, learningRate: learningRate, distanceLossWeight: 0.25,
                                     split: (0.5, 0.25, 0.25), channels: [4, 8, 8], classHidden: 16, distanceHidden: 8),
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
        XCTAssertEqual(metadata["classes"], "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        XCTAssertEqual(metadata["config_hash"], "cfg")
        XCTAssertNotNil(FileManager.default.contents(atPath: root + "/run/training.json"))
        XCTAssertNotNil(FileManager.default.contents(atPath: root + "/run/checkpoint.safetensors"))
    }

    func testResumeEndsWithTheSameWeightsAsAnUninterruptedRun() throws {
        _ = try Trainer.run(job("straight", epochs: 3))
        _ = try Trainer.run(job("resumed", epochs: 1))
        let resumed = try Trainer.run(job("resumed", epochs: 3, resume: true))
        XCTAssertEqual(resumed.resumedAfterEpoch, 1)
        XCTAssertEqual(resumed.history.map(\.epoch), [1, 2, 3])
        XCTAssertEqual(try weights("resumed"), try weights("straight"))
    }

    func testSameSeedGivesIdenticalWeights() throws {
        _ = try Trainer.run(job("a", epochs: 2))
        _ = try Trainer.run(job("b", epochs: 2))
        XCTAssertEqual(try weights("a"), try weights("b"))
    }

    func testCheckpointFromAnotherConfigIsRefused() throws {
        _ = try Trainer.run(job("x", epochs: 1))
        XCTAssertThrowsError(try Trainer.run(job("x", epochs: 2, resume: true, hash: "other"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("Cannot resume from \(root!)/x/checkpoint.safetensors: it was written with a different config"), "\(error)")
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
        XCTAssertTrue(predictions[0].distance.isFinite)
        XCTAssertThrowsError(try Predictor.predict(modelPath: root + "/p/model.safetensors", images: [root + "/nope.png"])) { error in
            XCTAssertEqual("\(error)", "The image \(root!)/nope.png cannot be used: no such file.")
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
            XCTAssertEqual("\(error)", "Cannot use the model \(root!)/foreign.safetensors: its header has no SmallCNN architecture (was it written by asl-lab?).")
        }
        XCTAssertThrowsError(try ModelFile.load(path: root + "/missing.safetensors")) { error in
            XCTAssertEqual("\(error)", "Cannot use the model \(root!)/missing.safetensors: no such file.")
        }
    }
}
