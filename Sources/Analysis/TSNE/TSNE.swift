import AtomicIO
import Dispatch
import Foundation
import Interrupt
import SeededRandom

/// t-SNE in the manner of openTSNE's defaults: kNN affinities with perplexity-matched
/// bandwidths over ⌊3·perplexity⌋ neighbours, symmetric sparse P, PCA initialisation scaled to
/// standard deviation 1e-4, early exaggeration 12 for 250 iterations (momentum 0.5) then the
/// rest at exaggeration 1 (momentum 0.8), learning rate max(N / exaggeration, 200), delta-bar-
/// delta gains, and Barnes-Hut repulsion (θ = 0.5). Neighbours are exact up to
/// `NeighbourSearch.exactUpTo` points and approximate above (as openTSNE's are). Parallel over
/// points in fixed chunks, so the same input, seed and thread count give the same bytes.
public enum TSNE {
    /// How the ⌊3·perplexity⌋ nearest neighbours of every point are found.
    public enum NeighbourSearch: String, Sendable, CaseIterable {
        /// Exact up to `exactUpTo` points, approximate above.
        case auto
        /// Every distance, through blocked sgemm: O(N²·D).
        case exact
        /// k-means cells, each searched with its nearest cells (`ApproximateNeighbours`).
        case approximate

        /// Below this size the exact search takes under 1.5 s on 256-d input (2 cores).
        public static let exactUpTo = 20_000

        func resolved(points n: Int) -> NeighbourSearch {
            self == .auto ? (n <= Self.exactUpTo ? .exact : .approximate) : self
        }
    }

    public struct Options: Sendable {
        public var perplexity: Double = 30
        /// Total iterations, early exaggeration included.
        public var iterations: Int = 750
        public var earlyExaggerationIterations: Int = 250
        public var earlyExaggeration: Double = 12
        public var theta: Double = 0.5
        /// Breaks exact ties in the initialisation (openTSNE's `random_state`).
        public var seed: UInt64 = 0
        public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
        /// Compute the KL divergence every this many iterations (0: only at the end).
        public var klEvery: Int = 0
        public var neighbours: NeighbourSearch = .auto
        /// Polled every iteration; when requested, `embed` throws `TSNEError.interrupted`.
        public var stop: StopRequest?

        public init(perplexity: Double = 30, iterations: Int = 750, seed: UInt64 = 0, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    neighbours: NeighbourSearch = .auto) {
            self.perplexity = perplexity
            self.iterations = iterations
            self.seed = seed
            self.threads = threads
            self.neighbours = neighbours
        }
    }

    public struct Result: Sendable {
        /// N × 2, row-major.
        public var embedding: [Float]
        public var klDivergence: Double
        /// The perplexity used: lower than asked when there are too few points.
        public var perplexity: Double
        public var iterations: Int
        /// Why the perplexity was lowered, if it was.
        public var note: String?
        /// (iteration, KL) pairs when `klEvery` > 0.
        public var klHistory: [(Int, Double)]
        /// The neighbour search used: `.exact` or `.approximate`.
        public var neighbours: NeighbourSearch
    }

