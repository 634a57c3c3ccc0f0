import XCTest
import SIMDKernels
@testable import NN

/// B packed once (a linear layer's weights for inference) must give the same bits as packing it
/// in every product, and a layer must never multiply with a packing of weights since changed.
final class PackedOperandTests: XCTestCase {
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var random = Initializer(seed: seed)
        return (0..<count).map { _ in Float(random.unit() * 2 - 1) }
    }

    /// Shapes around every blocking edge of the kernels: n past one or several 48-wide strips
    /// (32-wide for AMX) and past a 480-wide panel (512 for AMX), k odd (bf16 pairs), past one k
    /// pass (192 fp32, 384 bf16, 512 AMX) and long (the linear layers' 32 768). AMX runs on its
    /// scalar tile model where the CPU has none (`BF16GEMMTests` holds the real tile code to it).
    func testPrepackedProductsAreTheSameBitsAsUnpackedOnes() {
        let shapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (5, 47, 3), (8, 49, 193), (32, 128, 385), (9, 500, 64), (33, 530, 600),
                                                  (32, 96, 32_768)]
        for kernel in [ProductKernel.avx512, .avx512BF16, .amxBF16] {
            // The tile model is slow: not the 32 768-long product for AMX (33 × 530 × 600 already
            // crosses its 512-wide panels and 512-long passes).
            for (m, n, k) in shapes where kernel != .amxBF16 || k < 32_768 {
                for transA in [false, true] {
                    for transB in [false, true] {
                        for beta: Float in [0, 1] {
                            let a = values(m * k, seed: 1), b = values(k * n, seed: 2), start = values(m * n, seed: 3)
                            let (lda, ldb) = (transA ? m : k, transB ? k : n)
                            var unpacked = start, prepacked = start
                            let operand = b.withUnsafeBufferPointer { PackedOperand(kernel: kernel, transB: transB, k: k, n: n, $0.baseAddress!, ldb: ldb) }
                            // AMX packs (and runs, on the tile model) wherever AVX512-BF16 does.
                            let runs = kernel == .avx512 ? asl_simd_has_avx512() != 0 : asl_simd_has_avx512_bf16() != 0
                            guard let operand else {
                                XCTAssertFalse(runs, "\(kernel) runs here, so it must pack")
                                continue
                            }
                            XCTAssertTrue(runs)
                            a.withUnsafeBufferPointer { ap in
                                b.withUnsafeBufferPointer { bp in
                                    unpacked.withUnsafeMutableBufferPointer { cp in
                                        BLAS.gemm(kernel, transA, transB, m: m, n: n, k: k, ap.baseAddress!, lda: lda, bp.baseAddress!, ldb: ldb,
                                                  beta: beta, cp.baseAddress!, ldc: n)
                                    }
                                }
                                prepacked.withUnsafeMutableBufferPointer { cp in
                                    BLAS.gemm(transA, m: m, n: n, k: k, ap.baseAddress!, lda: lda, packed: operand, beta: beta, cp.baseAddress!, ldc: n)
                                }
                            }
                            XCTAssertEqual(prepacked.map(\.bitPattern), unpacked.map(\.bitPattern), "\(kernel) m\(m) n\(n) k\(k) tA\(transA) tB\(transB) β\(beta)")
                        }
                    }
                }
            }
        }
    }

    func testOnlyTheEnginesOwnKernelsPack() {
        let b = values(12, seed: 4)
        b.withUnsafeBufferPointer { bp in
            XCTAssertNil(PackedOperand(kernel: .openBLAS, transB: false, k: 3, n: 4, bp.baseAddress!, ldb: 4))
            XCTAssertEqual(PackedOperand(kernel: .amxBF16, transB: false, k: 3, n: 4, bp.baseAddress!, ldb: 4) != nil,
                           asl_simd_has_avx512_bf16() != 0, "AMX's packing needs AVX512-BF16 (its products, the tiles or their model)")
        }
    }

    /// Every way of writing a parameter's values counts as a change.
    func testEveryWriteToAParameterChangesItsVersion() {
        let parameter = Parameter(name: "w", value: Tensor(zeros: [4]))
        var seen = parameter.version
        func changed(_ how: String) {
            XCTAssertNotEqual(parameter.version, seen, how)
            seen = parameter.version
        }
        parameter.value.data[1] = 2
        changed("an element")
        parameter.value.data.withUnsafeMutableBufferPointer { $0[2] = 3 }
        changed("through a buffer pointer (as Adam writes)")
        parameter.value = Tensor(zeros: [4])
        changed("a new tensor")
        _ = parameter.value.data.withUnsafeBufferPointer { $0[0] }
        XCTAssertEqual(parameter.version, seen, "reading is no change")
    }

    /// Inference (weights packed once and kept) gives the bits of a training forward (packed
    /// in every product), also after the weights changed between two inferences.
    func testLinearInferenceFollowsEveryChangeOfItsWeights() {
        for precision in [Precision.fp32, .bf16] {
            var random = Initializer(seed: 5)
            let layer = Linear(name: "fc", inFeatures: 700, outFeatures: 90, random: &random)
            layer.engine = Engine(threads: 2, precision: precision)
            let x = Tensor(shape: [6, 700], data: values(6 * 700, seed: 6))
            for round in 0..<3 {
                let inferred = layer.forward(x, training: false)
                let reference = layer.forward(x, training: true)
                XCTAssertEqual(inferred.data.map(\.bitPattern), reference.data.map(\.bitPattern), "\(precision), round \(round)")
                let again = layer.forward(x, training: false)
                XCTAssertEqual(again.data.map(\.bitPattern), inferred.data.map(\.bitPattern), "\(precision), round \(round), kept packing")
                // As an optimiser step would: every weight moves.
                layer.weight.value.data.withUnsafeMutableBufferPointer { w in
                    for i in w.indices { w[i] += 0.01 * Float(i % 7) - 0.03 }
                }
            }
        }
    }

    /// Two layers multiplied as one (the heads' first layers in inference) give each layer's
    /// own inference bits, at feature counts that split unevenly into strips and threads, and
    /// follow a change of either layer's weights.
    func testJointLayersGiveEachLayersOwnBits() {
        for precision in [Precision.fp32, .bf16] {
            for threads in [1, 2, 3] {
                var random = Initializer(seed: 7)
                let a = Linear(name: "a", inFeatures: 777, outFeatures: 100, random: &random)
                let b = Linear(name: "b", inFeatures: 777, outFeatures: 45, random: &random)
                for layer in [a, b] { layer.engine = Engine(threads: threads, precision: precision) }
                let joint = JointLinear(a, b, name: "ab")
                let x = Tensor(shape: [5, 777], data: values(5 * 777, seed: 8))
                for round in 0..<3 {
                    guard let (outA, outB) = joint.inference(x) else {
                        XCTAssertTrue([.openBLAS, .amxBF16].contains(a.engine.kernel), "only a kernel without a packed form declines")
                        continue
                    }
                    let label = "\(precision), \(threads) threads, round \(round)"
                    XCTAssertEqual(outA.shape, [5, 100])
                    XCTAssertEqual(outB.shape, [5, 45])
                    XCTAssertEqual(outA.data.map(\.bitPattern), a.forward(x, training: false).data.map(\.bitPattern), label)
                    XCTAssertEqual(outB.data.map(\.bitPattern), b.forward(x, training: false).data.map(\.bitPattern), label)
                    // After round 0 only the second layer's weights move, after round 1 only the first's.
                    let moved = round == 0 ? b : a
                    moved.weight.value.data.withUnsafeMutableBufferPointer { w in
                        for i in w.indices { w[i] += 0.01 * Float(i % 5) - 0.02 }
                    }
                }
            }
        }
    }
}
