import Foundation
import NN

/// Principal component analysis onto the first two components.
public enum PCA {
    /// The rows of `x` (n × d) projected on its two leading principal components, and the
    /// fraction of the total variance each explains. Components come from power iteration on
    /// the covariance (d × d, one sgemm) with a fixed start, each signed so its largest
    /// coefficient is positive: the same input always gives the same output.
    public static func project2(_ x: [Float], rows n: Int, columns d: Int) -> (map: [Float], explained: [Double]) {
        guard n > 0, d > 0 else { return ([Float](repeating: 0, count: 2 * n), [0, 0]) }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for c in 0..<d { mean[c] += Double(x[i * d + c]) } }
        for c in 0..<d { mean[c] /= Double(n) }
        var centred = [Float](repeating: 0, count: n * d)
        for i in 0..<n { for c in 0..<d { centred[i * d + c] = Float(Double(x[i * d + c]) - mean[c]) } }
        var covariance = [Float](repeating: 0, count: d * d)
        centred.withUnsafeBufferPointer { cp in
            covariance.withUnsafeMutableBufferPointer { vp in
                MatrixProduct.multiply(transposeA: true, m: d, n: d, k: n, alpha: 1 / Float(max(1, n - 1)), cp.baseAddress!, lda: d, cp.baseAddress!, ldb: d, vp.baseAddress!, ldc: d)
            }
        }
        let total = (0..<d).reduce(0.0) { $0 + Double(covariance[$1 * d + $1]) }
        var components: [[Double]] = []
        var eigenvalues: [Double] = []
        for component in 0..<min(2, d) {
            // A fixed, non-symmetric start vector.
            var v = [Double](repeating: 0, count: d)
            for c in 0..<d {
                let wobble = Double((c * 7919 + component * 104_729) % 97) / 97
                v[c] = 1 / Double(d).squareRoot() + 1e-3 * wobble
            }
            var lambda = 0.0
            for _ in 0..<300 {
                var w = [Double](repeating: 0, count: d)
                for r in 0..<d {
                    var s = 0.0
                    for c in 0..<d { s += Double(covariance[r * d + c]) * v[c] }
                    w[r] = s
                }
                for previous in components.indices { // deflate
                    let dot = zip(components[previous], v).map(*).reduce(0, +)
                    for r in 0..<d { w[r] -= eigenvalues[previous] * dot * components[previous][r] }
                }
                let norm = w.map { $0 * $0 }.reduce(0, +).squareRoot()
                guard norm > 0 else { break }
                let next = w.map { $0 / norm }
                let change = zip(next, v).map { abs($0 - $1) }.max() ?? 0
                v = next
                lambda = norm
                if change < 1e-9 { break }
            }
            if let largest = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[largest] < 0 { v = v.map { -$0 } }
            components.append(v)
            eigenvalues.append(lambda)
        }
        while components.count < 2 { components.append([Double](repeating: 0, count: d)); eigenvalues.append(0) }
        var map = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n {
            for (k, v) in components.enumerated() {
                var s = 0.0
                for c in 0..<d { s += Double(centred[i * d + c]) * v[c] }
                map[i * 2 + k] = Float(s)
            }
        }
        return (map, eigenvalues.map { total > 0 ? $0 / total : 0 })
    }
}
