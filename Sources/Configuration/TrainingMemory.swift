import AtomicIO
import Foundation
import NN
import Synth

/// What training a config needs in memory: the model for one batch (activations, weights,
/// gradients and Adam's moments, `SmallCNNArchitecture.memoryEstimate`) and the data set,
/// which training keeps decoded at the input size (3 bytes a pixel). Every key is within its
/// own range long before the product is: 1024-pixel input with 1024 channels asks for
/// terabytes, which validation must say rather than training crash on.
struct TrainingMemory {
    static let keys = ["train.input_size", "train.batch_size", "train.model.channels", "train.model.class_hidden",
                       "train.model.distance_hidden", "data.images_per_letter"]
    /// Share of the machine's memory a run may plan to use (the rest is the system's, the
    /// report's and the page cache's).
    static let usableShare = 0.8

    var architecture: SmallCNNArchitecture
    var batchSize: Int
    var images: Int

    init(_ config: EffectiveConfig) {
        architecture = SmallCNNArchitecture(inputSize: config.int("train.input_size"), channels: config.integers("train.model.channels"),
                                            classHidden: config.int("train.model.class_hidden"),
                                            distanceHidden: config.int("train.model.distance_hidden"))
        batchSize = config.int("train.batch_size")
        images = config.int("data.images_per_letter") * Letters.count
    }

    /// Bytes of the decoded data set.
    var datasetBytes: Double { Double(images) * 3 * Double(architecture.inputSize * architecture.inputSize) }

    /// Bytes in all for training with `batch` images a step.
    func needed(batch: Int) -> Double { architecture.memoryEstimate(batch: batch, training: true) + datasetBytes }

    /// Why this config cannot train in `available` bytes, saying what does fit; nil if it fits.
    func problem(available: Double) -> String? {
        let budget = available * Self.usableShare
        let needed = needed(batch: batchSize)
        guard needed > budget else { return nil }
        let a = architecture
        var text = "Training this config needs about \(ByteCount.text(needed)) of memory: the model (train.input_size \(a.inputSize), "
            + "train.model.channels \(a.channels), train.batch_size \(batchSize)) about \(ByteCount.text(needed - datasetBytes)) for activations, "
            + "weights, gradients and Adam's state, and the data set decoded at that size (\(images) images) about \(ByteCount.text(datasetBytes)); "
            + "this machine has \(ByteCount.text(available)), of which asl-lab plans to use \(Int(Self.usableShare * 100)) %."
        if let batch = (1...batchSize).last(where: { self.needed(batch: $0) <= budget }) {
            text += " train.batch_size \(batch) would fit; or lower train.input_size or train.model.channels."
        } else if datasetBytes < budget {
            text += " Lower train.input_size or train.model.channels (even one image a batch does not fit)."
        } else {
            let perLetter = Int(budget / 2 / (3 * Double(a.inputSize * a.inputSize)) / Double(Letters.count))
            text += " The data set alone does not fit: lower train.input_size, or data.images_per_letter (about \(perLetter) would leave room for the model)."
        }
        return text
    }
}
