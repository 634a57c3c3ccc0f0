import Foundation
import NN

/// A look inside a trained SmallCNN: its parameters, its first-layer filters, what each conv
/// block sees of chosen samples, and which input pixels move the predicted class's score.
public enum ModelInspection {
    /// One row of the parameter table.
    public struct ParameterRow: Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var count: Int
        public var mean: Double
        public var std: Double
    }

    /// Name, shape, count, mean and (population) standard deviation of every tensor, in state_dict order.
    public static func parameterTable(_ model: SmallCNN) -> [ParameterRow] {
        model.stateTensors().map { name, tensor in
            let n = Double(tensor.count)
            let mean = tensor.data.reduce(0.0) { $0 + Double($1) } / n
            let variance = tensor.data.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
            return ParameterRow(name: name, shape: tensor.shape, count: tensor.count, mean: mean, std: variance.squareRoot())
        }
    }

    static func parameterCSV(_ rows: [ParameterRow]) -> String {
        "name,shape,count,mean,std\n" + rows.map { row in
            "\(row.name),\(row.shape.map(String.init).joined(separator: "x")),\(row.count),\(row.mean),\(row.std)\n"
        }.joined()
    }

    /// The first `perLetter` samples of each letter among `indices` (in index order).
    public static func chooseSamples(indices: [Int], letters: [Int], perLetter: Int, classes: Int) -> [Int] {
        var taken = [Int](repeating: 0, count: classes)
        var chosen: [Int] = []
        for i in indices.sorted() where taken[letters[i]] < perLetter {
            taken[letters[i]] += 1
            chosen.append(i)
        }
        return chosen.sorted { letters[$0] != letters[$1] ? letters[$0] < letters[$1] : $0 < $1 }
    }

    /// |∂ score of `classes[i]` / ∂ input| of each sample, the maximum over colour channels:
    /// (N, H, W). The batch's samples do not interact (no batch statistics), so one backward
    /// pass gives every sample's own gradient.
    public static func saliency(_ model: SmallCNN, input: Tensor, classes: [Int]) -> Tensor {
        let n = input.shape[0], size = input.shape[2]
        let (logits, distance) = model.forward(input, training: true)
        var seed = Tensor(zeros: logits.shape)
        for i in 0..<n { seed.data[i * logits.shape[1] + classes[i]] = 1 }
        model.zeroGradients()
        let gradient = model.backward(logitsGradient: seed, distanceGradient: Tensor(zeros: distance.shape), inputGradient: true)!
        model.zeroGradients()
        var map = Tensor(zeros: [n, size, size])
        let plane = size * size
        for i in 0..<n {
            for p in 0..<plane {
                var best: Float = 0
                for c in 0..<3 { best = max(best, abs(gradient.data[(i * 3 + c) * plane + p])) }
                map.data[i * plane + p] = best
            }
        }
        return map
    }
}
