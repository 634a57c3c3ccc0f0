import Dispatch
import NN

/// How well a low-dimensional map keeps neighbourhoods (Venna & Kaski; scikit-learn's
/// `trustworthiness`): 1 − 2/(n·k·(2n − 3k − 1)) · Σᵢ Σ_{j ∈ Uᵢ} (r(i, j) − k), where Uᵢ are
/// the map's k nearest neighbours of i that are not among its k nearest in the input and
/// r(i, j) is j's rank by input distance. 1 is perfect.
public enum Trustworthiness {
    public static func score(input x: [Float], columns d: Int, map y: [Float], mapColumns e: Int, k: Int, threads: Int) -> Double {
        let n = x.count / d
        guard n > 2 * k + 1, k > 0 else { return 1 }
        let mapped = NearestNeighbours.exact(y, rows: n, columns: e, k: k, threads: threads).indices
        let norms = (0..<n).map { i in (0..<d).reduce(Float(0)) { $0 + x[i * d + $1] * x[i * d + $1] } }
        let block = 64, blocks = (n + block - 1) / block
        let workers = max(1, min(threads, blocks))
        var penalties = [Double](repeating: 0, count: workers)
        x.withUnsafeBufferPointer { xs in
            penalties.withUnsafeMutableBufferPointer { pp in
                nonisolated(unsafe) let (xp, pen) = (xs.baseAddress!, pp.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    var distances = [Float](repeating: 0, count: block * n)
                    var total = 0.0
                    for b in stride(from: worker, to: blocks, by: workers) {
                        let first = b * block, count = min(block, n - first)
                        distances.withUnsafeMutableBufferPointer { dp in
                            MatrixProduct.multiply(transposeB: true, m: count, n: n, k: d, alpha: -2, xp + first * d, lda: d, xp, ldb: d, dp.baseAddress!, ldc: n)
                        }
                        for r in 0..<count {
                            let i = first + r
                            distances.withUnsafeMutableBufferPointer { dp in
                                let row = dp.baseAddress! + r * n
                                for j in 0..<n { row[j] += norms[i] + norms[j] }
                                row[i] = -.infinity // i itself ranks before everyone
                                for t in 0..<k {
                                    let j = Int(mapped[i * k + t])
                                    let dj = row[j]
                                    // rank of j among i's input neighbours (1 = nearest), ties broken by index
                                    var rank = 0
                                    for m in 0..<n where m != i && (row[m] < dj || (row[m] == dj && m < j)) { rank += 1 }
                                    rank += 1
                                    if rank > k { total += Double(rank - k) }
                                }
                            }
                        }
                    }
                    pen[worker] = total
                }
            }
        }
        let sum = penalties.reduce(0, +)
        return 1 - 2 / (Double(n) * Double(k) * (2 * Double(n) - 3 * Double(k) - 1)) * sum
    }
}
