import NN

/// The model's outputs for a list of samples.
public struct Predictions: Sendable {
    /// Sample indices into the data set, in order.
    public var indices: [Int]
    /// Softmax probabilities, `indices.count × classes`, row-major.
    public var probabilities: [Float]
    /// Predicted distance per sample.
    public var distances: [Float]
    /// class_head.0 activations (`indices.count × classHidden`) when requested, else empty.
    public var embeddings: [Float]
    public var classes: Int

    /// The most probable letter of row `i`.
    public func predictedLetter(_ i: Int) -> Int {
        let row = probabilities[(i * classes)..<((i + 1) * classes)]
        return row.indices.max { row[$0] < row[$1] }! - i * classes
    }
}

/// Inference over data set samples in batches, and the headline metrics.
public enum Evaluation {
    /// Runs the model on `indices` of `dataset` in batches of `batchSize`.
    public static func predict(_ model: SmallCNN, dataset: ImageDataset, indices: [Int], batchSize: Int,
                               keepEmbeddings: Bool = false) -> Predictions {
        let classes = model.architecture.classes
        var result = Predictions(indices: indices, probabilities: [], distances: [], embeddings: [], classes: classes)
        result.probabilities.reserveCapacity(indices.count * classes)
        var input = [Float]()
        for start in stride(from: 0, to: indices.count, by: batchSize) {
            let batch = Array(indices[start..<min(indices.count, start + batchSize)])
            input = [Float](repeating: 0, count: batch.count * dataset.imageBytes)
            input.withUnsafeMutableBufferPointer { dataset.fill(batch, into: $0) }
            let size = dataset.inputSize
            let (logits, distance) = model.forward(Tensor(shape: [batch.count, 3, size, size], data: input), training: false)
            for row in 0..<batch.count {
                result.probabilities += softmax(logits.data[(row * classes)..<((row + 1) * classes)])
            }
            result.distances += distance.data
            if keepEmbeddings { result.embeddings += model.lastClassEmbedding.data }
        }
        return result
    }

    /// Stable softmax of one row of logits.
    public static func softmax(_ logits: ArraySlice<Float>) -> [Float] {
        let top = logits.max() ?? 0
        let exps = logits.map { expf($0 - top) }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }

    /// Fraction of samples whose predicted letter is the true one.
    public static func accuracy(_ predictions: Predictions, dataset: ImageDataset) -> Double {
        guard !predictions.indices.isEmpty else { return .nan }
        let correct = predictions.indices.indices.filter { predictions.predictedLetter($0) == dataset.samples[predictions.indices[$0]].label }.count
        return Double(correct) / Double(predictions.indices.count)
    }

    /// Mean absolute error of the predicted distance (0 for a data set without distances:
    /// there is nothing to measure, and the records that hold it say so elsewhere).
    public static func distanceMAE(_ predictions: Predictions, dataset: ImageDataset) -> Double {
        guard dataset.hasDistance else { return 0 }
        guard !predictions.indices.isEmpty else { return .nan }
        let total = predictions.indices.indices.reduce(0.0) { sum, i in
            sum + Double(abs(predictions.distances[i] - dataset.samples[predictions.indices[i]].distance))
        }
        return total / Double(predictions.indices.count)
    }
}

import Foundation
