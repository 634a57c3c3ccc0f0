@testable import Analysis
import SIMDKernels
import SeededRandom
import XCTest

/// Barnes-Hut by groups against the exact O(N²) sums.
final class GroupedRepulsionTests: XCTestCase {
    /// Points in five blobs of different spread, over a map about `extent` units wide, and
    /// `duplicates` exact copies of the first points (leaves holding several points).
    func map(n: Int, extent: Float, duplicates: Int = 0, seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        var y = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n {
            let blob = i % 5
            let cx = Float(blob) / 4 * extent - extent / 2, cy = Float(blob % 2) * extent / 3
            let spread = 0.5 + Float(blob)
            let r = Float((-2 * log(max(random.unit(), 1e-12))).squareRoot()), a = Float(2 * Double.pi * random.unit())
            y[2 * i] = cx + spread * r * cos(a)
            y[2 * i + 1] = cy + spread * r * sin(a)
        }
        for i in 0..<duplicates { y[2 * (n - 1 - i)] = y[2 * i]; y[2 * (n - 1 - i) + 1] = y[2 * i + 1] }
        return y
    }

    /// Σ_j q²(yi − yj) per point and Z, in double precision.
    func exact(_ y: [Float]) -> (forces: [Double], z: Double) {
        let n = y.count / 2
        var forces = [Double](repeating: 0, count: 2 * n), z = 0.0
        for i in 0..<n {
            for j in 0..<n where j != i {
                let dx = Double(y[2 * i] - y[2 * j]), dy = Double(y[2 * i + 1] - y[2 * j + 1])
                let q = 1 / (1 + dx * dx + dy * dy)
                z += q
                forces[2 * i] += q * q * dx
                forces[2 * i + 1] += q * q * dy
            }
        }
        return (forces, z)
    }

    func testGroupedEstimateIsCloseToTheExactSums() {
        for (extent, duplicates) in [(Float(5), 0), (40, 30), (400, 0)] {
            let n = 1500
            let y = map(n: n, extent: extent, duplicates: duplicates, seed: UInt64(extent))
            let truth = exact(y)
            let tree = y.withUnsafeBufferPointer { QuadTree(x: $0.baseAddress!, n: n) }
            for threads in [1, 2] {
                for portable in [true, false] {
                    var forces = [Float](repeating: 0, count: 2 * n)
                    let z = forces.withUnsafeMutableBufferPointer {
                        GroupedRepulsion.repulsion(tree: tree, theta: 0.5, threads: threads, portable: portable, into: $0.baseAddress!)
                    }
                    let kernel = portable ? "portable kernel" : "AVX2 kernel where the CPU has it"
                    XCTAssertEqual(z / truth.z, 1, accuracy: 5e-3, "Z, map \(extent) wide, \(kernel)")
                    var error = 0.0, size = 0.0
                    for i in 0..<(2 * n) { error += pow(Double(forces[i]) - truth.forces[i], 2); size += truth.forces[i] * truth.forces[i] }
                    XCTAssertLessThan((error / size).squareRoot(), 1e-2, "forces, map \(extent) wide, \(kernel)")
                }
            }
        }
    }

    /// The AVX2 kernel sums the same interaction lists as the portable one: every force and Z
    /// agree to float rounding (the kernels differ only in fused multiply-adds).
    func testAVX2KernelMatchesThePortableKernel() throws {
        try XCTSkipUnless(asl_simd_has_avx2_fma() != 0, "this CPU has no AVX2 + FMA, so only the portable kernel runs here")
        let n = 3001 // odd, so the kernel's two-point pass meets a lone last point
        let y = map(n: n, extent: 60, duplicates: 20, seed: 5)
        let tree = y.withUnsafeBufferPointer { QuadTree(x: $0.baseAddress!, n: n) }
        var portable = [Float](repeating: 0, count: 2 * n), fast = portable
        let zPortable = portable.withUnsafeMutableBufferPointer { GroupedRepulsion.repulsion(tree: tree, theta: 0.5, threads: 2, portable: true, into: $0.baseAddress!) }
        let zFast = fast.withUnsafeMutableBufferPointer { GroupedRepulsion.repulsion(tree: tree, theta: 0.5, threads: 2, portable: false, into: $0.baseAddress!) }
        XCTAssertEqual(zFast / zPortable, 1, accuracy: 1e-5)
        let largest = portable.map(abs).max()!
        XCTAssertGreaterThan(largest, 0)
        for i in 0..<(2 * n) { XCTAssertEqual(fast[i], portable[i], accuracy: 1e-5 * largest, "force component \(i)") }
    }

    func testGroupsHoldEveryPointOnce() {
        let n = 2000
        let y = map(n: n, extent: 30, duplicates: 50, seed: 8)
        let tree = y.withUnsafeBufferPointer { QuadTree(x: $0.baseAddress!, n: n) }
        let groups = GroupedRepulsion.groups(tree)
        var seen = [Int](repeating: 0, count: n)
        for g in groups {
            let node = tree.nodes[Int(g)]
            XCTAssertTrue(node.count <= GroupedRepulsion.groupSize || node.firstChild < 0)
            for t in Int(node.pointStart)..<Int(node.pointStart + node.count) { seen[Int(tree.order[t])] += 1 }
        }
        XCTAssertEqual(seen, [Int](repeating: 1, count: n))
    }
}
