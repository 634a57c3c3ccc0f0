import Dispatch
import NN
import SeededRandom

/// Approximate k nearest neighbours for large N, where the exact search's N² distances
/// dominate a t-SNE run (openTSNE switches to approximate neighbours for the same reason).
///
/// An inverted-file search: k-means splits the points into about √N cells; each cell's points
/// are compared, through sgemm, with the points of the `probes` cells whose centres lie
/// nearest its own centre (itself included, and more cells while these hold fewer than k
/// other points), and keep the k nearest of those. Neighbours in
/// cells further away are missed; `recall` measures how many. Every cell is searched on its
/// own with fixed inputs, so the result does not depend on threads or scheduling.
enum ApproximateNeighbours {
    struct Options {
        var cells: Int
        var probes: Int
        var kMeansIterations = 8
        var seed: UInt64 = 0

        /// √N cells, each searched with its `probes` nearest cells. Twelve probes found 99.9 % of
        /// the exact neighbours of 50 000 points in 26 overlapping Gaussian clusters (256-d), at a
        /// sixth of the exact search's time; eight found 95 %.
        static func forPoints(_ n: Int, probes: Int = 12, seed: UInt64 = 0) -> Options {
            let cells = max(1, Int(Double(n).squareRoot().rounded()))
            return Options(cells: cells, probes: min(cells, probes), seed: seed)
        }
    }