    public static func embed(_ x: [Float], rows n: Int, columns d: Int, options: Options) throws -> Result {
        guard n > 0 else { throw TSNEError.empty }
        guard d > 0, ByteCount.product([n, d]) == x.count else { throw TSNEError.shape(rows: n, columns: d, values: x.count) }
        // Neighbour lists, affinities (both ways), the map and its optimiser state per point.
        let needed = Double(n) * (4 * Double(d) + 40 * Double(neighbourCount(points: n, perplexity: options.perplexity)) + 64)
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        guard needed <= available * 0.8 else { throw TSNEError.tooLarge(points: n, needed: needed, available: available) }
        if let bad = x.firstIndex(where: { !$0.isFinite }) { throw TSNEError.notFinite(row: bad / d, column: bad % d) }
        let x = InputScale.normalised(x)
        guard n > 2 else {
            let y: [Float] = n == 1 ? [0, 0] : [-1e-4, 0, 1e-4, 0]
            return Result(embedding: y, klDivergence: 0, perplexity: 0, iterations: 0,
                          note: "\(n) point\(n == 1 ? "" : "s"): nothing to optimise, placed on a line", klHistory: [], neighbours: .exact)
        }
        var perplexity = options.perplexity
        var note: String?
        if Double(n) < 3 * perplexity + 1 {
            perplexity = max(1, Double(n - 1) / 3)
            note = "perplexity lowered from \(options.perplexity) to \(String(format: "%.2f", perplexity)): \(n) points are too few for it (need 3·perplexity + 1)"
        }
        let k = neighbourCount(points: n, perplexity: perplexity)
        let threads = max(1, options.threads)
        let search = options.neighbours.resolved(points: n)
        let (neighbours, distances) = search == .exact
            ? NearestNeighbours.exact(x, rows: n, columns: d, k: k, threads: threads)
            : ApproximateNeighbours.search(x, rows: n, columns: d, k: k, threads: threads, options: .forPoints(n, seed: options.seed))
        let p = SparseAffinities.fit(neighbours: neighbours, distances: distances, rows: n, k: k, perplexity: perplexity, threads: threads)

        // PCA initialisation, scaled so the first coordinate has standard deviation 1e-4; a tiny
        // seeded jitter separates exact duplicates.
        var y = PCA.project2(x, rows: n, columns: d).map
        let mean0 = (0..<n).reduce(0.0) { $0 + Double(y[2 * $1]) } / Double(n)
        let std0 = ((0..<n).reduce(0.0) { $0 + pow(Double(y[2 * $1]) - mean0, 2) } / Double(n)).squareRoot()
        let scale = std0 > 0 ? 1e-4 / std0 : 1
        var random = SplitMix64(seed: options.seed)
        for i in 0..<(2 * n) { y[i] = Float(Double(y[i]) * scale + 1e-8 * (random.unit() - 0.5)) }

        var update = [Float](repeating: 0, count: 2 * n), gains = [Float](repeating: 1, count: 2 * n)
        var gradient = [Float](repeating: 0, count: 2 * n)
        var history: [(Int, Double)] = []
        for iteration in 0..<options.iterations {
            if options.stop.isRequested { throw TSNEError.interrupted }
            let early = iteration < options.earlyExaggerationIterations
            let exaggeration = Float(early ? options.earlyExaggeration : 1)
            let momentum: Float = early ? 0.5 : 0.8
            let rate = Float(max(Double(n) / Double(exaggeration), 200))
            _ = Forces.gradient(y: y, n: n, p: p, exaggeration: exaggeration, theta: Float(options.theta), threads: threads, into: &gradient)
            for i in 0..<(2 * n) {
                let g = gradient[i]
                gains[i] = (g > 0) != (update[i] > 0) ? gains[i] + 0.2 : max(gains[i] * 0.8, 0.01)
                update[i] = momentum * update[i] - rate * gains[i] * g
                y[i] += update[i]
            }
            var mx: Float = 0, my: Float = 0
            for i in 0..<n { mx += y[2 * i]; my += y[2 * i + 1] }
            mx /= Float(n); my /= Float(n)
            for i in 0..<n { y[2 * i] -= mx; y[2 * i + 1] -= my }
            if options.klEvery > 0, (iteration + 1) % options.klEvery == 0 {
                history.append((iteration + 1, Forces.klDivergence(y: y, n: n, p: p, theta: Float(options.theta), threads: threads)))
            }
        }
        if let bad = y.firstIndex(where: { !$0.isFinite }) { throw TSNEError.diverged(row: bad / 2) }
        let kl = Forces.klDivergence(y: y, n: n, p: p, theta: Float(options.theta), threads: threads)
        return Result(embedding: y, klDivergence: kl, perplexity: perplexity, iterations: options.iterations, note: note, klHistory: history,
                      neighbours: search)
    }
}

