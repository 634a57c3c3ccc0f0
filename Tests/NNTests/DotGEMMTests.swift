import XCTest
import SIMDKernels
@testable import NN

/// The dot-product GEMM (C = beta·C + A·Bᵀ, rows along k) that runs the first conv's weight
/// gradient, and its copy with the lanes in registers that runs Winograd's weight-gradient
/// products: against a float64 product, and bit for bit against their plain copy.
final class DotGEMMTests: XCTestCase {
    struct Case {
        var m: Int, n: Int, k: Int, beta: Float
    }

    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var random = Initializer(seed: seed)
        return (0..<count).map { _ in Float(random.unit() * 2 - 1) }
    }

    /// Runs one case with A and B rows longer than k and C inside a wider buffer: returns the
    /// AVX-512 results of the partials-buffer and the registers kernels (nil where the CPU lacks
    /// AVX-512, after checking both declined and wrote nothing), the plain copy's, the
    /// reference and where C's padding columns start.
    private func run(_ c: Case, file: StaticString = #filePath, line: UInt = #line)
        -> (vector: [Float]?, registers: [Float]?, plain: [Float], reference: [Double], ldc: Int) {
        let lda = c.k + 5, ldb = c.k + 9, ldc = c.n + 3
        let a = values(c.m * lda, seed: 11), b = values(c.n * ldb, seed: 12)
        let start = values(c.m * ldc, seed: 13)
        var vector = start, registers = start, plain = start
        let ranInRegisters = a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                registers.withUnsafeMutableBufferPointer { cp in
                    asl_sgemm_dot_registers_avx512(c.m, c.n, c.k, ap.baseAddress!, lda, bp.baseAddress!, ldb, c.beta, cp.baseAddress!, ldc)
                }
            }
        }
        let ran = a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                vector.withUnsafeMutableBufferPointer { cp in
                    asl_sgemm_dot_avx512(c.m, c.n, c.k, ap.baseAddress!, lda, bp.baseAddress!, ldb, c.beta, cp.baseAddress!, ldc)
                }
            }
        }
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                plain.withUnsafeMutableBufferPointer { cp in
                    asl_sgemm_dot_plain(c.m, c.n, c.k, ap.baseAddress!, lda, bp.baseAddress!, ldb, c.beta, cp.baseAddress!, ldc)
                }
            }
        }
        var reference = start.map(Double.init)
        for i in 0..<c.m {
            for j in 0..<c.n {
                var sum = Double(c.beta) * Double(start[i * ldc + j])
                for p in 0..<c.k { sum += Double(a[i * lda + p]) * Double(b[j * ldb + p]) }
                reference[i * ldc + j] = sum
            }
        }
        if asl_simd_has_avx512() == 0 {
            XCTAssertEqual(ran, 0, "without AVX-512 the kernel must decline", file: file, line: line)
            XCTAssertEqual(ranInRegisters, 0, "without AVX-512 the registers kernel must decline", file: file, line: line)
            XCTAssertEqual(vector, start, "a declined call must leave C untouched", file: file, line: line)
            XCTAssertEqual(registers, start, "a declined call must leave C untouched", file: file, line: line)
            return (nil, nil, plain, reference, ldc)
        }
        XCTAssertEqual(ran, 1, file: file, line: line)
        XCTAssertEqual(ranInRegisters, 1, file: file, line: line)
        return (vector, registers, plain, reference, ldc)
    }

    /// Shapes that cross every edge: partial 8 × 3 and 4 × 4 blocks, k not a multiple of 16 or
    /// of the 512-long blocks, one row or column, beta 0, 1 and ½, C larger than the partials
    /// buffer in columns (over 1024) and in entries (over 16 384), which it covers in groups, and
    /// a Winograd weight gradient's point (32 × 64 over 256 tiles).
    func testMatchesTheFloat64ProductAndThePlainCopyBitForBit() {
        let cases = [Case(m: 32, n: 27, k: 4096, beta: 1), Case(m: 13, n: 7, k: 1000, beta: 0), Case(m: 1, n: 1, k: 17, beta: 1),
                     Case(m: 9, n: 4, k: 513, beta: 0), Case(m: 3, n: 1100, k: 40, beta: 1), Case(m: 300, n: 70, k: 33, beta: 0),
                     Case(m: 5, n: 5, k: 0, beta: 1), Case(m: 32, n: 64, k: 256, beta: 1), Case(m: 6, n: 11, k: 250, beta: 0.5)]
        for c in cases {
            let (vector, registers, plain, reference, ldc) = run(c)
            for i in 0..<c.m {
                for j in c.n..<ldc { XCTAssertEqual(Double(plain[i * ldc + j]), reference[i * ldc + j], "padding written, \(c)") }
            }
            let worst = zip(plain, reference).map { abs(Double($0) - $1) }.max() ?? 0
            // float32 sums of k products of values in [−1, 1].
            XCTAssertLessThan(worst, 2e-6 * Double(c.k) + 1e-6, "\(c)")
            if let vector, let registers {
                XCTAssertEqual(vector.map(\.bitPattern), plain.map(\.bitPattern), "AVX-512 and plain copies differ, \(c)")
                XCTAssertEqual(registers.map(\.bitPattern), plain.map(\.bitPattern), "registers and plain copies differ, \(c)")
            }
        }
    }

    /// An entry's bits do not depend on where it lies in C: a product split into row and column
    /// blocks (as threads split a layer's work) gives the whole product's bits.
    func testSplittingCChangesNoBit() {
        // The plain copy where the CPU lacks AVX-512 (the AVX-512 one declines there).
        assertSplittingCChangesNoBit(m: 20, n: 11, k: 2000, seed: 21) { m, n, k, a, lda, b, ldb, beta, c, ldc in
            if asl_sgemm_dot_avx512(m, n, k, a, lda, b, ldb, beta, c, ldc) == 0 { asl_sgemm_dot_plain(m, n, k, a, lda, b, ldb, beta, c, ldc) }
            return 1
        }
    }

    /// Runs `product` on the whole of an m × n C and on blocks of its rows (cut after row 7) and
    /// columns (after 1 and 5): every entry must have the same bits both ways.
    func assertSplittingCChangesNoBit(m: Int, n: Int, k: Int, seed: UInt64, _ product: ProductBT, file: StaticString = #filePath,
                                      line: UInt = #line) {
        let a = values(m * k, seed: seed), b = values(n * k, seed: seed + 1)
        func run(rows: Range<Int>, columns: Range<Int>, into c: inout [Float]) {
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        XCTAssertEqual(product(rows.count, columns.count, k, ap.baseAddress! + rows.lowerBound * k, k,
                                               bp.baseAddress! + columns.lowerBound * k, k, 0,
                                               cp.baseAddress! + rows.lowerBound * n + columns.lowerBound, n), 1, file: file, line: line)
                    }
                }
            }
        }
        var whole = [Float](repeating: 0, count: m * n), pieces = whole
        run(rows: 0..<m, columns: 0..<n, into: &whole)
        for rows in [0..<7, 7..<m] { for columns in [0..<1, 1..<5, 5..<n] { run(rows: rows, columns: columns, into: &pieces) } }
        XCTAssertEqual(whole.map(\.bitPattern), pieces.map(\.bitPattern), file: file, line: line)
    }
}

