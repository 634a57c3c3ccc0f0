import SIMDKernels

/// Barnes-Hut repulsion evaluated a group of neighbouring points at a time.
///
/// Walking the tree once per point made the walk itself (a branch and a likely cache miss per
/// cell) the cost, and it grew faster than N log N as the tree outgrew the caches. Here the
/// tree is walked once per group — a cell of at most `groupSize` points — with the opening test
/// taken from the group's bounding box: a cell is summarised by its centre of mass only when
/// `size < θ · distance` holds for the nearest point of the box, hence for every point of the
/// group. That is at least as accurate as the per-point test. The walk yields one interaction
/// list (summarised cells and single points, each with its weight), which every point of the
/// group then sums in SIMD lanes.
enum GroupedRepulsion {
    static let groupSize = 128
    nonisolated(unsafe) static var stats = (0, 0, 0, 0)

    /// Groups in tree order (neighbouring groups are neighbours in the map): the highest cells
    /// holding at most `groupSize` points, and leaves.
    static func groups(_ tree: QuadTree) -> [Int32] {
        var groups: [Int32] = []
        var stack: [Int32] = [0]
        while let top = stack.popLast() {
            let node = tree.nodes[Int(top)]
            if node.count == 0 { continue }
            if node.firstChild < 0 || Int(node.count) <= groupSize {
                groups.append(top)
            } else {
                let first = node.firstChild
                stack += [first + 3, first + 2, first + 1, first]
            }
        }
        return groups
    }

    /// Σ_j q_ij² (y_i − y_j) for every point into `out` (N × 2); returns Z = Σ_{i≠j} q_ij.
    static func repulsion(tree: QuadTree, theta: Float, threads: Int, portable: Bool = false,
                          into result: UnsafeMutablePointer<Float>) -> Double {
        let fast = !portable && asl_simd_has_avx2_fma() != 0
        // A cell holding a point of the group is never summarised when θ < 1/√2, so every point
        // meets itself exactly once, as a single point with q = 1 (subtracted below).
        precondition(theta < 0.7, "grouped Barnes-Hut needs θ < 1/√2")
        let groups = groups(tree)
        let chunks = max(1, min(threads * 4, groups.count / 4))
        var partialZ = [Double](repeating: 0, count: chunks)
        nonisolated(unsafe) let out = result
        groups.withUnsafeBufferPointer { gp in
            tree.nodes.withUnsafeBufferPointer { np in
                tree.order.withUnsafeBufferPointer { op in
                  tree.sorted.withUnsafeBufferPointer { sp in
                    partialZ.withUnsafeMutableBufferPointer { zp in
                        nonisolated(unsafe) let (gs, nodes, order, zs, sorted) = (gp.baseAddress!, np.baseAddress!, op.baseAddress!, zp.baseAddress!, sp.baseAddress!)
                        let groupCount = groups.count
                        TSNEWork.perform(chunks, threads: threads) { chunk in
                            var list = InteractionList()
                            var stack = [Int32](repeating: 0, count: 4 * QuadTree.maximumDepth + 8)
                            var z = 0.0
                            var sums = [Float](repeating: 0, count: 3 * groupSize)
                            for g in (groupCount * chunk / chunks)..<(groupCount * (chunk + 1) / chunks) {
                                let group = nodes[Int(gs[g])]
                                let first = Int(group.pointStart), count = Int(group.count)
                                var box = (minX: Float.infinity, minY: Float.infinity, maxX: -Float.infinity, maxY: -Float.infinity)
                                for t in first..<(first + count) {
                                    let px = sorted[2 * t], py = sorted[2 * t + 1]
                                    box = (min(box.minX, px), min(box.minY, py), max(box.maxX, px), max(box.maxY, py))
                                }
                                list.removeAll()
                                stack.withUnsafeMutableBufferPointer { sp in
                                    collect(box, nodes: nodes, sorted: sorted, theta2: theta * theta, stack: sp.baseAddress!, into: &list)
                                }
                                list.padToLanes()
                                if chunk == 0 { GroupedRepulsion.stats.0 += 1; GroupedRepulsion.stats.1 += count; GroupedRepulsion.stats.2 += list.count * count; GroupedRepulsion.stats.3 += list.count }
                                if fast {
                                    if sums.count < 3 * count { sums = [Float](repeating: 0, count: 3 * count) }
                                    sums.withUnsafeMutableBufferPointer { list.sumAVX2(points: sorted + 2 * first, count: count, into: $0.baseAddress!) }
                                    for r in 0..<count {
                                        let p = Int(order[first + r])
                                        out[2 * p] = sums[3 * r]
                                        out[2 * p + 1] = sums[3 * r + 1]
                                        z += Double(sums[3 * r + 2]) - 1
                                    }
                                } else {
                                    for t in first..<(first + count) {
                                        let p = Int(order[t])
                                        let (fx, fy, zp) = list.sum(at: sorted[2 * t], sorted[2 * t + 1])
                                        out[2 * p] = fx
                                        out[2 * p + 1] = fy
                                        z += Double(zp) - 1
                                    }
                                }
                            }
                            zs[chunk] = z
                        }
                    }
                  }
                }
            }
        }
        return partialZ.reduce(0, +)
    }

