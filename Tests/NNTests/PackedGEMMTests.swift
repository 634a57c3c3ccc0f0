import XCTest
import SIMDKernels
@testable import NN

/// The AVX-512 packed GEMM that runs the convolution products, against a plain triple loop.
final class PackedGEMMTests: XCTestCase {
    struct Case {
        var transA: Bool, transB: Bool, m: Int, n: Int, k: Int, beta: Float
    }

    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var random = Initializer(seed: seed)
        return (0..<count).map { _ in Float(random.unit() * 2 - 1) }
    }

    /// Runs one case with C inside a wider buffer (ldc = n + 3) and checks every entry: the
    /// m × n block against the reference, the padding columns untouched.
    private func check(_ c: Case, file: StaticString = #filePath, line: UInt = #line) {
        let lda = c.transA ? c.m : c.k, ldb = c.transB ? c.k : c.n, ldc = c.n + 3
        let a = values(c.m * c.k, seed: 1), b = values(c.k * c.n, seed: 2)
        let start = values(c.m * ldc, seed: 3)
        var out = start
        let ran = a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { cp in
                    asl_sgemm_avx512(c.transA ? 1 : 0, c.transB ? 1 : 0, c.m, c.n, c.k, ap.baseAddress!, lda,
                                     bp.baseAddress!, ldb, c.beta, cp.baseAddress!, ldc)
                }
            }
        }
        guard asl_simd_has_avx512() != 0 else {
            XCTAssertEqual(ran, 0, "without AVX-512 the kernel must decline", file: file, line: line)
            XCTAssertEqual(out, start, "a declined call must leave C untouched", file: file, line: line)
            return
        }
        XCTAssertEqual(ran, 1, file: file, line: line)
        var worst = 0.0
        for i in 0..<c.m {
            for j in 0..<ldc {
                let got = Double(out[i * ldc + j])
                guard j < c.n else {
                    XCTAssertEqual(out[i * ldc + j], start[i * ldc + j], "padding column \(j) of row \(i) was written", file: file, line: line)
                    continue
                }
                var sum = Double(c.beta) * Double(start[i * ldc + j])
                for p in 0..<c.k {
                    let av = c.transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = c.transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(av) * Double(bv)
                }
                worst = max(worst, abs(got - sum))
            }
        }
        // float32 sums of k products of values in [−1, 1].
        XCTAssertLessThan(worst, 2e-6 * Double(c.k) + 1e-6, "\(c)", file: file, line: line)
    }

    func testAllTransposesAndBetasMatchThePlainProduct() {
        for transA in [false, true] {
            for transB in [false, true] {
                for beta: Float in [0, 1, 0.5] {
                    // Below one register block, and odd sizes that leave partial row strips,
                    // partial 48-wide strips and 8 × 8 transposes with a remainder.
                    check(Case(transA: transA, transB: transB, m: 5, n: 7, k: 3, beta: beta))
                    check(Case(transA: transA, transB: transB, m: 37, n: 101, k: 53, beta: beta))
                }
            }
        }
    }

    func testShapesCrossingEveryCacheBlock() {
        // m > 256 (MC), n > 480 (NC) and k > 192 (KC, split into equal passes that each add
        // onto C), in the convolutions' three kinds of product.
        check(Case(transA: false, transB: false, m: 261, n: 500, k: 397, beta: 0))
        check(Case(transA: false, transB: true, m: 70, n: 290, k: 700, beta: 1))
        check(Case(transA: true, transB: false, m: 300, n: 530, k: 129, beta: 0))
    }

    /// The analysis's products (PCA, the neighbour search, trustworthiness) give the engine
    /// kernel's bits, then alpha's one rounding, wherever the engine's fp32 runs on it: the same
    /// bytes on both kinds of machine, not those of whichever kernels OpenBLAS picks for the CPU.
    func testAnalysisProductsGiveTheEngineKernelsBitsScaledByAlpha() throws {
        try XCTSkipIf(ProductKernel.fp32 != .avx512, "the engine's fp32 runs in OpenBLAS here, and so do these products")
        let (m, n, k) = (37, 53, 300)
        let a = values(m * k, seed: 4), b = values(k * n, seed: 5)
        for (transA, transB) in [(false, true), (true, false), (false, false)] {
            let lda = transA ? m : k, ldb = transB ? k : n
            var kernel = [Float](repeating: 0, count: m * n)
            XCTAssertEqual(asl_sgemm_avx512(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, 0, &kernel, n), 1)
            for alpha: Float in [1, -2, 1 / 299] {
                var c = [Float](repeating: .nan, count: m * n)
                c.withUnsafeMutableBufferPointer { cp in
                    MatrixProduct.multiply(transposeA: transA, transposeB: transB, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb,
                                           cp.baseAddress!, ldc: n)
                }
                XCTAssertEqual(c.map(\.bitPattern), kernel.map { ($0 * alpha).bitPattern }, "transA \(transA), transB \(transB), alpha \(alpha)")
            }
        }
    }

    func testTheConvolutionsUseTheKernelTheCPUAllows() {
        let hasAVX512 = asl_simd_has_avx512() != 0
        if ProcessInfo.processInfo.environment["ASL_LAB_GEMM"]?.lowercased() == "openblas" {
            XCTAssertEqual(ProductKernel.fp32, .openBLAS)
        } else {
            XCTAssertEqual(ProductKernel.fp32, hasAVX512 ? .avx512 : .openBLAS)
        }
    }
}