extension DotGEMMTests {
    /// The first conv's weight gradient with its columns made in cache a block at a time
    /// (`asl_conv_weight_gradient_dot_avx512`) has the bits of lowering them into memory and
    /// multiplying (`Im2Col.lower`, then `asl_sgemm_dot_avx512`): chunks of one and several
    /// images whose planes are not multiples of the 512-pixel blocks or the 16 lanes, kernels of
    /// 1, 3 and 5 with borders of zeros and of per-channel values, 64 lowering rows, C added to.
    /// It declines, writing nothing, for 65 rows and without AVX-512. Its bf16 copy has the bits of
    /// the lowered columns' bf16 register dots, and declines for 65 rows and without AVX512-BF16.
    func testConvolutionWeightGradientMakesTheColumnsWithTheirBits() throws {
        let shapes: [(channels: Int, outChannels: Int, images: Int, height: Int, width: Int, kernel: Int, padding: Int, padded: Bool)] = [
            (3, 32, 2, 20, 30, 3, 1, true), (3, 7, 1, 9, 13, 3, 1, false), (2, 5, 3, 11, 10, 5, 2, true), (4, 9, 2, 6, 7, 1, 0, false),
            (16, 4, 2, 8, 8, 2, 0, true), (3, 32, 1, 128, 128, 3, 1, true),
        ]
        for (index, s) in shapes.enumerated() {
            let batch = s.images + 1, plane = s.height * s.width
            let input = values(s.channels * batch * plane, seed: UInt64(40 + index)) // (C, N, H, W), the chunk starts at image 1
            let border = s.padded ? values(s.channels, seed: UInt64(50 + index)) : nil
            let geometry = Im2Col.Geometry(channels: s.channels, channelStride: batch * plane, height: s.height, width: s.width, kernel: s.kernel,
                                           padding: s.padding, paddingValues: border)
            let (oh, ow) = (geometry.outputHeight, geometry.outputWidth), rows = s.channels * s.kernel * s.kernel
            let width = s.images * oh * ow, ldy = width + 7
            let dy = values(s.outChannels * ldy, seed: UInt64(60 + index)), start = values(s.outChannels * rows, seed: UInt64(70 + index))
            var columns = [Float](repeating: 0, count: rows * width)
            for i in 0..<s.images {
                input.withUnsafeBufferPointer { x in
                    columns.withUnsafeMutableBufferPointer { cols in
                        Im2Col.lower(x.baseAddress! + (1 + i) * plane, geometry, into: cols.baseAddress! + i * oh * ow, rowStride: width)
                    }
                }
            }
            var lowered = start, made = start
            let multiplied = asl_sgemm_dot_avx512(s.outChannels, rows, width, dy, ldy, columns, width, 1, &lowered, rows)
            let ran = input.withUnsafeBufferPointer { x in
                BLAS.convolutionWeightGradient(m: s.outChannels, dy: dy, ldy: ldy, images: x.baseAddress! + plane, count: s.images, geometry,
                                               beta: 1, into: &made, ldc: rows)
            }
            guard asl_simd_has_avx512() != 0 else {
                XCTAssertFalse(ran, "case \(index): declines without AVX-512")
                XCTAssertEqual(made, start, "case \(index): nothing written")
                continue
            }
            XCTAssertNotEqual(multiplied, 0)
            XCTAssertTrue(ran, "case \(index)")
            XCTAssertEqual(made.map(\.bitPattern), lowered.map(\.bitPattern), "case \(index): \(s)")
            XCTAssertNotEqual(made, start, "case \(index): C was added to")
            // bf16: the bits of the bf16 register dots over the lowered columns (the same pairs in
            // the same lanes, the same tree), or declining without AVX512-BF16.
            var loweredBF16 = start, madeBF16 = start
            let ranBF16 = input.withUnsafeBufferPointer { x in
                BLAS.convolutionWeightGradient(m: s.outChannels, dy: dy, ldy: ldy, images: x.baseAddress! + plane, count: s.images, geometry,
                                               bf16: true, beta: 1, into: &madeBF16, ldc: rows)
            }
            guard asl_simd_has_avx512_bf16() != 0 else {
                XCTAssertFalse(ranBF16, "case \(index): bf16 declines without AVX512-BF16")
                XCTAssertEqual(madeBF16, start, "case \(index): nothing written")
                continue
            }
            XCTAssertEqual(asl_gemm_bf16_dot_registers_avx512(s.outChannels, rows, width, dy, ldy, columns, width, 1, &loweredBF16, rows), 1)
            XCTAssertTrue(ranBF16, "case \(index)")
            XCTAssertEqual(madeBF16.map(\.bitPattern), loweredBF16.map(\.bitPattern), "case \(index), bf16: \(s)")
            XCTAssertNotEqual(madeBF16.map(\.bitPattern), made.map(\.bitPattern), "case \(index): bf16 rounds")
        }
        // 65 lowering rows: declines, writing nothing.
        let geometry = Im2Col.Geometry(channels: 65, channelStride: 16, height: 4, width: 4, kernel: 1, padding: 0)
        var c = [Float](repeating: 3, count: 2 * 65)
        let input = values(65 * 16, seed: 1), dy = values(2 * 16, seed: 2)
        XCTAssertFalse(BLAS.convolutionWeightGradient(m: 2, dy: dy, ldy: 16, images: input, count: 1, geometry, beta: 1, into: &c, ldc: 65))
        XCTAssertFalse(BLAS.convolutionWeightGradient(m: 2, dy: dy, ldy: 16, images: input, count: 1, geometry, bf16: true, beta: 1, into: &c, ldc: 65))
        XCTAssertTrue(c.allSatisfy { $0 == 3 })
    }
}

