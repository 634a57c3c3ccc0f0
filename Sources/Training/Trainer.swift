import AtomicIO
import FileFormats
import Foundation
import Interrupt
import NN
import Synth

/// Hears what training does, for live display; every call comes from the training thread.
public protocol TrainingObserver: AnyObject {
    func datasetLoaded(images: Int, split: DataSplit, seconds: Double)
    /// `batches` > 0: the checkpoint was taken that many batches into epoch `afterEpoch + 1`.
    func resumed(afterEpoch: Int, batches: Int)
    /// The records a resumed run starts from: its checkpoint's history and windows of steps.
    func restored(history: [EpochRecord], steps: [StepRecord])
    func epochStarted(_ epoch: Int, of epochs: Int, images: Int)
    func batchFinished(images: Int, loss: Float)
    func epochFinished(_ record: EpochRecord, of epochs: Int)
    /// A window of steps was averaged into a row of `steps.csv` (see `TrainingSteps`).
    func stepsRecorded(_ record: StepRecord)
    /// One line worth telling the user (e.g. that bf16 runs in fp32 on this CPU).
    func note(_ text: String)
}

extension TrainingObserver {
    public func note(_ text: String) {}
    public func stepsRecorded(_ record: StepRecord) {}
    public func restored(history: [EpochRecord], steps: [StepRecord]) {}
}

/// One `train` request.
public struct TrainJob: Sendable {
    public var dataFolder: String
    public var outFolder: String
    public var config: TrainConfig
    public var seed: UInt64
    public var threads: Int
    /// Continue from `outFolder/checkpoint.safetensors` when it exists.
    public var resume: Bool
    /// Hash of everything training depends on (seed, data and train config); a checkpoint
    /// from another config is refused.
    public var configHash: String
    /// When set and requested, training stops before the next batch with
    /// `TrainingError.interrupted`, after a checkpoint of that moment (mid-epoch) for `resume`.
    public var stop: StopRequest?
    /// The data set's images as the process that drew them holds them (`asl-lab run`), taken
    /// instead of decoding their files.
    public var preparedImages: PreparedImages?

    public init(dataFolder: String, outFolder: String, config: TrainConfig, seed: UInt64, threads: Int, resume: Bool, configHash: String,
                stop: StopRequest? = nil) {
        self.dataFolder = dataFolder
        self.outFolder = outFolder
        self.config = config
        self.seed = seed
        self.threads = threads
        self.resume = resume
        self.configHash = configHash
        self.stop = stop
    }
}

/// What training produced.
public struct TrainOutcome: Sendable {
    public var history: [EpochRecord]
    public var testAccuracy: Double
    public var testMAE: Double
    public var trainImages: Int
    public var validationImages: Int
    public var testImages: Int
    /// The epoch a resumed run continued after, or nil for a fresh run.
    public var resumedAfterEpoch: Int?
    public var seconds: Double
}

/// The training loop: seeded init, per-epoch shuffles fixed by (seed, epoch), Adam, a
/// validation pass and an atomic checkpoint after every epoch, test metrics at the end.
///
/// Files in the output folder: `history.csv`, `steps.csv` (the loss of every window of 20
/// steps and the learning rate), `checkpoint.safetensors` (weights, Adam moments, epoch,
/// history, steps), `model.safetensors` (PyTorch names) and `training.json`.
public enum Trainer {
    public static let checkpointName = "checkpoint.safetensors"
    public static let modelName = "model.safetensors"
    public static let historyName = TrainingHistory.fileName
    public static let stepsName = TrainingSteps.fileName
    public static let summaryName = TrainingSummary.fileName