extension TSNE {
    /// ⌊3·perplexity⌋ neighbours per point, at least 1 and at most the other points. Bounded
    /// before it becomes an integer: a perplexity of 10³⁰ asks for more than `Int` holds.
    static func neighbourCount(points n: Int, perplexity: Double) -> Int {
        min(n - 1, max(1, Int(min(Double(n), 3 * perplexity))))
    }

    /// The share of the exact ⌊3·perplexity⌋ nearest neighbours that the approximate search
    /// finds for `x` (slow: runs the exact search too).
    public static func neighbourRecall(_ x: [Float], rows n: Int, columns d: Int, perplexity: Double, seed: UInt64 = 0, threads: Int) -> Double {
        let k = neighbourCount(points: n, perplexity: perplexity)
        let exact = NearestNeighbours.exact(x, rows: n, columns: d, k: k, threads: threads).indices
        let found = ApproximateNeighbours.search(x, rows: n, columns: d, k: k, threads: threads, options: .forPoints(n, seed: seed)).indices
        return ApproximateNeighbours.recall(found: found, exact: exact, rows: n, k: k)
    }
}

/// What is wrong with t-SNE input.
public enum TSNEError: Error, Equatable, CustomStringConvertible {
    case empty
    case shape(rows: Int, columns: Int, values: Int)
    case notFinite(row: Int, column: Int)
    case diverged(row: Int)
    case tooLarge(points: Int, needed: Double, available: Double)
    /// Stopped on request (a signal) before the map was finished.
    case interrupted

    public var description: String {
        switch self {
        case .empty: return "There are no points to embed (the matrix has 0 rows)."
        case .shape(let rows, let columns, let values): return "The matrix should hold \(rows) × \(columns) values but holds \(values)."
        case .notFinite(let row, let column): return "Row \(row) (counting from 0) holds a NaN or infinite value in column \(column); t-SNE needs finite numbers."
        case .tooLarge(let points, let needed, let available):
            return "A t-SNE map of \(points) points needs about \(ByteCount.text(needed)) of memory; this machine has \(ByteCount.text(available)). Map a sample of the rows, or fewer dimensions."
        case .diverged(let row): return "The t-SNE map diverged (row \(row), counting from 0, left the finite numbers); try a lower perplexity or fewer iterations."
        case .interrupted: return "t-SNE was stopped before the map was finished; nothing was written."
        }
    }
}

/// Runs `body(0) … body(count − 1)` on up to `threads` threads (in line for one thread).
enum TSNEWork {
    static func perform(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
        if threads == 1 || count == 1 {
            for c in 0..<count { body(c) }
        } else {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        }
    }
}

/// The t-SNE gradient: attraction over the sparse P, Barnes-Hut repulsion (`GroupedRepulsion`).
enum Forces {
    /// Writes ∂KL/∂y into `gradient` and returns the normalisation Z = Σ_{i≠j} (1 + ‖yi − yj‖²)⁻¹ (Barnes-Hut estimate).
    static func gradient(y: [Float], n: Int, p: SparseAffinities, exaggeration: Float, theta: Float, threads: Int, into gradient: inout [Float]) -> Double {
        let tree = y.withUnsafeBufferPointer { QuadTree(x: $0.baseAddress!, n: n) }
        var repulsion = [Float](repeating: 0, count: 2 * n)
        let rawZ = repulsion.withUnsafeMutableBufferPointer {
            GroupedRepulsion.repulsion(tree: tree, theta: theta, threads: threads, into: $0.baseAddress!)
        }
        let z = max(rawZ, 1e-12)
        let invZ = Float(1 / z)
        var attraction = [Float](repeating: 0, count: 2 * n)
        y.withUnsafeBufferPointer { yp in
            attraction.withUnsafeMutableBufferPointer { Self.attraction(y: yp.baseAddress!, n: n, p: p, threads: threads, into: $0.baseAddress!) }
        }
        for t in 0..<(2 * n) { gradient[t] = 4 * (exaggeration * attraction[t] - repulsion[t] * invZ) }
        return z
    }

