/// A Barnes-Hut quadtree over 2-D points in flat arrays: each node knows its square, its
/// point count and centre of mass; internal nodes own four consecutive child slots (empty
/// ones have count 0); a leaf lists its points (several only for duplicates or at the depth
/// limit) as a contiguous run of `order`.
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
    var order: [Int32] = []

    static let maximumDepth = 40

    init(x: UnsafePointer<Float>, n: Int) {
        order = (0..<Int32(n)).map { $0 }
        var minX = Float.infinity, minY = Float.infinity, maxX = -Float.infinity, maxY = -Float.infinity
        for i in 0..<n {
            minX = min(minX, x[2 * i]); maxX = max(maxX, x[2 * i])
            minY = min(minY, x[2 * i + 1]); maxY = max(maxY, x[2 * i + 1])
        }
        let side = max(maxX - minX, maxY - minY) * 1.0001 + 1e-12
        reserve(4 * n + 1)
        var scratch = [Int32](repeating: 0, count: n)
        _ = addNode()
        build(node: 0, x: x, lo: 0, hi: n, x0: minX, y0: minY, side: side, depth: 0, scratch: &scratch)
    }

    private mutating func reserve(_ count: Int) {
        nodes.reserveCapacity(count)
    }

    private mutating func addNode() -> Int {
        nodes.append(Node())
        return nodes.count - 1
    }

    private mutating func build(node: Int, x: UnsafePointer<Float>, lo: Int, hi: Int, x0: Float, y0: Float, side: Float, depth: Int,
                                scratch: inout [Int32]) {
        nodes[node].size = side
        nodes[node].count = Int32(hi - lo)
        nodes[node].pointStart = Int32(lo)
        guard hi > lo else { return }
        var sx: Float = 0, sy: Float = 0
        for t in lo..<hi { let p = Int(order[t]); sx += x[2 * p]; sy += x[2 * p + 1] }
        nodes[node].centreX = sx / Float(hi - lo)
        nodes[node].centreY = sy / Float(hi - lo)
        if hi - lo == 1 || depth >= Self.maximumDepth { return }
        // Duplicates all in one place: a leaf, not endless splitting.
        let p0 = Int(order[lo])
        if (lo..<hi).allSatisfy({ let p = Int(order[$0]); return x[2 * p] == x[2 * p0] && x[2 * p + 1] == x[2 * p0 + 1] }) { return }
        let half = side / 2, midX = x0 + half, midY = y0 + half
        // Counting sort of this node's points into the four quadrants (stable).
        var quadrantCounts = [0, 0, 0, 0]
        func quadrant(_ p: Int) -> Int { (x[2 * p] >= midX ? 1 : 0) + (x[2 * p + 1] >= midY ? 2 : 0) }
        for t in lo..<hi { quadrantCounts[quadrant(Int(order[t]))] += 1 }
        var starts = [lo, lo + quadrantCounts[0], lo + quadrantCounts[0] + quadrantCounts[1], lo + quadrantCounts[0] + quadrantCounts[1] + quadrantCounts[2]]
        let bounds = starts
        for t in lo..<hi {
            let p = order[t], q = quadrant(Int(p))
            scratch[starts[q]] = p
            starts[q] += 1
        }
        for t in lo..<hi { order[t] = scratch[t] }
        let first = addNode()
        _ = addNode(); _ = addNode(); _ = addNode()
        nodes[node].firstChild = Int32(first)
        for q in 0..<4 {
            let end = q == 3 ? hi : bounds[q + 1]
            build(node: first + q, x: x, lo: bounds[q], hi: end, x0: q % 2 == 1 ? midX : x0, y0: q >= 2 ? midY : y0,
                  side: half, depth: depth + 1, scratch: &scratch)
        }
    }
}
