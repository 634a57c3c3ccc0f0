/// A Barnes-Hut quadtree over 2-D points in flat arrays: each node knows its square, its
/// point count and centre of mass; internal nodes own four consecutive child slots (empty
/// ones have count 0); a leaf lists its points (several only for points that share the finest
/// cell) as a contiguous run of `order`.
///
/// Built from Morton keys rather than by splitting cell after cell: one radix sort puts every
/// subtree's points next to each other, prefix sums give any cell's centre of mass in O(1),
/// and a binary search finds where each child's run starts. Rebuilt every iteration, the
/// split-and-scan build cost as much as the repulsion it served.
struct QuadTree {
    /// One cell, kept together so a traversal touches one cache line per cell.
    struct Node {
        var centreX: Float = 0, centreY: Float = 0
        /// Side of the cell's square.
        var size: Float = 0
        var count: Int32 = 0
        /// Index of the first of four children, or −1 for a leaf.
        var firstChild: Int32 = -1
        /// The cell's points: `order[pointStart ..< pointStart + count]` (a subtree's points are contiguous).
        var pointStart: Int32 = 0
    }

    var nodes: [Node] = []
    /// Point indices in tree order.
    var order: [Int32] = []
    /// The points' coordinates in tree order (x, y interleaved), so a cell's points are read
    /// from one contiguous run.
    var sorted: [Float] = []

    /// Levels below the root; keys hold this many bits per axis.
    static let maximumDepth = 16

    init(x: UnsafePointer<Float>, n: Int) {
        guard n > 0 else {
            nodes = [Node()]
            return
        }
        var minX = Float.infinity, minY = Float.infinity, maxX = -Float.infinity, maxY = -Float.infinity
        for i in 0..<n {
            minX = min(minX, x[2 * i]); maxX = max(maxX, x[2 * i])
            minY = min(minY, x[2 * i + 1]); maxY = max(maxY, x[2 * i + 1])
        }
        let side = max(maxX - minX, maxY - minY) * 1.0001 + 1e-12
        let (keys, order) = Self.sortedKeys(x: x, n: n, minX: minX, minY: minY, side: side)
        self.order = order
        sorted = [Float](repeating: 0, count: 2 * n)
        // Running sums in Double: a cell's centre is a difference of two of them.
        var sumX = [Double](repeating: 0, count: n + 1), sumY = [Double](repeating: 0, count: n + 1)
        for t in 0..<n {
            let p = Int(order[t])
            sorted[2 * t] = x[2 * p]
            sorted[2 * t + 1] = x[2 * p + 1]
            sumX[t + 1] = sumX[t] + Double(x[2 * p])
            sumY[t + 1] = sumY[t] + Double(x[2 * p + 1])
        }
        nodes.reserveCapacity(2 * n + 1)
        nodes.append(Node())
        keys.withUnsafeBufferPointer { k in
            sumX.withUnsafeBufferPointer { sx in
                sumY.withUnsafeBufferPointer { sy in
                    build(node: 0, lo: 0, hi: n, level: 0, side: side, keys: k.baseAddress!, sumX: sx.baseAddress!, sumY: sy.baseAddress!)
                }
            }
        }
    }

    /// Morton keys (x bit below y bit at every level, root level highest) and the point order
    /// sorting them; a stable sort, so equal keys keep index order and the tree is deterministic.
    private static func sortedKeys(x: UnsafePointer<Float>, n: Int, minX: Float, minY: Float, side: Float) -> ([UInt32], [Int32]) {
        let cells = Float(1 << maximumDepth)
        let scale = cells / side
        var keys = [UInt32](repeating: 0, count: n), order = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            // A NaN coordinate (never expected) must not reach UInt32(_:), which traps on it.
            let fx = (x[2 * i] - minX) * scale, fy = (x[2 * i + 1] - minY) * scale
            let qx = fx.isNaN ? 0 : UInt32(min(max(fx, 0), cells - 1))
            let qy = fy.isNaN ? 0 : UInt32(min(max(fy, 0), cells - 1))
            keys[i] = spreadBits(qx) | (spreadBits(qy) << 1)
            order[i] = Int32(i)
        }
        // Least-significant-digit radix sort, one byte per pass.
        var keysOut = keys, orderOut = order
        var counts = [Int](repeating: 0, count: 257)
        for shift in stride(from: 0, to: 32, by: 8) {
            for c in 0..<257 { counts[c] = 0 }
            for i in 0..<n { counts[Int((keys[i] >> UInt32(shift)) & 0xFF) + 1] += 1 }
            if counts[1...].contains(n) { continue } // every key has the same byte here
            for c in 1..<257 { counts[c] += counts[c - 1] }
            for i in 0..<n {
                let digit = Int((keys[i] >> UInt32(shift)) & 0xFF)
                keysOut[counts[digit]] = keys[i]
                orderOut[counts[digit]] = order[i]
                counts[digit] += 1
            }
            swap(&keys, &keysOut)
            swap(&order, &orderOut)
        }
        return (keys, order)
    }

    /// The 16 low bits of `v` moved to the even bit positions.
    private static func spreadBits(_ v: UInt32) -> UInt32 {
        var v = v & 0xFFFF
        v = (v | (v << 8)) & 0x00FF_00FF
        v = (v | (v << 4)) & 0x0F0F_0F0F
        v = (v | (v << 2)) & 0x3333_3333
        v = (v | (v << 1)) & 0x5555_5555
        return v
    }

    private mutating func build(node: Int, lo: Int, hi: Int, level: Int, side: Float, keys: UnsafePointer<UInt32>,
                                sumX: UnsafePointer<Double>, sumY: UnsafePointer<Double>) {
        let count = hi - lo
        nodes[node].size = side
        nodes[node].count = Int32(count)
        nodes[node].pointStart = Int32(lo)
        guard count > 0 else { return }
        nodes[node].centreX = Float((sumX[hi] - sumX[lo]) / Double(count))
        nodes[node].centreY = Float((sumY[hi] - sumY[lo]) / Double(count))
        // One point, or points that share the finest cell (duplicates among them): a leaf.
        if count == 1 || keys[lo] == keys[hi - 1] || level == Self.maximumDepth { return }
        // Within a cell the keys agree above this level, so the level's two bits (the quadrant)
        // rise along the run; each child's run starts where its quadrant first appears.
        let shift = UInt32(2 * (Self.maximumDepth - 1 - level))
        func firstIndex(ofQuadrantAtLeast q: UInt32) -> Int {
            var a = lo, b = hi
            while a < b {
                let m = (a + b) / 2
                if (keys[m] >> shift) & 3 < q { a = m + 1 } else { b = m }
            }
            return a
        }
        let b1 = firstIndex(ofQuadrantAtLeast: 1), b2 = firstIndex(ofQuadrantAtLeast: 2), b3 = firstIndex(ofQuadrantAtLeast: 3)
        let first = nodes.count
        nodes.append(contentsOf: repeatElement(Node(), count: 4))
        nodes[node].firstChild = Int32(first)
        let half = side / 2
        build(node: first, lo: lo, hi: b1, level: level + 1, side: half, keys: keys, sumX: sumX, sumY: sumY)
        build(node: first + 1, lo: b1, hi: b2, level: level + 1, side: half, keys: keys, sumX: sumX, sumY: sumY)
        build(node: first + 2, lo: b2, hi: b3, level: level + 1, side: half, keys: keys, sumX: sumX, sumY: sumY)
        build(node: first + 3, lo: b3, hi: hi, level: level + 1, side: half, keys: keys, sumX: sumX, sumY: sumY)
    }
}
