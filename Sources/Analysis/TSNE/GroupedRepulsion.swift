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
    static let groupSize = 32

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
    static func repulsion(y points: UnsafePointer<Float>, tree: QuadTree, theta: Float, threads: Int,
                          into result: UnsafeMutablePointer<Float>) -> Double {
        // A cell holding a point of the group is never summarised when θ < 1/√2, so every point
        // meets itself exactly once, as a single point with q = 1 (subtracted below).
        precondition(theta < 0.7, "grouped Barnes-Hut needs θ < 1/√2")
        let groups = groups(tree)
        let chunks = max(1, min(threads * 4, groups.count / 4))
        var partialZ = [Double](repeating: 0, count: chunks)
        nonisolated(unsafe) let (y, out) = (points, result)
        groups.withUnsafeBufferPointer { gp in
            tree.nodes.withUnsafeBufferPointer { np in
                tree.order.withUnsafeBufferPointer { op in
                    partialZ.withUnsafeMutableBufferPointer { zp in
                        nonisolated(unsafe) let (gs, nodes, order, zs) = (gp.baseAddress!, np.baseAddress!, op.baseAddress!, zp.baseAddress!)
                        let groupCount = groups.count
                        TSNEWork.perform(chunks, threads: threads) { chunk in
                            var list = InteractionList()
                            var stack = [Int32](repeating: 0, count: 4 * QuadTree.maximumDepth + 8)
                            var z = 0.0
                            for g in (groupCount * chunk / chunks)..<(groupCount * (chunk + 1) / chunks) {
                                let group = nodes[Int(gs[g])]
                                let first = Int(group.pointStart), count = Int(group.count)
                                var box = (minX: Float.infinity, minY: Float.infinity, maxX: -Float.infinity, maxY: -Float.infinity)
                                for t in first..<(first + count) {
                                    let p = Int(order[t])
                                    box = (min(box.minX, y[2 * p]), min(box.minY, y[2 * p + 1]), max(box.maxX, y[2 * p]), max(box.maxY, y[2 * p + 1]))
                                }
                                list.removeAll()
                                stack.withUnsafeMutableBufferPointer { sp in
                                    collect(box, nodes: nodes, order: order, y: y, theta2: theta * theta, stack: sp.baseAddress!, into: &list)
                                }
                                list.padToLanes()
                                for t in first..<(first + count) {
                                    let p = Int(order[t])
                                    let (fx, fy, zp) = list.sum(at: y[2 * p], y[2 * p + 1])
                                    out[2 * p] = fx
                                    out[2 * p + 1] = fy
                                    z += Double(zp) - 1
                                }
                            }
                            zs[chunk] = z
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
                                order: UnsafePointer<Int32>, y: UnsafePointer<Float>, theta2: Float,
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
                    let j = Int(order[t])
                    list.append(y[2 * j], y[2 * j + 1], 1)
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
/// entries load as one SIMD vector.
private struct InteractionList {
    private(set) var x: [Float] = []
    private(set) var y: [Float] = []
    private(set) var weight: [Float] = []

    mutating func removeAll() {
        x.removeAll(keepingCapacity: true)
        y.removeAll(keepingCapacity: true)
        weight.removeAll(keepingCapacity: true)
    }

    mutating func append(_ px: Float, _ py: Float, _ w: Float) {
        x.append(px); y.append(py); weight.append(w)
    }

    /// Weight-0 entries up to a multiple of 8: they add nothing.
    mutating func padToLanes() {
        while x.count % 8 != 0 { append(0, 0, 0) }
    }

    /// Σ w q² (p − e) and Σ w q over the entries e, with q = (1 + ‖p − e‖²)⁻¹.
    @inline(__always)
    func sum(at px: Float, _ py: Float) -> (Float, Float, Float) {
        var fx = SIMD8<Float>(repeating: 0), fy = fx, z = fx
        let one = SIMD8<Float>(repeating: 1), pxv = SIMD8<Float>(repeating: px), pyv = SIMD8<Float>(repeating: py)
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeBufferPointer { ys in
                weight.withUnsafeBufferPointer { ws in
                    let xr = UnsafeRawPointer(xs.baseAddress!), yr = UnsafeRawPointer(ys.baseAddress!), wr = UnsafeRawPointer(ws.baseAddress!)
                    for offset in stride(from: 0, to: xs.count * 4, by: 32) {
                        let dx = pxv - xr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                        let dy = pyv - yr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                        let q = one / (one + dx * dx + dy * dy)
                        let wq = wr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) * q
                        z += wq
                        let wq2 = wq * q
                        fx += wq2 * dx
                        fy += wq2 * dy
                    }
                }
            }
        }
        return (fx.sum(), fy.sum(), z.sum())
    }
}
