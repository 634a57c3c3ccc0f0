import FileFormats
/// Metrics of predictions against the truth: plain functions over arrays, so tests can check
/// them on hand-made numbers.
public enum EvaluationMetrics {
    /// Accuracy, macro F1 (over classes with test samples), per-class precision/recall/F1/support
    /// and the `confusion[true][predicted]` counts.
    public static func classification(truth: [Int], predicted: [Int], labels: [String])
        -> (accuracy: Double, macroF1: Double, perClass: [ClassMetrics], confusion: [[Int]]) {
        precondition(truth.count == predicted.count, "one prediction per sample")
        let k = labels.count
        var confusion = Array(repeating: Array(repeating: 0, count: k), count: k)
        for (t, p) in zip(truth, predicted) { confusion[t][p] += 1 }
        var scores: [ClassMetrics] = []
        for c in 0..<k {
            let tp = Double(confusion[c][c])
            let support = confusion[c].reduce(0, +)
            let predictedCount = (0..<k).reduce(0) { $0 + confusion[$1][c] }
            let precision = predictedCount > 0 ? tp / Double(predictedCount) : 0
            let recall = support > 0 ? tp / Double(support) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            scores.append(ClassMetrics(letter: labels[c], precision: precision, recall: recall, f1: f1, support: support, distanceMAE: 0))
        }
        let correct = (0..<k).reduce(0) { $0 + confusion[$1][$1] }
        let present = scores.filter { $0.support > 0 }
        return (truth.isEmpty ? 0 : Double(correct) / Double(truth.count),
                present.isEmpty ? 0 : present.map(\.f1).reduce(0, +) / Double(present.count), scores, confusion)
    }

    /// MAE, RMSE and R² (1 − SS_res/SS_tot; 0 when the truth is constant) of the distance head.
    public static func distance(truth: [Double], predicted: [Double]) -> DistanceMetrics {
        precondition(truth.count == predicted.count, "one prediction per sample")
        guard !truth.isEmpty else { return DistanceMetrics(mae: 0, rmse: 0, r2: 0) }
        let n = Double(truth.count)
        let errors = zip(predicted, truth).map { $0 - $1 }
        let mse = errors.map { $0 * $0 }.reduce(0, +) / n
        let mean = truth.reduce(0, +) / n
        let total = truth.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        return DistanceMetrics(mae: errors.map(abs).reduce(0, +) / n, rmse: mse.squareRoot(), r2: total > 0 ? 1 - mse * n / total : 0)
    }

    /// Distance MAE of each class's samples (0 for a class without samples).
    public static func distanceMAEPerClass(truth: [Double], predicted: [Double], classes: [Int], classCount: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: classCount), counts = [Int](repeating: 0, count: classCount)
        for i in truth.indices {
            sums[classes[i]] += abs(predicted[i] - truth[i])
            counts[classes[i]] += 1
        }
        return zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : 0 }
    }

    /// The bin of `value` among `bins` equal bins over [lower, upper] (edges clamp inwards).
    public static func bin(of value: Double, lower: Double, upper: Double, bins: Int) -> Int {
        let width = (upper - lower) / Double(bins)
        guard width > 0 else { return 0 }
        return min(bins - 1, max(0, Int(((value - lower) / width).rounded(.down))))
    }

    /// Accuracy and distance MAE in `bins` equal bins of the true distance over [lower, upper];
    /// both are 0 for a bin without samples (its count says so).
    public static func distanceBins(truth: [Double], predicted: [Double], correct: [Bool], lower: Double, upper: Double,
                                    bins: Int) -> [DistanceBinMetrics] {
        let width = (upper - lower) / Double(bins)
        var counts = [Int](repeating: 0, count: bins), right = counts, errors = [Double](repeating: 0, count: bins)
        for i in truth.indices {
            let b = bin(of: truth[i], lower: lower, upper: upper, bins: bins)
            counts[b] += 1
            if correct[i] { right[b] += 1 }
            errors[b] += abs(predicted[i] - truth[i])
        }
        return (0..<bins).map { b in
            DistanceBinMetrics(lower: lower + Double(b) * width, upper: lower + Double(b + 1) * width, count: counts[b],
                               accuracy: counts[b] > 0 ? Double(right[b]) / Double(counts[b]) : 0,
                               mae: counts[b] > 0 ? errors[b] / Double(counts[b]) : 0)
        }
    }

    /// The `limit` wrong predictions with the highest probability, most confident first (ties by path).
    public static func confidentMistakes(paths: [String], truth: [Int], predicted: [Int], probability: [Double], distances: [Double],
                                         labels: [String], limit: Int) -> [ConfidentMistake] {
        truth.indices.filter { truth[$0] != predicted[$0] }
            .sorted { probability[$0] != probability[$1] ? probability[$0] > probability[$1] : paths[$0] < paths[$1] }
            .prefix(limit)
            .map { ConfidentMistake(path: paths[$0], letter: labels[truth[$0]], predicted: labels[predicted[$0]],
                                    probability: probability[$0], distance: distances[$0]) }
    }
}
