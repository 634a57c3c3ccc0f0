import Foundation

/// The original's loss: `F.cross_entropy(logits, classes) + w · F.mse_loss(distance, targets)`,
/// both means over the batch, with a numerically stable log-softmax. Its gradient is made with
/// denormals flushed (`Denormals`): a confident prediction's probabilities for the other
/// letters underflow.
public struct DualHeadLoss {
    public static func evaluate(logits: Tensor, distance: Tensor, classes: [Int], distances: [Float], distanceWeight: Float)
        -> (total: Float, crossEntropy: Float, meanSquaredError: Float, logitsGradient: Tensor, distanceGradient: Tensor) {
        Denormals.flushed {
            evaluateWithDenormalsFlushed(logits: logits, distance: distance, classes: classes, distances: distances, distanceWeight: distanceWeight)
        }
    }

    private static func evaluateWithDenormalsFlushed(logits: Tensor, distance: Tensor, classes: [Int], distances: [Float], distanceWeight: Float)
        -> (total: Float, crossEntropy: Float, meanSquaredError: Float, logitsGradient: Tensor, distanceGradient: Tensor) {
        let n = logits.shape[0], k = logits.shape[1]
        precondition(classes.count == n && distances.count == n && distance.count == n)
        var dLogits = Tensor(zeros: logits.shape)
        var ce: Double = 0
        for i in 0..<n {
            let row = logits.data[(i * k)..<((i + 1) * k)]
            let top = row.max()!
            var sum: Double = 0
            for v in row { sum += exp(Double(v - top)) }
            let logSum = log(sum) + Double(top)
            ce += logSum - Double(logits.data[i * k + classes[i]])
            for j in 0..<k {
                let p = exp(Double(logits.data[i * k + j]) - logSum)
                dLogits.data[i * k + j] = Float((p - (j == classes[i] ? 1 : 0)) / Double(n))
            }
        }
        var mse: Double = 0
        var dDistance = Tensor(zeros: distance.shape)
        for i in 0..<n {
            let diff = Double(distance.data[i] - distances[i])
            mse += diff * diff
            dDistance.data[i] = Float(2 * diff / Double(n)) * distanceWeight
        }
        let meanCE = Float(ce / Double(n)), meanMSE = Float(mse / Double(n))
        return (meanCE + distanceWeight * meanMSE, meanCE, meanMSE, dLogits, dDistance)
    }
}