extension DotGEMMTests {
    /// x rounded to bf16 as the kernels' packing rounds it (to nearest, ties to even): the value
    /// the bf16 products multiply.
    private func bf16(_ x: Float) -> Float {
        let bits = x.bitPattern
        return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
    }

    /// The bf16 dot-product kernel with its lanes in registers (Winograd's weight-gradient
    /// products in bf16): within float32 summation error of the float64 sum of the bf16-rounded
    /// operands, and never equal to the unrounded fp32 product; C's padding columns and, where
    /// the CPU lacks AVX512-BF16, all of C left as they were. Shapes cross every edge: partial
    /// 4 × 4 blocks, k not a multiple of the 32-value chunks, k of 0, beta 0, 1 and ½, and the
    /// Winograd pieces of SmallCNN's conv 2 (32 × 64 over 672 tiles) and conv 3 (64 × 128 over 256).
    func testBF16RegisterDotsSumTheRoundedOperands() {
        let cases = [Case(m: 32, n: 64, k: 672, beta: 1), Case(m: 64, n: 128, k: 256, beta: 1), Case(m: 13, n: 7, k: 1000, beta: 0),
                     Case(m: 1, n: 1, k: 17, beta: 1), Case(m: 6, n: 11, k: 33, beta: 0.5), Case(m: 5, n: 5, k: 0, beta: 1)]
        let hasBF16 = asl_simd_has_avx512_bf16() != 0
        for c in cases {
            let lda = c.k + 5, ldb = c.k + 9, ldc = c.n + 3
            let a = values(c.m * lda, seed: 31), b = values(c.n * ldb, seed: 32), start = values(c.m * ldc, seed: 33)
            var result = start
            let ran = a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    result.withUnsafeMutableBufferPointer { cp in
                        asl_gemm_bf16_dot_registers_avx512(c.m, c.n, c.k, ap.baseAddress!, lda, bp.baseAddress!, ldb, c.beta, cp.baseAddress!, ldc)
                    }
                }
            }
            guard hasBF16 else {
                XCTAssertEqual(ran, 0, "without AVX512-BF16 the kernel must decline, \(c)")
                XCTAssertEqual(result.map(\.bitPattern), start.map(\.bitPattern), "a declined call must leave C untouched, \(c)")
                continue
            }
            XCTAssertEqual(ran, 1, "\(c)")
            var worst = 0.0, unrounded = 0.0
            for i in 0..<c.m {
                for j in 0..<c.n {
                    var sum = Double(c.beta) * Double(start[i * ldc + j]), exact = sum
                    for p in 0..<c.k {
                        sum += Double(bf16(a[i * lda + p])) * Double(bf16(b[j * ldb + p]))
                        exact += Double(a[i * lda + p]) * Double(b[j * ldb + p])
                    }
                    worst = max(worst, abs(Double(result[i * ldc + j]) - sum))
                    unrounded = max(unrounded, abs(Double(result[i * ldc + j]) - exact))
                }
                for j in c.n..<ldc { XCTAssertEqual(result[i * ldc + j].bitPattern, start[i * ldc + j].bitPattern, "padding written, \(c)") }
            }
            // float32 sums of k products of values in [−1, 1].
            XCTAssertLessThan(worst, 2e-6 * Double(c.k) + 1e-6, "\(c)")
            if c.k >= 256 { XCTAssertGreaterThan(unrounded, 10 * worst, "the operands are rounded to bf16, \(c)") }
        }
    }

    /// An entry's bits do not depend on where it lies in C: the bf16 kernel on row and column
    /// blocks of C (other 4 × 4 blocks, other edge rows) gives the whole product's bits.
    func testBF16RegisterDotsSplittingCChangesNoBit() throws {
        try XCTSkipIf(asl_simd_has_avx512_bf16() == 0, "no AVX512-BF16 on this CPU (its declining is checked above)")
        assertSplittingCChangesNoBit(m: 21, n: 11, k: 300, seed: 41, asl_gemm_bf16_dot_registers_avx512)
    }
}
