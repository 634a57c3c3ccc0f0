import FileFormats
/// Distance-versus-class separation: how far apart the letters lie in an embedding among
/// samples at similar distances. The original's embeddings notebook promised this and never
/// drew it.
public enum ClassSeparation {
    /// Per bin of the true distance: silhouette of `points` and of `map`, mean distance
    /// between class centroids of `points`, mean distance of `points` to their class centroid.
    /// Bins with fewer than two classes get zeros (their count says why).
    public static func byDistance(points: [Float], dimensions: Int, map: [Float], mapDimensions: Int, labels: [Int], distance: [Double],
                                  lower: Double, upper: Double, bins: Int) -> [SeparationBin] {
        let width = (upper - lower) / Double(bins)
        let mapped = mapDimensions > 0 && map.count >= labels.count * mapDimensions
            ? silhouettePerBin(points: map, dimensions: mapDimensions, labels: labels, distance: distance, lower: lower, upper: upper, bins: bins)
            : [Double](repeating: 0, count: bins)
        return (0..<bins).map { b in
            let members = Self.members(ofBin: b, distance: distance, lower: lower, upper: upper, bins: bins)
            var result = SeparationBin(lower: lower + Double(b) * width, upper: lower + Double(b + 1) * width, count: members.count,
                                       silhouetteEmbedding: 0, silhouetteTSNE: mapped[b], centroidDistance: 0, withinClassSpread: 0)
            let subsetLabels = members.map { labels[$0] }
            guard Set(subsetLabels).count >= 2 else { return result }
            let subset = members.flatMap { points[($0 * dimensions)..<(($0 + 1) * dimensions)] }
            result.silhouetteEmbedding = silhouette(points: subset, dimensions: dimensions, labels: subsetLabels)
            (result.centroidDistance, result.withinClassSpread) = centroidStatistics(points: subset, dimensions: dimensions, labels: subsetLabels)
            return result
        }
    }

    /// The silhouette of `points` (N × `dimensions`) among the samples of each distance bin;
    /// 0 for a bin with fewer than two classes.
    public static func silhouettePerBin(points: [Float], dimensions: Int, labels: [Int], distance: [Double],
                                        lower: Double, upper: Double, bins: Int) -> [Double] {
        (0..<bins).map { b in
            let members = Self.members(ofBin: b, distance: distance, lower: lower, upper: upper, bins: bins)
            let subsetLabels = members.map { labels[$0] }
            guard Set(subsetLabels).count >= 2 else { return 0 }
            let subset = members.flatMap { points[($0 * dimensions)..<(($0 + 1) * dimensions)] }
            return silhouette(points: subset, dimensions: dimensions, labels: subsetLabels)
        }
    }

    private static func members(ofBin b: Int, distance: [Double], lower: Double, upper: Double, bins: Int) -> [Int] {
        distance.indices.filter { EvaluationMetrics.bin(of: distance[$0], lower: lower, upper: upper, bins: bins) == b }
    }

    /// Mean silhouette coefficient (scikit-learn's definition: (b − a) / max(a, b) with a the
    /// mean distance to the own class, b to the nearest other class; points alone in their
    /// class score 0). −1 … 1, higher is better separated.
    public static func silhouette(points: [Float], dimensions: Int, labels: [Int]) -> Double {
        let n = labels.count
        let classes = Array(Set(labels)).sorted()
        guard n > 1, classes.count > 1 else { return 0 }
        let slot = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let sizes = classes.map { c in labels.filter { $0 == c }.count }
        var total = 0.0
        var sums = [Double](repeating: 0, count: classes.count)
        for i in 0..<n {
            for k in sums.indices { sums[k] = 0 }
            for j in 0..<n where j != i { sums[slot[labels[j]]!] += euclidean(points, i, j, dimensions) }
            let own = slot[labels[i]]!
            guard sizes[own] > 1 else { continue }
            let a = sums[own] / Double(sizes[own] - 1)
            var b = Double.infinity
            for k in sums.indices where k != own { b = min(b, sums[k] / Double(sizes[k])) }
            let denominator = max(a, b)
            total += denominator > 0 ? (b - a) / denominator : 0
        }
        return total / Double(n)
    }

    /// (mean distance between class centroids, mean distance of points to their own centroid).
    static func centroidStatistics(points: [Float], dimensions: Int, labels: [Int]) -> (Double, Double) {
        let classes = Array(Set(labels)).sorted()
        var centroids: [[Double]] = []
        for c in classes {
            var sum = [Double](repeating: 0, count: dimensions)
            var count = 0
            for (i, l) in labels.enumerated() where l == c {
                for d in 0..<dimensions { sum[d] += Double(points[i * dimensions + d]) }
                count += 1
            }
            centroids.append(sum.map { $0 / Double(count) })
        }
        var between = 0.0, pairs = 0
        for a in 0..<centroids.count {
            for b in (a + 1)..<centroids.count {
                between += zip(centroids[a], centroids[b]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
                pairs += 1
            }
        }
        var within = 0.0
        for (i, l) in labels.enumerated() {
            let c = centroids[classes.firstIndex(of: l)!]
            var s = 0.0
            for d in 0..<dimensions { let diff = Double(points[i * dimensions + d]) - c[d]; s += diff * diff }
            within += s.squareRoot()
        }
        return (between / Double(max(1, pairs)), within / Double(max(1, labels.count)))
    }

    private static func euclidean(_ p: [Float], _ i: Int, _ j: Int, _ d: Int) -> Double {
        var s: Float = 0
        for k in 0..<d { let diff = p[i * d + k] - p[j * d + k]; s += diff * diff }
        return Double(s.squareRoot())
    }
}