    static func search(_ x: [Float], rows n: Int, columns d: Int, k: Int, threads: Int, options: Options) -> (indices: [Int32], distances: [Float]) {
        precondition(k < n, "k must be below the number of points")
        let (centres, cellOf) = kMeans(x, rows: n, columns: d, cells: options.cells, iterations: options.kMeansIterations, seed: options.seed, threads: threads)
        let cells = options.cells
        // Points sorted by cell, so every cell is one contiguous block of rows.
        var starts = [Int](repeating: 0, count: cells + 1)
        for i in 0..<n { starts[Int(cellOf[i]) + 1] += 1 }
        for c in 0..<cells { starts[c + 1] += starts[c] }
        let cellStart = starts
        var member = [Int32](repeating: 0, count: n)
        var fill = cellStart
        for i in 0..<n { member[fill[Int(cellOf[i])]] = Int32(i); fill[Int(cellOf[i])] += 1 }
        var sortedX = [Float](repeating: 0, count: n * d)
        for s in 0..<n {
            let i = Int(member[s])
            for c in 0..<d { sortedX[s * d + c] = x[i * d + c] }
        }
        let norms = NearestNeighbours.squaredNorms(sortedX, rows: n, columns: d)
        let cellRanking = cellsByDistance(centres, cells: cells, columns: d)

        var indices = [Int32](repeating: 0, count: n * k)
        var distances = [Float](repeating: 0, count: n * k)
        sortedX.withUnsafeBufferPointer { xs in
            norms.withUnsafeBufferPointer { ns in
                member.withUnsafeBufferPointer { ms in
                    indices.withUnsafeMutableBufferPointer { ip in
                        distances.withUnsafeMutableBufferPointer { dp in
                            nonisolated(unsafe) let (xp, np, mp, ipp, dpp) = (xs.baseAddress!, ns.baseAddress!, ms.baseAddress!, ip.baseAddress!, dp.baseAddress!)
                            let workers = max(1, min(threads, cells))
                            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                                var products: [Float] = []
                                var candidateNorms: [Float] = [], candidateIndices: [Int32] = []
                                var heap = BoundedHeap(capacity: k)
                                for cell in stride(from: worker, to: cells, by: workers) {
                                    let first = cellStart[cell], count = cellStart[cell + 1] - first
                                    if count == 0 { continue }
                                    // The nearest `probes` cells, and further ones while they hold fewer than
                                    // k other points.
                                    var probes: [Int] = [], total = 0
                                    for other in cellRanking[cell] where probes.count < options.probes || total <= k {
                                        probes.append(other)
                                        total += cellStart[other + 1] - cellStart[other]
                                    }
                                    if products.count < count * total { products = [Float](repeating: 0, count: count * total) }
                                    candidateNorms.removeAll(keepingCapacity: true)
                                    candidateIndices.removeAll(keepingCapacity: true)
                                    products.withUnsafeMutableBufferPointer { pp in
                                        var column = 0
                                        for probe in probes {
                                            let start = cellStart[probe], size = cellStart[probe + 1] - start
                                            if size == 0 { continue }
                                            // This cell's rows against the probe cell's rows, into columns
                                            // column ..< column + size of the cell's product matrix.
                                            MatrixProduct.multiply(transposeB: true, m: count, n: size, k: d, xp + first * d, lda: d, xp + start * d, ldb: d, pp.baseAddress! + column, ldc: total)
                                            candidateNorms.append(contentsOf: UnsafeBufferPointer(start: np + start, count: size))
                                            candidateIndices.append(contentsOf: UnsafeBufferPointer(start: mp + start, count: size))
                                            column += size
                                        }
                                    }
                                    products.withUnsafeMutableBufferPointer { pp in
                                        candidateNorms.withUnsafeBufferPointer { cn in
                                            candidateIndices.withUnsafeBufferPointer { ci in
                                                for r in 0..<count {
                                                    let i = Int(mp[first + r])
                                                    NearestNeighbours.selectNearest(products: pp.baseAddress! + r * total, count: total, rowNorm: np[first + r],
                                                                                    candidateNorms: cn.baseAddress!, candidateIndices: ci.baseAddress!, skip: i, into: &heap)
                                                    heap.writeAscending(indices: ipp + i * k, distances: dpp + i * k)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (indices, distances)
    }

    /// Lloyd's k-means from `cells` seeded distinct points; returns the centres (cells × d) and
    /// each point's cell. Assignment through sgemm; centres are means summed in point order in
    /// double precision, and a cell left empty keeps its centre.
    static func kMeans(_ x: [Float], rows n: Int, columns d: Int, cells: Int, iterations: Int, seed: UInt64, threads: Int) -> ([Float], [Int32]) {
        var random = SplitMix64(seed: seed)
        var pool = Array(0..<n)
        var centres = [Float](repeating: 0, count: cells * d)
        for c in 0..<cells {
            let pick = c + Int(random.next() % UInt64(n - c))
            pool.swapAt(c, pick)
            for t in 0..<d { centres[c * d + t] = x[pool[c] * d + t] }
        }
        var cellOf = [Int32](repeating: 0, count: n)
        for iteration in 0...iterations {
            assign(x, rows: n, columns: d, centres: centres, cells: cells, threads: threads, into: &cellOf)
            if iteration == iterations { break }
            var sums = [Double](repeating: 0, count: cells * d), counts = [Int](repeating: 0, count: cells)
            for i in 0..<n {
                let c = Int(cellOf[i])
                counts[c] += 1
                for t in 0..<d { sums[c * d + t] += Double(x[i * d + t]) }
            }
            for c in 0..<cells where counts[c] > 0 {
                for t in 0..<d { centres[c * d + t] = Float(sums[c * d + t] / Double(counts[c])) }
            }
        }
        return (centres, cellOf)
    }

    /// Each point's nearest centre (ties to the lower cell).
    private static func assign(_ x: [Float], rows n: Int, columns d: Int, centres: [Float], cells: Int, threads: Int, into cellOf: inout [Int32]) {
        let centreNorms = NearestNeighbours.squaredNorms(centres, rows: cells, columns: d)
        centreNorms.withUnsafeBufferPointer { cn in
            cellOf.withUnsafeMutableBufferPointer { out in
                nonisolated(unsafe) let (np, op) = (cn.baseAddress!, out.baseAddress!)
                NearestNeighbours.productBlocks(x, rows: n, against: centres, rows: cells, columns: d, block: 256, threads: threads) { first, count, products in
                    for r in 0..<count {
                        var best = 0, bestDistance = Float.infinity
                        for c in 0..<cells {
                            // ‖x‖² is the same for every centre, so it is left out.
                            let distance = np[c] - 2 * products[r * cells + c]
                            if distance < bestDistance { bestDistance = distance; best = c }
                        }
                        op[first + r] = Int32(best)
                    }
                }
            }
        }
    }

    /// For every cell, all cells from the nearest centre to the farthest, itself first.
    private static func cellsByDistance(_ centres: [Float], cells: Int, columns d: Int) -> [[Int]] {
        (0..<cells).map { c in
            var byDistance: [(Float, Int)] = (0..<cells).map { other in
                var s: Float = 0
                for t in 0..<d { let v = centres[c * d + t] - centres[other * d + t]; s += v * v }
                return (other == c ? -1 : s, other)
            }
            byDistance.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            return byDistance.map(\.1)
        }
    }

    /// The share of the exact neighbours (as sets, per row) that `found` holds.
    static func recall(found: [Int32], exact: [Int32], rows n: Int, k: Int) -> Double {
        var hits = 0
        for i in 0..<n {
            let truth = Set(exact[(i * k)..<((i + 1) * k)])
            hits += found[(i * k)..<((i + 1) * k)].filter { truth.contains($0) }.count
        }
        return Double(hits) / Double(n * k)
    }
}
