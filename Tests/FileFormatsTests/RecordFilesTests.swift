import FileFormats
import Foundation
import TestSupport
import XCTest

/// The record files keep their exact bytes and keys, read older and partial files, and refuse
/// what is not theirs with a sentence naming the file.
final class RecordFilesTests: TemporaryFolderTestCase {
    /// training.json was written from a `[String: Any]` through JSONSerialization; the typed
    /// record must give the same bytes, nulls included, so scripts and hashes see no change.
    func testTrainingSummaryWritesTheBytesTheOldWriterWrote() throws {
        let old: [String: Any] = [
            "input_standardisation": ["mean": [0.8125, 0.75, 0.5], "std": [0.1, 0.2, 1.0 / 3.0]],
            "learning_rate": 0.001, "learning_rate_decay": 0.3, "config_hash": "abc", "seed": UInt64(7), "epochs": 3,
            "train_images": 8190, "validation_images": 1742, "test_images": 1768, "test_accuracy": 0.98755656108597289,
            "test_distance_mae": NSNull(), "final_validation_accuracy": 0.982, "mean_train_images_per_second": 221.5, "seconds": 120.25,
        ]
        let expected = try JSONSerialization.data(withJSONObject: old, options: [.prettyPrinted, .sortedKeys])
        let summary = TrainingSummary(inputStandardisation: .init(mean: [0.8125, 0.75, 0.5], std: [0.1, 0.2, 1.0 / 3.0]),
                                      learningRate: 0.001, learningRateDecay: 0.3, configHash: "abc", seed: 7, epochs: 3, trainImages: 8190,
                                      validationImages: 1742, testImages: 1768, testAccuracy: 0.98755656108597289, testDistanceMAE: .nan,
                                      finalValidationAccuracy: 0.982, meanTrainImagesPerSecond: 221.5, seconds: 120.25)
        XCTAssertEqual(String(decoding: summary.encoded(), as: UTF8.self), String(decoding: expected, as: UTF8.self))
        try summary.write(to: folder)
        let back = try TrainingSummary.read(folder: folder)
        XCTAssertNil(back.testDistanceMAE, "a number that is not finite is written as null")
        XCTAssertEqual(back.testAccuracy, 0.98755656108597289)
        XCTAssertEqual(back.inputStandardisation?.std.count, 3)
    }

