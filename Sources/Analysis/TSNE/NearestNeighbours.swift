import Dispatch
import NN

/// Exact k nearest neighbours by squared Euclidean distance, computed as blocked distance
/// matrices ‖x‖² + ‖y‖² − 2·XYᵀ through sgemm with a bounded max-heap per row — for 256-d
/// points this beats any tree. Parallel over row blocks, with fixed blocks so the result
/// does not depend on scheduling.
enum NearestNeighbours {
    /// For each row: its k nearest other rows (nearest first) and their squared distances.
    static func exact(_ x: [Float], rows n: Int, columns d: Int, k: Int, threads: Int) -> (indices: [Int32], distances: [Float]) {
        precondition(k < n, "k must be below the number of points")
        let norms = squaredNorms(x, rows: n, columns: d)
        var indices = [Int32](repeating: 0, count: n * k)
        var distances = [Float](repeating: 0, count: n * k)
        norms.withUnsafeBufferPointer { ns in
            indices.withUnsafeMutableBufferPointer { ip in
                distances.withUnsafeMutableBufferPointer { dp in
                    nonisolated(unsafe) let (np, ipp, dpp) = (ns.baseAddress!, ip.baseAddress!, dp.baseAddress!)
                    productBlocks(x, rows: n, against: x, rows: n, columns: d, block: 128, threads: threads) { first, count, products in
                        var heap = BoundedHeap(capacity: k)
                        for r in 0..<count {
                            let i = first + r
                            selectNearest(products: products + r * n, count: n, rowNorm: np[i], candidateNorms: np,
                                          candidateIndices: nil, skip: i, into: &heap)
                            heap.writeAscending(indices: ipp + i * k, distances: dpp + i * k)
                        }
                    }
                }
            }
        }
        return (indices, distances)
    }

    /// Calls `body(first, count, products)` for blocks of `block` rows of `x` (n × d), where
    /// `products` holds those rows' dot products with every row of `y` (m × d), count × m,
    /// computed by sgemm. Blocks are dealt to up to `threads` workers in a fixed order, so any
    /// result written per row does not depend on scheduling.
    static func productBlocks(_ x: [Float], rows n: Int, against y: [Float], rows m: Int, columns d: Int, block: Int, threads: Int,
                              _ body: @Sendable (_ first: Int, _ count: Int, _ products: UnsafeMutablePointer<Float>) -> Void) {
        let blocks = (n + block - 1) / block
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeBufferPointer { ys in
                nonisolated(unsafe) let (xp, yp) = (xs.baseAddress!, ys.baseAddress!)
                let workers = max(1, min(threads, blocks))
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let products = UnsafeMutablePointer<Float>.allocate(capacity: block * m)
                    defer { products.deallocate() }
                    for b in stride(from: worker, to: blocks, by: workers) {
                        let first = b * block, count = min(block, n - first)
                        MatrixProduct.multiply(transposeB: true, m: count, n: m, k: d, xp + first * d, lda: d, yp, ldb: d, products, ldc: m)
                        body(first, count, products)
                    }
                }
            }
        }
    }

    /// ‖x_i‖² for every row.
    static func squaredNorms(_ x: [Float], rows n: Int, columns d: Int) -> [Float] {
        var norms = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var s: Float = 0
            for c in 0..<d { let v = x[i * d + c]; s += v * v }
            norms[i] = s
        }
        return norms
    }

    /// Turns one row's dot products with `count` candidates into squared distances and keeps
    /// the k nearest in `heap` (reset first). Candidate c is point `candidateIndices[c]`, or
    /// point c when there is no index list; the point `skip` (the row itself) is left out.
    @inline(__always)
    static func selectNearest(products row: UnsafeMutablePointer<Float>, count: Int, rowNorm: Float, candidateNorms: UnsafePointer<Float>,
                              candidateIndices: UnsafePointer<Int32>?, skip: Int, into heap: inout BoundedHeap) {
        heap.reset()
        // Distances first, in a loop the compiler vectorises; then one compare per candidate
        // against the worst kept, and the heap only for the few that beat it.
        for c in 0..<count { row[c] = max(0, rowNorm + candidateNorms[c] - 2 * row[c]) }
        var worst = Float.infinity
        for c in 0..<count where row[c] <= worst {
            let j = candidateIndices.map { Int($0[c]) } ?? c
            if j == skip { continue }
            heap.offer(row[c], Int32(j))
            if heap.count == heap.capacity { worst = heap.worstKey }
        }
    }
}

/// The k smallest (distance, index) pairs seen, as a max-heap; ties go to the lower index.
struct BoundedHeap {
    private var keys: [Float]
    private var values: [Int32]
    private(set) var count = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        keys = [Float](repeating: 0, count: capacity)
        values = [Int32](repeating: 0, count: capacity)
    }

    mutating func reset() { count = 0 }

    /// The largest key kept (the next to go), once the heap is full.
    var worstKey: Float { keys[0] }

    /// a ranks after b (a is "larger") in the max-heap.
    @inline(__always)
    private func above(_ ka: Float, _ va: Int32, _ kb: Float, _ vb: Int32) -> Bool {
        ka > kb || (ka == kb && va > vb)
    }

    @inline(__always)
    mutating func offer(_ key: Float, _ value: Int32) {
        if count < capacity {
            var i = count
            count += 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard above(key, value, keys[parent], values[parent]) else { break }
                keys[i] = keys[parent]; values[i] = values[parent]
                i = parent
            }
            keys[i] = key; values[i] = value
            return
        }
        guard above(keys[0], values[0], key, value) else { return }
        var i = 0
        while true {
            let left = 2 * i + 1
            if left >= count { break }
            var child = left
            if left + 1 < count, above(keys[left + 1], values[left + 1], keys[left], values[left]) { child = left + 1 }
            guard above(keys[child], values[child], key, value) else { break }
            keys[i] = keys[child]; values[i] = values[child]
            i = child
        }
        keys[i] = key; values[i] = value
    }

    /// Writes the kept pairs from the smallest key up: values to `indices`, keys to `distances`.
    func writeAscending(indices: UnsafeMutablePointer<Int32>, distances: UnsafeMutablePointer<Float>) {
        let order = (0..<count).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : values[$0] < values[$1] }
        for (rank, i) in order.enumerated() {
            distances[rank] = keys[i]
            indices[rank] = values[i]
        }
    }
}