extension PackedGEMMTests {
    /// The fp32 few-rows product gives the packed kernel's bits (`checkFewRowsProductGivesThePackedKernelsBits`:
    /// 1 to 32 rows, partial blocks, k from 0 to past several passes of 192, beta 0, 1 and ½); it
    /// declines for 33 rows and without AVX-512; BLAS routes the long products of few rows to it.
    func testFewRowsProductGivesThePackedKernelsBits() {
        let hasAVX512 = asl_simd_has_avx512() != 0
        let cases = checkFewRowsProductGivesThePackedKernelsBits(ks: [0, 7, 193, 1000], available: hasAVX512,
                                                                  packed: { asl_sgemm_avx512(0, 1, $0, $1, $2, $3, $4, $5, $6, $7, $8, $9) },
                                                                  fewRows: asl_sgemm_avx512_few_rows_bt)
        XCTAssertEqual(cases, hasAVX512 ? 5 * 3 * 4 * 3 : 0)
        XCTAssertEqual(BLAS.usesFewRows(.avx512, transA: false, transB: true, m: 32, k: 32768), true, "a linear layer's forward")
        XCTAssertEqual(BLAS.usesFewRows(.avx512, transA: false, transB: true, m: 32, k: 500), false, "short k: Winograd's weight gradients")
        XCTAssertEqual(BLAS.usesFewRows(.avx512, transA: false, transB: true, m: 33, k: 32768), false)
        XCTAssertEqual(BLAS.usesFewRows(.avx512BF16, transA: false, transB: true, m: 32, k: 32768), true, "bf16 has its own")
        XCTAssertEqual(BLAS.usesFewRows(.amxBF16, transA: false, transB: true, m: 32, k: 32768), false, "AMX packs its tiles")
        XCTAssertEqual(BLAS.usesFewRows(.openBLAS, transA: false, transB: true, m: 32, k: 32768), false)
    }

    /// The product with B read in place (Winograd's per-point products) gives the packed kernel's
    /// bits: op(A) plain and transposed, 1 to 70 rows (partial 8-row strips), 1 to 130 columns
    /// (partial 48-wide strips, whose loads past the row must read zeros), k from 0 to past
    /// several passes of 192, beta 0, 1 and ½, with B's rows and C inside wider buffers (C holds a
    /// NaN beta 0 must ignore). It declines where op(A) exceeds 65 536 floats, and without
    /// AVX-512, leaving C untouched.
    func testProductWithBInPlaceGivesThePackedKernelsBits() {
        let hasAVX512 = asl_simd_has_avx512() != 0
        var cases = 0
        for transA in [false, true] {
            for m in [1, 8, 13, 70] {
                for n in [1, 47, 130] {
                    for k in [0, 5, 200, 450] {
                        for beta: Float in [0, 1, 0.5] {
                            let lda = (transA ? m : k) + 3, ldb = n + 5, ldc = n + 2
                            let a = values((transA ? k : m) * lda, seed: UInt64(m * 7 + k)), b = values(k * ldb, seed: UInt64(n * 11 + k))
                            var start = values(m * ldc, seed: 6)
                            start[m * ldc - 3] = .nan
                            var packed = start, inPlace = start
                            _ = asl_sgemm_avx512(transA ? 1 : 0, 0, m, n, k, a, lda, b, ldb, beta, &packed, ldc)
                            let ran = asl_sgemm_avx512_b_in_place(transA ? 1 : 0, m, n, k, a, lda, b, ldb, beta, &inPlace, ldc)
                            XCTAssertEqual(ran != 0, hasAVX512, "\(m)×\(n)×\(k)")
                            if ran != 0 {
                                XCTAssertEqual(inPlace.map(\.bitPattern), packed.map(\.bitPattern), "\(m)×\(n)×\(k), transA \(transA), β \(beta)")
                                cases += 1
                            } else {
                                XCTAssertEqual(inPlace.map(\.bitPattern), start.map(\.bitPattern), "a declined call leaves C untouched")
                            }
                        }
                    }
                }
            }
        }
        XCTAssertEqual(cases, hasAVX512 ? 2 * 4 * 3 * 4 * 3 : 0)
        // 72 rows (9 strips of 8) × 1000 values of k: 72 000 floats of op(A), over the bound.
        let (m, k) = (72, 1000)
        let a = values(m * k, seed: 8), b = values(k * 4, seed: 9)
        var c = [Float](repeating: 7, count: m * 4)
        XCTAssertEqual(asl_sgemm_avx512_b_in_place(0, m, 4, k, a, k, b, 4, 0, &c, 4), 0, "op(A) larger than the packed buffer")
        XCTAssertEqual(c, [Float](repeating: 7, count: m * 4))
    }
}
