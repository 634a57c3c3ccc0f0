import Foundation

/// The symmetric sparse input similarities P of t-SNE, in compressed rows.
struct SparseAffinities {
    var rowStart: [Int]
    var columns: [Int32]
    var values: [Float]
    /// The same P above the diagonal only (columns j > i): the attraction visits each pair once.
    var upperStart: [Int] = []
    var upperColumns: [Int32] = []
    var upperValues: [Float] = []

    /// Per point, a Gaussian over its k nearest neighbours whose bandwidth is found by binary
    /// search so its perplexity (2^entropy) matches `perplexity`; then P = (P + Pᵀ) / 2N.
    static func fit(neighbours: [Int32], distances: [Float], rows n: Int, k: Int, perplexity: Double, threads: Int = 1) -> SparseAffinities {
        var conditional = [Float](repeating: 0, count: n * k)
        let chunks = max(1, min(threads * 4, n / 256))
        distances.withUnsafeBufferPointer { dp in
            conditional.withUnsafeMutableBufferPointer { cp in
                nonisolated(unsafe) let (ds, cs) = (dp.baseAddress!, cp.baseAddress!)
                TSNEWork.perform(chunks, threads: threads) { chunk in
                    var row = [Double](repeating: 0, count: k)
                    for i in (n * chunk / chunks)..<(n * (chunk + 1) / chunks) {
                        fitRow(distances: ds + i * k, k: k, perplexity: perplexity, scratch: &row, into: cs + i * k)
                    }
                }
            }
        }
        return symmetrised(conditional, neighbours: neighbours, rows: n, k: k)
    }

    /// One point's conditional P(j | i) over its k neighbours, with the Gaussian bandwidth found
    /// by binary search on β = 1 / 2σ² until 2^entropy matches the perplexity.
    static func fitRow(distances: UnsafePointer<Float>, k: Int, perplexity: Double, scratch row: inout [Double],
                               into out: UnsafeMutablePointer<Float>) {
        let target = log(perplexity)
        let nearest = Double(distances[0])
        var beta = 1.0, low = -Double.infinity, high = Double.infinity
        for _ in 0..<200 {
            var sum = 0.0, weighted = 0.0
            for j in 0..<k {
                let shifted = Double(distances[j]) - nearest
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
        for j in 0..<k { out[j] = Float(row[j] / sum) }
    }

    /// P = (P_cond + P_condᵀ) / 2N in compressed rows. Each row's entries are gathered by
    /// counting (its own k and those of the points that list it), then sorted by column; a pair
    /// listed both ways meets once in each row and is summed.
    private static func symmetrised(_ conditional: [Float], neighbours: [Int32], rows n: Int, k: Int) -> SparseAffinities {
        var gatheredStart = [Int](repeating: 0, count: n + 1)
        for i in 0..<n {
            gatheredStart[i + 1] += k
            for t in 0..<k { gatheredStart[Int(neighbours[i * k + t]) + 1] += 1 }
        }
        for i in 0..<n { gatheredStart[i + 1] += gatheredStart[i] }
        // Column in the high 32 bits and the value's bits in the low: sorting the keys sorts by column.
        var gathered = [UInt64](repeating: 0, count: 2 * n * k)
        var fill = gatheredStart
        for i in 0..<n {
            for t in 0..<k {
                let j = Int(neighbours[i * k + t]), bits = UInt64(conditional[i * k + t].bitPattern)
                gathered[fill[i]] = UInt64(j) << 32 | bits
                fill[i] += 1
                gathered[fill[j]] = UInt64(i) << 32 | bits
                fill[j] += 1
            }
        }
        var rowStart = [Int](repeating: 0, count: n + 1)
        var columns: [Int32] = [], values: [Float] = []
        columns.reserveCapacity(gathered.count)
        values.reserveCapacity(gathered.count)
        let scale = Float(1 / (2 * Double(n)))
        gathered.withUnsafeMutableBufferPointer { all in
            for i in 0..<n {
                rowStart[i] = columns.count
                var entries = UnsafeMutableBufferPointer(rebasing: all[gatheredStart[i]..<gatheredStart[i + 1]])
                entries.sort()
                var t = 0
                while t < entries.count {
                    let column = entries[t] >> 32
                    var p = Float(bitPattern: UInt32(truncatingIfNeeded: entries[t]))
                    t += 1
                    while t < entries.count, entries[t] >> 32 == column {
                        p += Float(bitPattern: UInt32(truncatingIfNeeded: entries[t]))
                        t += 1
                    }
                    columns.append(Int32(column))
                    values.append(p * scale)
                }
            }
        }
        rowStart[n] = columns.count
        var p = SparseAffinities(rowStart: rowStart, columns: columns, values: values)
        p.upperStart = [Int](repeating: 0, count: n + 1)
        p.upperColumns.reserveCapacity(columns.count / 2 + n)
        p.upperValues.reserveCapacity(columns.count / 2 + n)
        for i in 0..<n {
            p.upperStart[i] = p.upperColumns.count
            for t in rowStart[i]..<rowStart[i + 1] where Int(columns[t]) > i {
                p.upperColumns.append(columns[t])
                p.upperValues.append(values[t])
            }
        }
        p.upperStart[n] = p.upperColumns.count
        return p
    }
}