    /// The interaction list of a group with bounding box `box`: cells far enough from every
    /// point of the box by their centre of mass and weight, the rest point by point.
    private static func collect(_ box: (minX: Float, minY: Float, maxX: Float, maxY: Float), nodes: UnsafePointer<QuadTree.Node>,
                                sorted: UnsafePointer<Float>, theta2: Float,
                                stack: UnsafeMutablePointer<Int32>, into list: inout InteractionList) {
        stack[0] = 0
        var top = 1
        while top > 0 {
            top -= 1
            let node = nodes[Int(stack[top])]
            if node.count == 0 { continue }
            if node.firstChild < 0 {
                let start = Int(node.pointStart)
                for t in start..<(start + Int(node.count)) {
                    list.append(sorted[2 * t], sorted[2 * t + 1], 1)
                }
                continue
            }
            let dx = max(box.minX - node.centreX, 0, node.centreX - box.maxX)
            let dy = max(box.minY - node.centreY, 0, node.centreY - box.maxY)
            if node.size * node.size < theta2 * (dx * dx + dy * dy) {
                list.append(node.centreX, node.centreY, Float(node.count))
            } else {
                let first = node.firstChild
                stack[top] = first; stack[top + 1] = first + 1; stack[top + 2] = first + 2; stack[top + 3] = first + 3
                top += 4
            }
        }
    }
}

/// Positions and weights of what one group interacts with, stored by coordinate so that eight
/// entries load as one SIMD vector. Owns its storage: the walk appends hundreds of entries per
/// group, and array appends (a capacity and uniqueness check each) cost more than the walk.
private struct InteractionList: ~Copyable {
    private(set) var x: UnsafeMutablePointer<Float>
    private(set) var y: UnsafeMutablePointer<Float>
    private(set) var weight: UnsafeMutablePointer<Float>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
        x = .allocate(capacity: capacity)
        y = .allocate(capacity: capacity)
        weight = .allocate(capacity: capacity)
    }

    deinit {
        x.deallocate(); y.deallocate(); weight.deallocate()
    }

    mutating func removeAll() { count = 0 }

    @inline(__always)
    mutating func append(_ px: Float, _ py: Float, _ w: Float) {
        if count == capacity { grow() }
        x[count] = px; y[count] = py; weight[count] = w
        count += 1
    }

    private mutating func grow() {
        let larger = 2 * capacity
        func moved(_ old: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
            let new = UnsafeMutablePointer<Float>.allocate(capacity: larger)
            new.update(from: old, count: count)
            old.deallocate()
            return new
        }
        x = moved(x); y = moved(y); weight = moved(weight)
        capacity = larger
    }

    /// Weight-0 entries up to a multiple of 8: they add nothing.
    mutating func padToLanes() {
        while count % 8 != 0 { append(0, 0, 0) }
    }

    /// `sum(at:)` for `count` points (x, y interleaved) at once, into `out` (3 per point), by the
    /// AVX2 kernel; only when the CPU has it.
    func sumAVX2(points: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        asl_tsne_repulsion_avx2(x, y, weight, self.count, points, count, out)
    }

    /// Σ w q² (p − e) and Σ w q over the entries e, with q = (1 + ‖p − e‖²)⁻¹: the portable
    /// kernel, and the reference the AVX2 one is tested against.
    @inline(__always)
    func sum(at px: Float, _ py: Float) -> (Float, Float, Float) {
        var fx = SIMD8<Float>(repeating: 0), fy = fx, z = fx
        let one = SIMD8<Float>(repeating: 1), pxv = SIMD8<Float>(repeating: px), pyv = SIMD8<Float>(repeating: py)
        let xr = UnsafeRawPointer(x), yr = UnsafeRawPointer(y), wr = UnsafeRawPointer(weight)
        for offset in stride(from: 0, to: count * 4, by: 32) {
            let dx = pxv - xr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let dy = pyv - yr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let q = one / (one + dx * dx + dy * dy)
            let wq = wr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * q
            z += wq
            let wq2 = wq * q
            fx += wq2 * dx
            fy += wq2 * dy
        }
        return (fx.sum(), fy.sum(), z.sum())
    }
}