    public static func run(_ job: TrainJob, observer: TrainingObserver? = nil) throws -> TrainOutcome {
        let started = Date()
        let config = job.config
        // The thread count travels with the job into the model and optimiser; it does not change
        // the bytes (see `Engine`), so it is no part of the config hash.
        let engine = Engine(threads: job.threads, precision: config.precision, convolution: config.convolution)
        if let note = engine.note { observer?.note(note) }
        try createFolder(job.outFolder)

        let loading = Date()
        let dataset = try ImageDataset(folder: job.dataFolder, inputSize: config.inputSize, threads: job.threads,
                                       prepared: job.preparedImages)
        let split = DataSplit.stratified(letters: dataset.samples.map(\.label), fractions: config.split, seed: job.seed)
        if !dataset.ignoredColumns.isEmpty {
            let columns = dataset.ignoredColumns
            observer?.note("Ignored \(columns.count == 1 ? "the column" : "the columns") \(columns.map { InputText.quoted($0) }.joined(separator: ", ")) of \(dataset.labelsFile): only filepath, label and distance are read.")
        }
        if let note = dataset.mixedSizesNote { observer?.note(note) }
        if !dataset.hasDistance { observer?.note("\(dataset.labelsFile) has no distance column: the model is trained without its distance head.") }
        try checkClassSizes(dataset, fractions: config.split)
        guard !split.train.isEmpty else {
            throw TrainingError.emptySplit(name: "training", detail: "\(dataset.samples.count) images are too few for train.split.train = \(config.split.train)")
        }
        observer?.datasetLoaded(images: dataset.samples.count, split: split, seconds: Date().timeIntervalSince(loading))

        let architecture = SmallCNNArchitecture(inputSize: config.inputSize, channels: config.channels,
                                                classHidden: config.classHidden, distanceHidden: config.distanceHidden, classes: dataset.classes.count,
                                                inputStandardisation: config.standardiseInput ? dataset.channelStatistics(of: split.train) : nil,
                                                distanceHead: dataset.hasDistance)
        let model = SmallCNN(architecture: architecture, seed: job.seed)
        model.engine = engine
        let optimizer = Adam(parameters: model.parameters, learningRate: Float(config.learningRate))
        optimizer.engine = engine
        var history: [EpochRecord] = []
        // Recording the loss of each window of steps only reads the losses: it changes nothing
        // the model computes.
        var steps: [StepRecord] = []
        var window = StepWindow()
        let checkpointPath = path(job, checkpointName)
        var resumedAfter: Int?
        var interrupted: EpochProgress?
        if job.resume, FileManager.default.fileExists(atPath: checkpointPath) {
            let restored = try Checkpoint.restore(from: checkpointPath, model: model, optimizer: optimizer, configHash: job.configHash)
            (history, interrupted, steps) = (restored.history, restored.progress, restored.steps)
            window = restored.window ?? StepWindow()
            resumedAfter = history.last?.epoch ?? 0
            observer?.resumed(afterEpoch: resumedAfter!, batches: interrupted?.batches ?? 0)
            observer?.restored(history: history, steps: steps)
        }

        let size = config.inputSize
        let stepsPerEpoch = (split.train.count + config.batchSize - 1) / config.batchSize
        let totalSteps = config.epochs * stepsPerEpoch
        var stepsThisRun = 0
        var input = [Float](repeating: 0, count: config.batchSize * dataset.imageBytes)
        for epoch in (history.count + 1)...max(history.count + 1, config.epochs) where epoch <= config.epochs {
            let epochStart = Date()
            // A run interrupted in this epoch carries on after its last batch, with its sums.
            let carried = interrupted?.epoch == epoch ? interrupted : nil
            interrupted = nil
            let earlierSeconds = carried?.seconds ?? 0
            let order = split.trainingOrder(epoch: epoch, seed: job.seed)
            // A resumed epoch shows progress over the images it has left.
            observer?.epochStarted(epoch, of: config.epochs, images: order.count - min(order.count, (carried?.batches ?? 0) * config.batchSize))
            var sums = carried.map { (total: $0.loss, ce: $0.crossEntropy, mse: $0.meanSquaredError) } ?? (total: 0.0, ce: 0.0, mse: 0.0)
            var batches = carried?.batches ?? 0
            for (batchNumber, start) in stride(from: 0, to: order.count, by: config.batchSize).enumerated() where batchNumber >= (carried?.batches ?? 0) {
                if job.stop?.isRequested == true {
                    if batches > 0 {
                        let progress = EpochProgress(epoch: epoch, batches: batches, loss: sums.total, crossEntropy: sums.ce, meanSquaredError: sums.mse,
                                                     seconds: earlierSeconds + Date().timeIntervalSince(epochStart))
                        try Checkpoint.save(to: checkpointPath, model: model, optimizer: optimizer, history: history,
                                            configHash: job.configHash, steps: steps, progress: progress, window: window)
                    }
                    throw TrainingError.interrupted(epoch: epoch, completedEpochs: history.count, batches: batches, checkpoint: checkpointPath)
                }
                let batch = Array(order[start..<min(order.count, start + config.batchSize)])
                let count = batch.count * dataset.imageBytes
                if input.count != count { input = [Float](repeating: 0, count: count) }
                input.withUnsafeMutableBufferPointer { dataset.fill(batch, into: $0) }
                let (logits, distance) = model.forward(Tensor(shape: [batch.count, 3, size, size], data: input), training: true)
                let loss = DualHeadLoss.evaluate(logits: logits, distance: distance,
                                                 classes: batch.map { dataset.samples[$0].label },
                                                 distances: batch.map { dataset.samples[$0].distance },
                                                 distanceWeight: Float(config.distanceLossWeight))
                guard loss.total.isFinite else {
                    // Labels and pixels were checked when read, so a loss that turns non-finite
                    // after steps is the optimiser's doing; on this run's first batch it is not.
                    throw stepsThisRun == 0
                        ? TrainingError.nonFiniteLossAtStart(epoch: epoch, batch: batchNumber + 1, value: loss.total, resumed: resumedAfter != nil)
                        : TrainingError.nonFiniteLoss(epoch: epoch, batch: batchNumber + 1, value: loss.total)
                }
                _ = model.backward(logitsGradient: loss.logitsGradient, distanceGradient: loss.distanceGradient, replacingGradients: true)
                let step = (epoch - 1) * stepsPerEpoch + batchNumber
                let learningRate = config.learningRate(step: step, of: totalSteps)
                optimizer.learningRate = Float(learningRate)
                optimizer.step()
                stepsThisRun += 1
                sums.total += Double(loss.total); sums.ce += Double(loss.crossEntropy); sums.mse += Double(loss.meanSquaredError)
                batches += 1
                observer?.batchFinished(images: batch.count, loss: loss.total)
                if let record = window.add(step: step + 1, epoch: epoch, loss: loss.total, crossEntropy: loss.crossEntropy,
                                           meanSquaredError: loss.meanSquaredError, learningRate: learningRate) {
                    steps.append(record)
                    observer?.stepsRecorded(record)
                }
            }
            // The epoch's last window holds what is left of it.
            let lastStep = epoch * stepsPerEpoch
            if let record = window.close(step: lastStep, epoch: epoch, learningRate: config.learningRate(step: lastStep - 1, of: totalSteps)) {
                steps.append(record)
                observer?.stepsRecorded(record)
            }
            let trainSeconds = earlierSeconds + Date().timeIntervalSince(epochStart)
            let validation = Evaluation.predict(model, dataset: dataset, indices: split.validation, batchSize: config.batchSize)
            let record = EpochRecord(
                epoch: epoch, loss: sums.total / Double(batches), crossEntropy: sums.ce / Double(batches),
                meanSquaredError: sums.mse / Double(batches),
                validationAccuracy: Evaluation.accuracy(validation, dataset: dataset),
                validationMAE: Evaluation.distanceMAE(validation, dataset: dataset),
                imagesPerSecond: Double(order.count) / trainSeconds, seconds: earlierSeconds + Date().timeIntervalSince(epochStart))
            history.append(record)
            // The checkpoint goes first: whoever sees epoch N in history.csv (a progress
            // watcher, a test) can rely on its checkpoint being on disk already.
            try Checkpoint.save(to: checkpointPath, model: model, optimizer: optimizer, history: history, configHash: job.configHash, steps: steps)
            try TrainingSteps.write(steps, to: job.outFolder)
            try TrainingHistory.write(history, to: job.outFolder)
            observer?.epochFinished(record, of: config.epochs)
            // A stop asked for during the validation pass (or after the last batch) is honoured
            // here, with this epoch's checkpoint already on disk.
            if job.stop.isRequested {
                throw TrainingError.interrupted(epoch: epoch, completedEpochs: history.count, batches: 0, checkpoint: checkpointPath)
            }
        }
        if job.stop.isRequested {
            throw TrainingError.interrupted(epoch: history.count, completedEpochs: history.count, batches: 0, checkpoint: checkpointPath)
        }

        let test = Evaluation.predict(model, dataset: dataset, indices: split.test, batchSize: config.batchSize)
        let outcome = TrainOutcome(
            history: history, testAccuracy: Evaluation.accuracy(test, dataset: dataset),
            testMAE: Evaluation.distanceMAE(test, dataset: dataset), trainImages: split.train.count,
            validationImages: split.validation.count, testImages: split.test.count, resumedAfterEpoch: resumedAfter,
            seconds: Date().timeIntervalSince(started))
        try TrainingHistory.write(history, to: job.outFolder)
        try TrainingSteps.write(steps, to: job.outFolder)
        try ModelFile.save(model, to: path(job, modelName), configHash: job.configHash, classes: dataset.classes,
                           extra: ["epochs": String(history.count), "seed": String(job.seed)])
        try summary(outcome, job: job, engine: engine, standardisation: architecture.inputStandardisation).write(to: job.outFolder)
        return outcome
    }