    func testAPartialTrainingSummaryStillReads() throws {
        try Data(#"{"epochs": 2, "test_accuracy": 0.5}"#.utf8).write(to: URL(fileURLWithPath: folder + "/training.json"))
        let summary = try TrainingSummary.read(folder: folder)
        XCTAssertEqual(summary.epochs, 2)
        XCTAssertNil(summary.seed)
    }

    /// A hand-made manifest with only the keys the report needs reads, with the rest empty;
    /// stage statuses keep their spelling in the file.
    func testAMinimalManifestReadsAndStatusesKeepTheirSpelling() throws {
        let minimal = """
        {"name": "n", "created": "2026-01-01T00:00:00Z", "config_hash": "h", "tool_version": "0.1.0", "seed": 1, "dataset": "/d",
         "machine": {"cores": 2, "cpu": "c", "memory_bytes": 1}, "stages": [{"name": "train", "status": "cached", "seconds": 1}]}
        """
        try Data(minimal.utf8).write(to: URL(fileURLWithPath: folder + "/manifest.json"))
        let manifest = try RunManifest.read(folder: folder)
        XCTAssertEqual(manifest.stages, [StageRecord(name: "train", status: .cached, seconds: 1)])
        XCTAssertEqual(manifest.config, [:])
        XCTAssertNil(manifest.git)
        XCTAssertEqual(manifest.seconds, 0)
        var full = manifest
        full.stages.append(StageRecord(name: "report", status: .wouldRun, seconds: 0))
        let text = String(decoding: full.encoded(), as: UTF8.self)
        XCTAssertTrue(text.contains(#""status" : "would run""#), text)
        XCTAssertTrue(text.contains(#""dataset" : "/d""#), "slashes are written plainly in manifests")
        XCTAssertFalse(text.contains(#""git""#), "an absent git state is left out, as before")
        XCTAssertEqual(try JSONDecoder().decode(RunManifest.self, from: full.encoded()), full)
        XCTAssertNil(manifest.slurm, "a manifest without the slurm key reads as a run outside Slurm")
        XCTAssertFalse(text.contains(#""slurm""#), "a run outside Slurm writes no slurm key")
    }

    /// The Slurm job a run ran in is written under "slurm" with Slurm's own names and read back.
    func testASlurmJobIsWrittenWithItsIDsAndReadBack() throws {
        let manifest = RunManifest(name: "n", created: "2026-01-01T00:00:00Z", configHash: "h", toolVersion: "0.1.0", seed: 1, dataset: "/d",
                                   machine: .init(cores: 2, cpu: "c", memoryBytes: 1), stages: [],
                                   slurm: .init(jobID: "43", arrayJobID: "41", arrayTaskID: "2"))
        try manifest.write(to: folder)
        let text = try String(contentsOfFile: folder + "/manifest.json", encoding: .utf8)
        XCTAssertTrue(text.contains(#""slurm" : {"#) && text.contains(#""job_id" : "43""#) && text.contains(#""array_job_id" : "41""#)
                      && text.contains(#""array_task_id" : "2""#), text)
        XCTAssertEqual(try RunManifest.read(folder: folder).slurm, RunManifest.Slurm(jobID: "43", arrayJobID: "41", arrayTaskID: "2"))
    }

    /// metrics.json and entry.json were written with "/" escaped; they still are.
    func testMetricsAndSealsKeepTheirEscapedSlashes() {
        let seal = CacheSeal(stage: "generate", key: "k", toolVersion: "0.1.0", files: [.init(path: "A/A_00000.png", size: 1, modified: 2, sha256: "s")])
        XCTAssertTrue(String(decoding: seal.encoded(), as: UTF8.self).contains(#""A\/A_00000.png""#))
        let mistake = ConfidentMistake(path: "B/B_00001.png", letter: "B", predicted: "C", probability: 0.9, distance: 2)
        let metrics = AnalysisMetrics(testImages: 1, accuracy: 1, macroF1: 1, distance: DistanceMetrics(mae: 0, rmse: 0, r2: 1), perClass: [],
                                      confusion: [], distanceBins: [], confidentMistakes: [mistake], separation: [],
                                      tsne: TSNESummary(points: 1, perplexity: 1, iterations: 1, klDivergence: 0, seconds: 0), pcaExplainedVariance: [])
        XCTAssertTrue(String(decoding: metrics.encoded(), as: UTF8.self).contains(#""B\/B_00001.png""#))
    }

    /// The history parser trapped on an epoch that was not a whole number (`Int(nan)`).
    func testADamagedHistoryIsAnErrorNamingTheLine() throws {
        let records = [EpochRecord(epoch: 1, loss: 1, crossEntropy: 1, meanSquaredError: 0, validationAccuracy: 0.5, validationMAE: 1,
                                   imagesPerSecond: 10, seconds: 2)]
        try TrainingHistory.write(records, to: folder)
        XCTAssertEqual(try TrainingHistory.read(folder: folder), records, "these values survive the CSV's rounding exactly")
        for bad in ["nan", "1e300", "1.5", "x"] {
            let text = TrainingHistory.header + "\n\(bad),1,1,1,1,1,1,1\n"
            XCTAssertThrowsError(try TrainingHistory.parse(text, source: "h.csv")) { error in
                XCTAssertEqual(error as? RecordError, .unreadable(path: "h.csv", problem: "its training history is damaged at line 2"))
            }
        }
    }

    func testWhatIsNotARecordIsRefusedWithTheFileNamed() throws {
        try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: folder + "/status.json"))
        XCTAssertThrowsError(try RunStatus.read(folder: folder)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(folder)/status.json cannot be read: it is not a run status ("), "\(error)")
        }
        XCTAssertNil(RunStatus.read(runFolder: folder))
        XCTAssertEqual(mkfifo(folder + "/manifest.json", 0o644), 0)
        XCTAssertThrowsError(try RunManifest.read(folder: folder)) { error in
            XCTAssertEqual("\(error)", "\(folder)/manifest.json cannot be read: it is a FIFO (named pipe), not a regular file.")
        }
    }
}
