import AtomicIO
import Configuration
import Digest
import FileFormats
import Foundation
import Training

/// The train stage: reads `seed`, `data.*` (through the data set) and `train.*`; writes the
/// model, checkpoint, history and a summary. The same code serves `asl-lab train` and `run`.
public enum TrainStage {

    public static func job(config: EffectiveConfig, data: String, out: String, threads: Int? = nil, resume: Bool = false) -> TrainJob {
        let typed = Config(config)
        return TrainJob(dataFolder: data, outFolder: out, config: typed.train, seed: typed.trainSeed,
                        threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, resume: resume,
                        configHash: SHA256.hex(config.resolvedText(under: StageTable.configKeys(reachedBy: .train))))
    }

    /// How to carry on after a stop: the checkpoint is resumed with `--resume`.
    public static func resumeAdvice(alreadyResuming: Bool) -> String {
        alreadyResuming ? "Run the same command again to continue from the checkpoint."
                        : "Run the same command with --resume to continue from the checkpoint."
    }

    /// Trains with live progress on `console`; `also` hears training too (the live report).
    public static func run(_ job: TrainJob, console: ConsoleOutput = .standardError) throws -> TrainOutcome {
        try run(job, console: console, also: nil)
    }

    static func run(_ job: TrainJob, console: ConsoleOutput, also other: TrainingObserver?) throws -> TrainOutcome {
        // Before the trainer creates --out or says anything.
        try StageInputs.requireDataset(job.dataFolder, option: "--data")
        let display = TrainingDisplay(console: console)
        let observer: any TrainingObserver = other.map { TrainingObservers([display, $0]) } ?? display
        return try Trainer.run(job, observer: observer)
    }

    /// One paragraph on the result.
    public static func summary(_ outcome: TrainOutcome, job: TrainJob, shownAs: String? = nil) -> String {
        let rate = outcome.history.isEmpty ? 0 : outcome.history.map(\.imagesPerSecond).reduce(0, +) / Double(outcome.history.count)
        return String(format: "Trained %@ in %.0f s (%.0f train images/s). Test accuracy %.2f %%, distance MAE %.3f on %@. Model: %@",
                      Count.of(outcome.history.count, "epoch"), outcome.seconds, rate, outcome.testAccuracy * 100, outcome.testMAE,
                      Count.of(outcome.testImages, "test image"),
                      ((shownAs ?? job.outFolder) as NSString).appendingPathComponent(Trainer.modelName))
    }
}

/// Live training output: a bar per epoch with images/s and running loss, then one line per
/// epoch with the validation metrics.
final class TrainingDisplay: TrainingObserver {
    private let console: ConsoleOutput
    private var progress: ProgressDisplay?
    private var lossSum: Double = 0
    private var batches = 0

    init(console: ConsoleOutput) {
        self.console = console
    }

    func datasetLoaded(images: Int, split: DataSplit, seconds: Double) {
        console.write(String(format: "Loaded %d images in %.1f s: %d train, %d validation, %d test.\n",
                             images, seconds, split.train.count, split.validation.count, split.test.count))
    }

    func resumed(afterEpoch: Int, batches: Int) {
        console.write(batches > 0 ? "Resuming from the checkpoint taken in epoch \(afterEpoch + 1) after batch \(batches).\n"
                                  : "Resuming from the checkpoint after epoch \(afterEpoch).\n")
    }

    func epochStarted(_ epoch: Int, of epochs: Int, images: Int) {
        progress = ProgressDisplay(label: "epoch \(epoch)/\(epochs)", total: images, unit: "images", output: console)
        lossSum = 0
        batches = 0
    }

    func batchFinished(images: Int, loss: Float) {
        lossSum += Double(loss)
        batches += 1
        progress?.advance(by: images)
    }

    func note(_ text: String) {
        console.write(text + "\n")
    }

    func epochFinished(_ record: EpochRecord, of epochs: Int) {
        if console.isTerminal { progress?.finish() }
        console.write(String(format: "epoch %d/%d  loss %.4f (CE %.4f, MSE %.4f)  val accuracy %.2f %%  val MAE %.3f  %.0f images/s\n",
                             record.epoch, epochs, record.loss, record.crossEntropy, record.meanSquaredError,
                             record.validationAccuracy * 100, record.validationMAE, record.imagesPerSecond))
    }
}

/// Several observers hearing one training, each event in the order given.
final class TrainingObservers: TrainingObserver {
    private let observers: [TrainingObserver]

    init(_ observers: [TrainingObserver]) {
        self.observers = observers
    }

    func datasetLoaded(images: Int, split: DataSplit, seconds: Double) {
        observers.forEach { $0.datasetLoaded(images: images, split: split, seconds: seconds) }
    }

    func resumed(afterEpoch: Int, batches: Int) { observers.forEach { $0.resumed(afterEpoch: afterEpoch, batches: batches) } }
    func restored(history: [EpochRecord], steps: [StepRecord]) { observers.forEach { $0.restored(history: history, steps: steps) } }
    func epochStarted(_ epoch: Int, of epochs: Int, images: Int) { observers.forEach { $0.epochStarted(epoch, of: epochs, images: images) } }
    func batchFinished(images: Int, loss: Float) { observers.forEach { $0.batchFinished(images: images, loss: loss) } }
    func stepsRecorded(_ record: StepRecord) { observers.forEach { $0.stepsRecorded(record) } }
    func epochFinished(_ record: EpochRecord, of epochs: Int) { observers.forEach { $0.epochFinished(record, of: epochs) } }
    func note(_ text: String) { observers.forEach { $0.note(text) } }
}