    /// Refuses a user's data set in which a class has too few images for every split to get
    /// one (a generated data set keeps its old rule: such a class only trains).
    static func checkClassSizes(_ dataset: ImageDataset, fractions: (train: Double, val: Double, test: Double)) throws {
        guard !dataset.generated else { return }
        let rows = dataset.samples.map { DatasetLabels.Row(filepath: $0.path, label: $0.label, distance: Double($0.distance), line: 0) }
        try DatasetLabels(file: dataset.labelsFile, rows: rows, classes: dataset.classes, hasDistance: dataset.hasDistance,
                          ignoredColumns: dataset.ignoredColumns, generated: false).checkClassSizes(fractions: fractions)
    }

    static func path(_ job: TrainJob, _ name: String) -> String {
        (job.outFolder as NSString).appendingPathComponent(name)
    }

    private static func createFolder(_ folder: String) throws {
        try Folder.create(folder)
        // Temporaries of a training that was killed while writing its checkpoint.
        Folder.removeLeftovers(in: folder)
    }

    /// `training.json`: the outcome and the settings that shaped it.
    private static func summary(_ outcome: TrainOutcome, job: TrainJob, engine: Engine, standardisation: InputStandardisation?) -> TrainingSummary {
        TrainingSummary(
            // What the first layer saw while training (the saved model has it folded in).
            inputStandardisation: standardisation.map { .init(mean: $0.mean.map(Double.init), std: $0.std.map(Double.init)) },
            learningRate: job.config.learningRate, learningRateDecay: job.config.learningRateDecay, precision: engine.precision.rawValue,
            productKernel: engine.kernel.rawValue, convolution: engine.convolution.rawValue, configHash: job.configHash,
            seed: job.seed, epochs: outcome.history.count, trainImages: outcome.trainImages, validationImages: outcome.validationImages,
            testImages: outcome.testImages, testAccuracy: outcome.testAccuracy, testDistanceMAE: outcome.testMAE,
            finalValidationAccuracy: outcome.history.last?.validationAccuracy,
            meanTrainImagesPerSecond: outcome.history.isEmpty ? 0 : outcome.history.map(\.imagesPerSecond).reduce(0, +) / Double(outcome.history.count),
            seconds: outcome.seconds)
    }
}

