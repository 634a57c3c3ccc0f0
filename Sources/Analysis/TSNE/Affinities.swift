import Foundation

/// The symmetric sparse input similarities P of t-SNE, in compressed rows.
struct SparseAffinities {
    var rowStart: [Int]
    var columns: [Int32]
    var values: [Float]

    /// Per point, a Gaussian over its k nearest neighbours whose bandwidth is found by binary
    /// search so its perplexity (2^entropy) matches `perplexity`; then P = (P + Pᵀ) / 2N.
    static func fit(neighbours: [Int32], distances: [Float], rows n: Int, k: Int, perplexity: Double) -> SparseAffinities {
        let target = log(perplexity)
        var conditional = [Float](repeating: 0, count: n * k)
        var row = [Double](repeating: 0, count: k)
        for i in 0..<n {
            let base = i * k
            let nearest = Double(distances[base])
            var beta = 1.0, low = -Double.infinity, high = Double.infinity
            for _ in 0..<200 {
                var sum = 0.0, weighted = 0.0
                for j in 0..<k {
                    let shifted = Double(distances[base + j]) - nearest
                    let p = exp(-shifted * beta)
                    row[j] = p
                    sum += p
                    weighted += p * shifted
                }
                // H = log Σ + β·Σ p·d / Σ  (entropy of the normalised row, in nats)
                let entropy = log(sum) + beta * weighted / sum
                if abs(entropy - target) < 1e-5 { break }
                if entropy > target {
                    low = beta
                    beta = high.isFinite ? (beta + high) / 2 : beta * 2
                } else {
                    high = beta
                    beta = low.isFinite ? (beta + low) / 2 : beta / 2
                }
            }
            let sum = row.reduce(0, +)
            for j in 0..<k { conditional[base + j] = Float(row[j] / sum) }
        }
        // Symmetrise: every (i, j) and (j, i) entry, summed, divided by 2N.
        var triples: [(Int32, Int32, Float)] = []
        triples.reserveCapacity(2 * n * k)
        for i in 0..<n {
            for j in 0..<k {
                let p = conditional[i * k + j], other = neighbours[i * k + j]
                triples.append((Int32(i), other, p))
                triples.append((other, Int32(i), p))
            }
        }
        triples.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var rowStart = [Int](repeating: 0, count: n + 1)
        var columns: [Int32] = [], values: [Float] = []
        columns.reserveCapacity(triples.count)
        values.reserveCapacity(triples.count)
        let scale = Float(1 / (2 * Double(n)))
        var t = 0
        for i in 0..<n {
            rowStart[i] = columns.count
            while t < triples.count, triples[t].0 == Int32(i) {
                let j = triples[t].1
                var p: Float = 0
                while t < triples.count, triples[t].0 == Int32(i), triples[t].1 == j {
                    p += triples[t].2
                    t += 1
                }
                columns.append(j)
                values.append(p * scale)
            }
        }
        rowStart[n] = columns.count
        return SparseAffinities(rowStart: rowStart, columns: columns, values: values)
    }
}
