@testable import Analysis
import SeededRandom
import XCTest

/// The symmetric P and the quadtree that the gradient is built on.
final class AffinitiesTests: XCTestCase {
    func randomPoints(n: Int, d: Int, seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        return (0..<(n * d)).map { _ in Float(random.unit() * 4 - 2) }
    }

    /// P is symmetric, sums to 1, and each row's conditional distribution has the asked
    /// perplexity; thread counts give the same bytes.
    func testPIsSymmetricNormalisedAndMatchesThePerplexity() {
        let (n, d, k, perplexity) = (600, 6, 45, 15.0)
        let x = randomPoints(n: n, d: d, seed: 3)
        let (neighbours, distances) = NearestNeighbours.exact(x, rows: n, columns: d, k: k, threads: 2)
        let p = SparseAffinities.fit(neighbours: neighbours, distances: distances, rows: n, k: k, perplexity: perplexity, threads: 2)
        var entries: [Int: Float] = [:]
        for i in 0..<n {
            let row = Array(p.columns[p.rowStart[i]..<p.rowStart[i + 1]])
            XCTAssertEqual(row, row.sorted(), "row \(i): columns in order")
            XCTAssertEqual(Set(row).count, row.count, "row \(i): each column once")
            for t in p.rowStart[i]..<p.rowStart[i + 1] { entries[i * n + Int(p.columns[t])] = p.values[t] }
        }
        for (key, value) in entries {
            XCTAssertEqual(entries[(key % n) * n + key / n], value, "P[\(key / n), \(key % n)] = P[\(key % n), \(key / n)]")
        }
        XCTAssertEqual(p.values.reduce(0.0) { $0 + Double($1) }, 1, accuracy: 1e-4)
        // Each point's conditional distribution: sums to 1 with entropy log(perplexity).
        for i in stride(from: 0, to: n, by: 97) {
            var scratch = [Double](repeating: 0, count: k), conditional = [Float](repeating: 0, count: k)
            distances.withUnsafeBufferPointer { dp in
                conditional.withUnsafeMutableBufferPointer {
                    SparseAffinities.fitRow(distances: dp.baseAddress! + i * k, k: k, perplexity: perplexity, scratch: &scratch, into: $0.baseAddress!)
                }
            }
            XCTAssertEqual(conditional.reduce(0.0) { $0 + Double($1) }, 1, accuracy: 1e-5)
            let entropy = conditional.reduce(0.0) { $1 > 0 ? $0 - Double($1) * log(Double($1)) : $0 }
            XCTAssertEqual(exp(entropy), perplexity, accuracy: 0.01 * perplexity, "row \(i)")
        }
        let serial = SparseAffinities.fit(neighbours: neighbours, distances: distances, rows: n, k: k, perplexity: perplexity, threads: 1)
        XCTAssertEqual(serial.values, p.values)
        XCTAssertEqual(serial.columns, p.columns)
    }

    /// The attraction, visiting each pair of P's upper triangle once, equals the plain sum over
    /// every row of P, for one thread and for several.
    func testAttractionOverPairsEqualsTheSumOverFullRows() {
        let (n, d, k) = (1500, 5, 30)
        let x = randomPoints(n: n, d: d, seed: 4)
        let (neighbours, distances) = NearestNeighbours.exact(x, rows: n, columns: d, k: k, threads: 2)
        let p = SparseAffinities.fit(neighbours: neighbours, distances: distances, rows: n, k: k, perplexity: 10, threads: 2)
        XCTAssertEqual(2 * p.upperColumns.count, p.columns.count, "P has no diagonal, so half its entries lie above it")
        let y = randomPoints(n: n, d: 2, seed: 6).map { $0 * 10 }
        var truth = [Double](repeating: 0, count: 2 * n)
        for i in 0..<n {
            for t in p.rowStart[i]..<p.rowStart[i + 1] {
                let j = Int(p.columns[t])
                let dx = Double(y[2 * i] - y[2 * j]), dy = Double(y[2 * i + 1] - y[2 * j + 1])
                let f = Double(p.values[t]) / (1 + dx * dx + dy * dy)
                truth[2 * i] += f * dx
                truth[2 * i + 1] += f * dy
            }
        }
        let scale = truth.map(abs).max()!
        XCTAssertGreaterThan(scale, 0)
        for threads in [1, 2, 3] {
            var forces = [Float](repeating: 0, count: 2 * n)
            y.withUnsafeBufferPointer { yp in
                forces.withUnsafeMutableBufferPointer { Forces.attraction(y: yp.baseAddress!, n: n, p: p, threads: threads, into: $0.baseAddress!) }
            }
            for t in 0..<(2 * n) { XCTAssertEqual(Double(forces[t]), truth[t], accuracy: 1e-5 * scale, "component \(t), \(threads) threads") }
        }
    }

    /// Every cell's count and centre of mass are those of the points in its run, children split
    /// their parent's run at half its side, and points sharing a place end in one leaf.
    func testQuadTreeCellsHoldTheirPointsAndCentres() {
        let n = 3000
        var y = randomPoints(n: n, d: 2, seed: 8).map { $0 * 25 }
        for i in 0..<40 { y[2 * (n - 1 - i)] = y[0]; y[2 * (n - 1 - i) + 1] = y[1] } // 40 copies of point 0
        let tree = y.withUnsafeBufferPointer { QuadTree(x: $0.baseAddress!, n: n) }
        XCTAssertEqual(tree.order.sorted(), (0..<Int32(n)).map { $0 })
        for t in 0..<n {
            XCTAssertEqual(tree.sorted[2 * t], y[2 * Int(tree.order[t])])
            XCTAssertEqual(tree.sorted[2 * t + 1], y[2 * Int(tree.order[t]) + 1])
        }
        var duplicateLeaf = false
        for node in tree.nodes where node.count > 0 {
            let run = Int(node.pointStart)..<Int(node.pointStart + node.count)
            let meanX = run.reduce(0.0) { $0 + Double(tree.sorted[2 * $1]) } / Double(run.count)
            let meanY = run.reduce(0.0) { $0 + Double(tree.sorted[2 * $1 + 1]) } / Double(run.count)
            XCTAssertEqual(Double(node.centreX), meanX, accuracy: 1e-4 * 25)
            XCTAssertEqual(Double(node.centreY), meanY, accuracy: 1e-4 * 25)
            if node.firstChild >= 0 {
                let children = (0..<4).map { tree.nodes[Int(node.firstChild) + $0] }
                XCTAssertEqual(children.reduce(0) { $0 + Int($1.count) }, Int(node.count))
                XCTAssertEqual(children[0].pointStart, node.pointStart)
                for c in children { XCTAssertEqual(c.size, node.size / 2) }
            } else if node.count > 1 {
                XCTAssertTrue(run.allSatisfy { tree.sorted[2 * $0] == tree.sorted[2 * run.lowerBound] && tree.sorted[2 * $0 + 1] == tree.sorted[2 * run.lowerBound + 1] },
                              "a leaf of several points holds one place")
                duplicateLeaf = duplicateLeaf || node.count == 41
            }
        }
        XCTAssertTrue(duplicateLeaf, "the 41 copies share one leaf")
    }
}