/// How far an interrupted epoch got: its finished batches, their loss sums (kept exact, so the
/// epoch's history row matches an uninterrupted run's) and the seconds spent on them.
struct EpochProgress: Equatable {
    var epoch: Int
    var batches: Int
    var loss: Double, crossEntropy: Double, meanSquaredError: Double
    var seconds: Double

    /// "epoch,batches,loss,ce,mse,seconds", each number in Swift's round-trip form.
    var text: String { "\(epoch),\(batches),\(loss),\(crossEntropy),\(meanSquaredError),\(seconds)" }

    init(epoch: Int, batches: Int, loss: Double, crossEntropy: Double, meanSquaredError: Double, seconds: Double) {
        (self.epoch, self.batches, self.loss, self.crossEntropy, self.meanSquaredError, self.seconds) =
            (epoch, batches, loss, crossEntropy, meanSquaredError, seconds)
    }

    init?(text: String) {
        let fields = text.split(separator: ",").map(String.init)
        guard fields.count == 6, let epoch = Int(fields[0]), let batches = Int(fields[1]), epoch >= 1, batches >= 1,
              let loss = Double(fields[2]), let ce = Double(fields[3]), let mse = Double(fields[4]), let seconds = Double(fields[5]) else { return nil }
        self.init(epoch: epoch, batches: batches, loss: loss, crossEntropy: ce, meanSquaredError: mse, seconds: seconds)
    }
}

/// `checkpoint.safetensors`: the model's weights, Adam's moments and step, the epoch, the
/// history and the step windows so far, and for a run stopped mid-epoch how far that epoch got
/// (with its unfinished window of steps). Because each epoch's
/// shuffle depends only on (seed, epoch), this is all a resumed run needs to end with the same
/// weights as an uninterrupted one.
enum Checkpoint {
    /// What a checkpoint gives back besides the weights and Adam's state.
    struct Restored {
        var history: [EpochRecord]
        /// How far the interrupted epoch got, for a checkpoint taken mid-epoch.
        var progress: EpochProgress?
        /// The windows of steps recorded so far (empty for a checkpoint of an older version).
        var steps: [StepRecord]
        /// The unfinished window, for a checkpoint taken mid-epoch.
        var window: StepWindow?
    }

