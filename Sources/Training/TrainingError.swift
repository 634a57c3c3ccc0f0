import AtomicIO

/// What can go wrong while reading a data set, training or predicting; each message names
/// the file, line, epoch or key at fault.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case missingLabels(folder: String)
    case missingImage(path: String, line: Int, labels: String)
    case unreadableImage(path: String, reason: String)
    case missingClasses(folder: String, letters: [String])
    case emptySplit(name: String, detail: String)
    case nonFiniteLoss(epoch: Int, batch: Int, value: Float)
    /// The loss was not finite on the first batch a run trained, before any step: the
    /// learning rate played no part.
    case nonFiniteLossAtStart(epoch: Int, batch: Int, value: Float, resumed: Bool)
    case unreadableLabels(path: String, reason: String)
    case datasetTooLarge(folder: String, images: Int, inputSize: Int, needed: Double, available: Double)
    case imageOutsideDataset(path: String, line: Int, labels: String)
    case checkpoint(path: String, problem: String)
    case model(path: String, problem: String)
    case interrupted(epoch: Int, completedEpochs: Int, batches: Int, checkpoint: String)
    /// A label table with fewer than 2 or more than 1000 classes.
    case classCount(labels: String, count: Int, names: [String])
    /// Classes with fewer images than the split needs to give each split one.
    case classesTooSmall(labels: String, needed: Int, classes: [(name: String, images: Int)])

    public static func == (a: TrainingError, b: TrainingError) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case .missingLabels(let folder):
            return "The data set folder \(folder) has neither labels.csv nor labels.xlsx. Generate one with `asl-lab generate --out DIR`."
        case .missingImage(let path, let line, let labels):
            return "The image \(path), listed on line \(line) of \(labels), does not exist."
        case .unreadableImage(let path, let reason):
            return "The image \(path) cannot be used: \(reason)."
        case .missingClasses(let folder, let letters):
            return "The data set \(folder) has no images of \(letters.count == 1 ? "the letter" : "the letters") \(letters.joined(separator: ", ")); every letter A–Z needs at least one image to train the 26-way classifier."
        case .emptySplit(let name, let detail):
            return "The \(name) split is empty: \(detail)."
        case .nonFiniteLoss(let epoch, let batch, let value):
            return "Training stopped: the loss became \(value) at epoch \(epoch), batch \(batch). Every label and pixel was checked when the data set was read, so the weights diverged: lower train.learning_rate (or train.distance_loss_weight); the last checkpoint is kept."
        case .nonFiniteLossAtStart(let epoch, let batch, let value, let resumed):
            return "Training stopped: the loss was \(value) on the first batch trained (epoch \(epoch), batch \(batch)), before any step, so the learning rate is not the cause: "
                + (resumed ? "the checkpoint it resumed from gives non-finite outputs; run without --resume to start over."
                           : "check train.distance_loss_weight and the data set's labels.")
        case .datasetTooLarge(let folder, let images, let inputSize, let needed, let available):
            return "The data set \(folder) decoded at \(inputSize) px (\(images) images) needs about \(ByteCount.text(needed)) of memory; this machine has \(ByteCount.text(available)). Use a smaller train.input_size or fewer images."
        case .unreadableLabels(let path, let reason):
            return "Cannot read the labels \(path): \(reason)."
        case .imageOutsideDataset(let path, let line, let labels):
            return "The image \(path), listed on line \(line) of \(labels), is a link to a file outside the data set folder; every image must lie inside it."
        case .checkpoint(let path, let problem):
            return "Cannot resume from \(path): \(problem)."
        case .model(let path, let problem):
            return "Cannot use the model \(path): \(problem)."
        case .classCount(let labels, let count, let names):
            if count < 2 {
                return "The label table \(labels) has \(count == 0 ? "no class" : "a single class (\(InputText.quoted(names.first ?? "")))"); a classifier needs at least 2 classes."
            }
            return "The label table \(labels) has \(count) classes; at most \(DatasetLabels.classRange.upperBound) are supported."
        case .classesTooSmall(let labels, let needed, let classes):
            let list = classes.prefix(10).map { "\(InputText.quoted($0.name)) (\(Count.of($0.images, "image")))" }.joined(separator: ", ")
            return "In \(labels), \(classes.count == 1 ? "the class" : "\(classes.count) classes") \(list)\(classes.count > 10 ? " …" : "") \(classes.count == 1 ? "has" : "have") fewer than the \(needed) images the split needs (one each for training, validation and test). Add images, drop the class from the labels, or set train.split.val and train.split.test to 0."
        case .interrupted(let epoch, let completed, let batches, let checkpoint):
            if batches > 0 {
                return "Training was interrupted during epoch \(epoch), after batch \(batches); a checkpoint of that moment is kept in \(checkpoint), and resuming continues from it."
            }
            if completed >= epoch, completed > 0 {
                return "Training was interrupted after epoch \(completed) had finished; its checkpoint is kept in \(checkpoint), and resuming continues from it."
            }
            return completed == 0
                ? "Training was interrupted during epoch \(epoch), before any epoch finished; the next run starts it again."
                : "Training was interrupted during epoch \(epoch); the checkpoint after epoch \(completed) is kept in \(checkpoint), and resuming continues from it."
        }
    }
}