    /// Σ_j p_ij q_ij (y_i − y_j) for every point into `out` (N × 2, zeroed by the caller). Each
    /// pair of P's upper triangle is visited once and pushes both its points, which halves the
    /// reading of P, the bound on this loop once P outgrows the caches. The rows are split into
    /// one run per thread with equal shares of pairs; a run's pushes to points outside it go to
    /// the run's own buffer, and the buffers are added in run order, so a thread count always
    /// gives the same sums.
    static func attraction(y: UnsafePointer<Float>, n: Int, p: SparseAffinities, threads: Int, into out: UnsafeMutablePointer<Float>) {
        let runs = max(1, min(threads, n / 256))
        let pairs = p.upperStart[n]
        var bounds = [0]
        for run in 1..<max(runs, 1) {
            let target = pairs * run / runs
            var lo = bounds.last!, hi = n
            while lo < hi { let mid = (lo + hi) / 2; if p.upperStart[mid] < target { lo = mid + 1 } else { hi = mid } }
            bounds.append(lo)
        }
        bounds.append(n)
        var buffers = [Float](repeating: 0, count: (runs - 1) * 2 * n)
        buffers.withUnsafeMutableBufferPointer { bp in
            p.upperStart.withUnsafeBufferPointer { sp in
                p.upperColumns.withUnsafeBufferPointer { cp in
                    p.upperValues.withUnsafeBufferPointer { vp in
                        nonisolated(unsafe) let (ys, outs, extra, starts, cs, vs) = (y, out, bp.baseAddress, sp.baseAddress!, cp.baseAddress!, vp.baseAddress!)
                        let runBounds = bounds
                        TSNEWork.perform(runs, threads: threads) { run in
                            let acc = run == 0 ? outs : extra! + (run - 1) * 2 * n
                            for i in runBounds[run]..<runBounds[run + 1] {
                                var ax: Float = 0, ay: Float = 0
                                let xi = ys[2 * i], yi = ys[2 * i + 1]
                                for t in starts[i]..<starts[i + 1] {
                                    let j = Int(cs[t])
                                    let dx = xi - ys[2 * j], dy = yi - ys[2 * j + 1]
                                    let f = vs[t] / (1 + dx * dx + dy * dy)
                                    ax += f * dx
                                    ay += f * dy
                                    acc[2 * j] -= f * dx
                                    acc[2 * j + 1] -= f * dy
                                }
                                acc[2 * i] += ax
                                acc[2 * i + 1] += ay
                            }
                        }
                        for run in 1..<max(runs, 1) {
                            let buffer = extra! + (run - 1) * 2 * n
                            for t in 0..<(2 * n) { outs[t] += buffer[t] }
                        }
                    }
                }
            }
        }
    }

    /// KL(P ‖ Q) = Σ P log(P / Q) over the non-zero P, with Q's normalisation from Barnes-Hut.
    static func klDivergence(y: [Float], n: Int, p: SparseAffinities, theta: Float, threads: Int) -> Double {
        var scratch = [Float](repeating: 0, count: 2 * n)
        let z = gradient(y: y, n: n, p: p, exaggeration: 1, theta: theta, threads: threads, into: &scratch)
        var kl = 0.0
        for i in 0..<n {
            for t in p.rowStart[i]..<p.rowStart[i + 1] {
                let j = Int(p.columns[t])
                let dx = Double(y[2 * i] - y[2 * j]), dy = Double(y[2 * i + 1] - y[2 * j + 1])
                let q = 1 / (1 + dx * dx + dy * dy) / z
                let pij = Double(p.values[t])
                if pij > 0 { kl += pij * log(pij / max(q, 1e-300)) }
            }
        }
        return kl
    }
}

extension SplitMix64 {
    /// The generator of t-SNE's tie-breaking jitter for `seed`.
    init(seed: UInt64) { self.init(state: seed &+ 0x9E37_79B9_7F4A_7C15) }
}