    static func save(to path: String, model: SmallCNN, optimizer: Adam, history: [EpochRecord], configHash: String,
                     steps: [StepRecord], progress: EpochProgress? = nil, window: StepWindow? = nil) throws {
        let state = optimizer.state
        var tensors = model.stateTensors()
        for (i, parameter) in model.parameters.enumerated() {
            tensors.append(("optimizer.exp_avg." + parameter.name, state.firstMoments[i]))
            tensors.append(("optimizer.exp_avg_sq." + parameter.name, state.secondMoments[i]))
        }
        var metadata = [
            "format": "asl-lab checkpoint",
            "config_hash": configHash,
            "epoch": String(history.count),
            "adam_step": String(state.step),
            "history": TrainingHistory.csv(history),
            "steps": TrainingSteps.csv(steps),
            "architecture": try ModelFile.architectureJSON(model.architecture),
        ]
        if let progress {
            metadata["epoch_progress"] = progress.text
            metadata["step_window"] = (window ?? StepWindow()).text
        }
        // Flushed to the device: history.csv, written next, promises this checkpoint exists, and
        // that promise must hold after a power loss too.
        try AtomicFile.write(Data(SafeTensors.encode(tensors, metadata: metadata)), to: path, durability: .powerLoss)
    }

    /// Loads a checkpoint into `model` and `optimizer`; returns the history it holds and, when it
    /// was taken mid-epoch, how far that epoch got.
    static func restore(from path: String, model: SmallCNN, optimizer: Adam, configHash: String) throws -> Restored {
        let data = try InputFile.read(path, limit: InputFile.Limit.model) { TrainingError.checkpoint(path: path, problem: $0) }
        let (tensors, metadata) = try SafeTensors.decode([UInt8](data), source: path)
        guard metadata["format"] == "asl-lab checkpoint", let stepText = metadata["adam_step"], let step = Int(stepText), step >= 0,
              let historyText = metadata["history"] else {
            throw TrainingError.checkpoint(path: path, problem: "it is not an asl-lab training checkpoint")
        }
        guard metadata["config_hash"] == configHash else {
            throw TrainingError.checkpoint(path: path, problem: "it was written with a different config or data set (config hash \(metadata["config_hash"] ?? "none")); run without --resume to start over")
        }
        // Everything is checked before the model or the optimizer changes.
        let weights = tensors.filter { !$0.key.hasPrefix("optimizer.") }
        do {
            try model.architecture.check(weights)
        } catch {
            throw TrainingError.checkpoint(path: path, problem: error.description)
        }
        var first: [Tensor] = [], second: [Tensor] = []
        for parameter in model.parameters {
            guard let m = tensors["optimizer.exp_avg." + parameter.name], let v = tensors["optimizer.exp_avg_sq." + parameter.name],
                  m.shape == parameter.value.shape, v.shape == parameter.value.shape else {
                throw TrainingError.checkpoint(path: path, problem: "the optimizer state for \(parameter.name) is missing or has the wrong shape")
            }
            // Adam divides by the square root of the second moment: it must be finite and ≥ 0.
            guard m.data.allSatisfy(\.isFinite), v.data.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw TrainingError.checkpoint(path: path, problem: "the optimizer state for \(parameter.name) holds values that are not finite (or a negative second moment)")
            }
            first.append(m)
            second.append(v)
        }
        let history: [EpochRecord], steps: [StepRecord]
        do throws(RecordError) {
            history = try TrainingHistory.parse(historyText, source: path)
            if let stepsText = metadata["steps"] { steps = try TrainingSteps.parse(stepsText, source: path) } else { steps = [] }
        } catch {
            throw TrainingError.checkpoint(path: path, problem: error.problem)
        }
        var restored = Restored(history: history, progress: nil, steps: steps, window: nil)
        if let progressText = metadata["epoch_progress"] {
            guard let progress = EpochProgress(text: progressText), progress.epoch == history.count + 1 else {
                throw TrainingError.checkpoint(path: path, problem: "its record of the interrupted epoch is damaged (\"\(progressText)\")")
            }
            restored.progress = progress
            if let windowText = metadata["step_window"] {
                guard let window = StepWindow(text: windowText) else {
                    throw TrainingError.checkpoint(path: path, problem: "its record of the unfinished window of steps is damaged (\"\(windowText)\")")
                }
                restored.window = window
            }
        }
        try model.load(weights)
        optimizer.state = AdamState(step: step, firstMoments: first, secondMoments: second)
        return restored
    }
}
