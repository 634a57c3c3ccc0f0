import XCTest
import AMXTrap
import SIMDKernels
@testable import NN

/// The bf16 products (AVX512-BF16 kernel, AMX kernel and its scalar tile model) against a
/// plain triple loop.
///
/// Tolerances: rounding each operand to bf16 (8 significant bits, nearest even) changes it by
/// at most 2⁻⁹ of itself, so a product by at most ≈ 2⁻⁸ of itself; float32 accumulation of k
/// terms adds at most ≈ k·2⁻²⁴ of Σ|a·b|. Against the float32 product the bound is therefore
/// (2⁻⁸ + k·2⁻²⁴)·Σ|a·b|; against the product of the bf16-rounded operands, k·2⁻²⁴·Σ|a·b|.
final class BF16GEMMTests: XCTestCase {
    typealias Kernel = (Int32, Int32, Int, Int, Int, UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, Float,
                        UnsafeMutablePointer<Float>, Int) -> Int32

    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var random = Initializer(seed: seed)
        return (0..<count).map { _ in Float(random.unit() * 2 - 1) }
    }

    /// Runs `kernel` on one case with C inside a wider buffer and checks every entry; returns
    /// false when the kernel declined (C must then be untouched).
    @discardableResult
    private func check(_ kernel: Kernel, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, beta: Float,
                       file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let lda = transA ? m : k, ldb = transB ? k : n, ldc = n + 3
        let a = values(m * k, seed: 1), b = values(k * n, seed: 2)
        let start = values(m * ldc, seed: 3)
        var out = start
        let ran = a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { cp in
                    kernel(transA ? 1 : 0, transB ? 1 : 0, m, n, k, ap.baseAddress!, lda, bp.baseAddress!, ldb, beta, cp.baseAddress!, ldc)
                }
            }
        }
        guard ran != 0 else {
            XCTAssertEqual(out, start, "a declined call must leave C untouched", file: file, line: line)
            return false
        }
        for i in 0..<m {
            for j in 0..<ldc {
                let got = Double(out[i * ldc + j])
                guard j < n else {
                    XCTAssertEqual(out[i * ldc + j], start[i * ldc + j], "padding column \(j) of row \(i) was written", file: file, line: line)
                    continue
                }
                var exact = Double(beta) * Double(start[i * ldc + j]), rounded = exact, magnitude = abs(exact)
                for p in 0..<k {
                    let av = transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                    exact += Double(av) * Double(bv)
                    rounded += Double(ProductCheck.bf16(av)) * Double(ProductCheck.bf16(bv))
                    magnitude += abs(Double(av) * Double(bv))
                }
                let accumulation = Double(k + 2) * 0x1p-24 * magnitude + 1e-7
                XCTAssertLessThanOrEqual(abs(got - rounded), accumulation,
                                         "(\(i), \(j)) of \(m)×\(n)×\(k) tA \(transA) tB \(transB) β \(beta): against bf16 operands", file: file, line: line)
                XCTAssertLessThanOrEqual(abs(got - exact), 0x1p-8 * magnitude + accumulation,
                                         "(\(i), \(j)): against the float32 product", file: file, line: line)
            }
        }
        return true
    }

    private func allCases(_ kernel: Kernel, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        var ran = true
        for transA in [false, true] {
            for transB in [false, true] {
                for beta: Float in [0, 1, 0.5] {
                    // Odd k (a pair half empty), partial strips and 16 × 16 transposes with remainders.
                    ran = check(kernel, transA: transA, transB: transB, m: 5, n: 7, k: 3, beta: beta, file: file, line: line) && ran
                    ran = check(kernel, transA: transA, transB: transB, m: 37, n: 101, k: 53, beta: beta, file: file, line: line) && ran
                }
            }
        }
        // Every cache block crossed (m > 256, n > 512, k > 512 split into equal passes).
        ran = check(kernel, transA: false, transB: false, m: 261, n: 530, k: 777, beta: 0, file: file, line: line) && ran
        ran = check(kernel, transA: false, transB: true, m: 70, n: 290, k: 700, beta: 1, file: file, line: line) && ran
        ran = check(kernel, transA: true, transB: false, m: 300, n: 100, k: 129, beta: 0, file: file, line: line) && ran
        return ran
    }

    func testAVX512BF16KernelMatchesThePlainProductOrDeclines() {
        let ran = allCases(asl_gemm_bf16_avx512)
        XCTAssertEqual(ran, asl_simd_has_avx512_bf16() != 0, "runs exactly where the CPU has AVX512-BF16")
    }

    /// Products 64 or 128 columns wide run in 8 × 32 blocks, wide ones in 8 × 48 blocks: each
    /// entry is the same chain of vdpbf16ps either way, so the first columns of a wide product
    /// (672 columns: 14 strips of 48) have the bits of the narrow products of those columns alone,
    /// for both layouts of B, several passes over k, and with beta.
    func testNarrowProductsGiveTheBitsOfTheSameColumnsOfAWideOne() throws {
        try XCTSkipIf(asl_simd_has_avx512_bf16() == 0, "this CPU has no AVX512-BF16: the kernel declines (testAVX512BF16KernelMatchesThePlainProductOrDeclines)")
        let (m, k, wide) = (37, 777, 672)
        let a = values(m * k, seed: 11), b = values(k * wide, seed: 12), start = values(m * wide, seed: 13)
        for transB in [false, true] {
            // B as k × wide (row-major) or its transpose, wide × k.
            let stored = transB ? (0..<(wide * k)).map { b[($0 % k) * wide + $0 / k] } : b
            for beta: Float in [0, 0.5] {
                func product(columns n: Int) -> [Float] {
                    var c = (0..<(m * n)).map { start[($0 / n) * wide + $0 % n] }
                    let ran = asl_gemm_bf16_avx512(0, transB ? 1 : 0, m, n, k, a, k, stored, transB ? k : wide, beta, &c, n)
                    XCTAssertEqual(ran, 1)
                    return c
                }
                let whole = product(columns: wide)
                for n in [32, 64, 128, 100] {
                    let narrow = product(columns: n)
                    let first = (0..<(m * n)).map { whole[($0 / n) * wide + $0 % n] }
                    XCTAssertEqual(narrow.map(\.bitPattern), first.map(\.bitPattern), "\(n) columns, transB \(transB), beta \(beta)")
                }
            }
        }
    }

    /// The AMX driver (packing into tiles, k padding to whole tiles, 32 × 32 blocks and their
    /// edges) on a scalar model of the tile instructions, which runs on any AVX512-BF16 CPU.
    /// The ceiling probe counts the operations of exactly the loop it ran (24 chains of 16 lanes:
    /// 2 per fp32 FMA lane, 4 per vdpbf16ps lane), and declines with 0 / nil without the instruction.
    func testPeakProbeCountsItsOperationsOrDeclines() {
        XCTAssertEqual(asl_simd_peak_probe(0, 10), asl_simd_has_avx512() != 0 ? 10 * 24 * 16 * 2 : 0)
        XCTAssertEqual(asl_simd_peak_probe(1, 10), asl_simd_has_avx512_bf16() != 0 ? 10 * 24 * 16 * 4 : 0)
        XCTAssertEqual(CorePeak.gigaflops(.bf16, runs: 1) == nil, asl_simd_has_avx512_bf16() == 0)
        if let fp32 = CorePeak.gigaflops(.fp32, runs: 1) { XCTAssertGreaterThan(fp32, 0) } else { XCTAssertEqual(asl_simd_has_avx512(), 0) }
    }

    func testAMXTilingOnTheScalarTileModelMatchesThePlainProduct() throws {
        try XCTSkipIf(asl_simd_has_avx512_bf16() == 0, "the AMX driver's packing needs AVX512-BF16")
        XCTAssertTrue(allCases(asl_gemm_bf16_amx_emulated))
    }

    /// The compiled tile instruction sequence itself (`amx_block`, the tile configuration and its
    /// release), which the scalar tile model only mirrors: where the CPU has no AMX, `AMXTrap`
    /// carries out each tile instruction as the Intel SDM states it when it faults, and every
    /// case (edges, k padding, every cache block, both transposes, B packed once) must give the
    /// tile model's bits. Everywhere it must hold to the plain product and pass the engine's
    /// product check, and B packed once must give the bits of B packed in the product. On a CPU
    /// with AMX (Linux's grant asked for first) the real tiles run, and their bits are not held
    /// to the model: how the hardware rounds is what no test here can know.
    func testAMXInstructionsGiveTheTileModelsBits() throws {
        try XCTSkipIf(asl_simd_has_avx512_bf16() == 0, "the AMX driver's packing needs AVX512-BF16")
        let realTiles = asl_simd_has_amx_bf16() != 0
        XCTAssertEqual(asl_amx_trap_install(), 1, "the trap installs on x86-64 Linux")
        defer { asl_amx_trap_remove() }
        let (emulated, faults) = (asl_amx_trap_emulated(), asl_amx_trap_faults())
        func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }
        let shapes = [(5, 7, 3), (37, 101, 53), (32, 32, 32), (33, 31, 64), (261, 530, 777), (70, 290, 700), (300, 100, 129)]
        for (m, n, k) in shapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    let lda = transA ? m : k, ldb = transB ? k : n, ldc = n + 1
                    let a = values(m * k, seed: 11), b = values(k * n, seed: 12), start = values(m * ldc, seed: 13)
                    var tiles = start, model = start
                    let ran = (asl_gemm_bf16_amx_unchecked(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, 0.5, &tiles, ldc),
                               asl_gemm_bf16_amx_emulated(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, 0.5, &model, ldc))
                    XCTAssertTrue(ran == (1, 1), "\(m)×\(n)×\(k)")
                    if !realTiles { XCTAssertEqual(bits(tiles), bits(model), "\(m)×\(n)×\(k), transA \(transA), transB \(transB)") }
                }
            }
        }
        XCTAssertTrue(allCases(asl_gemm_bf16_amx_unchecked))
        XCTAssertNil(ProductCheck.disagreement(of: asl_gemm_bf16_amx_unchecked))
        // B packed once (inference's weights): the tile code reads the same panels.
        for (m, n, k) in [(7, 45, 3), (33, 530, 600)] {
            for transA in [false, true] {
                for transB in [false, true] {
                    let lda = transA ? m : k, ldb = transB ? k : n
                    let a = values(m * k, seed: 14), b = values(k * n, seed: 15), start = values(m * n, seed: 16)
                    let packed = UnsafeMutableRawPointer.allocate(byteCount: max(64, asl_gemm_bf16_amx_packed_b_bytes(k, n)), alignment: 64)
                    defer { packed.deallocate() }
                    XCTAssertEqual(asl_gemm_bf16_amx_pack_b(transB ? 1 : 0, k, n, b, ldb, packed), 1)
                    var once = start, each = start, model = start
                    XCTAssertEqual(asl_gemm_bf16_amx_packed_unchecked(transA ? 1 : 0, m, n, k, a, lda, packed, 1, &once, n), 1)
                    XCTAssertEqual(asl_gemm_bf16_amx_unchecked(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, 1, &each, n), 1)
                    XCTAssertEqual(asl_gemm_bf16_amx_emulated(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, 1, &model, n), 1)
                    let label = "packed B, \(m)×\(n)×\(k), transA \(transA), transB \(transB)"
                    XCTAssertEqual(bits(once), bits(each), label)
                    if !realTiles { XCTAssertEqual(bits(once), bits(model), label) }
                }
            }
        }
        XCTAssertEqual(asl_amx_trap_faults() - faults, 0, "no tile instruction the hardware would refuse")
        if !realTiles { XCTAssertGreaterThan(asl_amx_trap_emulated() - emulated, 1000, "the tile instructions ran (through the trap)") }
    }

    func testAMXKernelRunsOnlyWhereTheCPUAndLinuxAllowIt() {
        let ran = allCases(asl_gemm_bf16_amx)
        XCTAssertEqual(ran, asl_simd_has_amx_bf16() != 0, "declines cleanly (C untouched) without AMX-BF16 or the kernel's permission")
    }

    /// The check the engine puts AMX tiles through before it trusts them (`ProductCheck`)
    /// passes the tile model and the AVX512-BF16 kernel, and refuses what would train wrongly:
    /// a kernel that declines, one that swaps the transposes, one that drops a k tile, and the
    /// float32 kernel (whose operands are not rounded to bf16: off by up to 2⁻⁹ of a term).
    func testProductCheckPassesTheBF16KernelsAndRefusesWrongProducts() throws {
        try XCTSkipIf(asl_simd_has_avx512_bf16() == 0, "no AVX512-BF16: neither bf16 kernel runs here")
        XCTAssertNil(ProductCheck.disagreement(of: asl_gemm_bf16_amx_emulated))
        XCTAssertNil(ProductCheck.disagreement(of: asl_gemm_bf16_avx512))
        if asl_simd_has_amx_bf16() != 0 { XCTAssertNil(ProductCheck.disagreement(of: asl_gemm_bf16_amx), "this CPU's AMX tiles") }
        let declines: ProductCheck.Product = { _, _, _, _, _, _, _, _, _, _, _, _ in 0 }
        XCTAssertEqual(ProductCheck.disagreement(of: declines), "it declined a 40 × 48 × 100 product")
        let swapped: ProductCheck.Product = { ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc in
            asl_gemm_bf16_amx_emulated(tb, ta, m, n, k, a, lda, b, ldb, beta, c, ldc)
        }
        XCTAssertNotNil(ProductCheck.disagreement(of: swapped))
        // The last k tile missing: k = 100 summed as 96.
        let short: ProductCheck.Product = { ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc in
            asl_gemm_bf16_amx_emulated(ta, tb, m, n, k > 32 ? k / 32 * 32 : k, a, lda, b, ldb, beta, c, ldc)
        }
        XCTAssertNotNil(ProductCheck.disagreement(of: short))
        if asl_simd_has_avx512() != 0 { XCTAssertNotNil(ProductCheck.disagreement(of: asl_sgemm_avx512)) }
    }

    /// bf16 runs where some bf16 kernel does; elsewhere the engine says so and runs fp32.
    func testBF16EngineUsesAKernelTheCPUHasOrFallsBackWithANote() {
        let engine = Engine(threads: 1, precision: .bf16)
        switch ProductKernel.bf16 {
        case nil:
            XCTAssertEqual(engine.precision, .fp32)
            XCTAssertEqual(engine.kernel, ProductKernel.fp32)
            XCTAssertNotNil(engine.note)
        case let kernel?:
            XCTAssertEqual(engine.precision, .bf16)
            XCTAssertEqual(engine.kernel, kernel)
            // Real AMX tiles that fail the engine's check are a failure here, said plainly (the
            // engine then runs bf16 on AVX512-BF16 with a note).
            XCTAssertNil(ProductKernel.amxRefusal, "this CPU's AMX tiles failed the engine's product check")
            XCTAssertEqual(engine.note == nil, ProductKernel.amxRefusal == nil)
            XCTAssertEqual(kernel == .amxBF16, asl_simd_has_amx_bf16() != 0 && ProductKernel.amxRefusal == nil
                && ProcessInfo.processInfo.environment["ASL_LAB_BF16"]?.lowercased() != "avx512")
        }
        XCTAssertNil(Engine(threads: 1, precision: .fp32).note)
        XCTAssertEqual(Engine(threads: 1, precision: .fp32).precision, .fp32)
    }
}

extension BF16GEMMTests {
    /// Memory for a packed operand: 64-byte aligned, as the kernel's loads of B need.
    private func withPacked<R>(bytes: Int, _ body: (UnsafeMutableRawPointer) -> R) -> R {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(64, bytes), alignment: 64)
        defer { p.deallocate() }
        return body(p)
    }

    /// Both operands packed ahead (A by `_pack_a`, B by `_pack_b`) give the bits of the product
    /// that packs them itself, for k up to one pass over k (384 values): odd k (a half-empty
    /// pair), rows past whole 8-row strips, columns past whole 48-column strips, beta 0, 1 and ½.
    /// Beyond one pass, or without AVX512-BF16, the calls decline and leave C untouched.
    func testPrepackedOperandsGiveTheBitsOfTheProductThatPacksThem() {
        let hasBF16 = asl_simd_has_avx512_bf16() != 0
        for (m, n, k, beta) in [(5, 7, 3, Float(0)), (37, 101, 53, 1), (64, 672, 32, 0), (128, 256, 64, 0.5), (9, 49, 384, 1), (3, 5, 385, 0)] {
            let a = values(m * k, seed: 11), b = values(k * n, seed: 12), start = values(m * n, seed: 13)
            var reference = start, packed = start
            let referenceRan = asl_gemm_bf16_avx512(0, 0, m, n, k, a, k, b, n, beta, &reference, n)
            let ran = withPacked(bytes: asl_gemm_bf16_avx512_packed_a_bytes(m, k)) { pa in
                withPacked(bytes: asl_gemm_bf16_avx512_packed_b_bytes(k, n)) { pb -> Int32 in
                    let packedA = asl_gemm_bf16_avx512_pack_a(m, k, a, k, pa)
                    XCTAssertEqual(packedA != 0, hasBF16 && k <= 384, "A packs exactly where one pass covers k, \(m)×\(n)×\(k)")
                    _ = asl_gemm_bf16_avx512_pack_b(0, k, n, b, n, pb)
                    return asl_gemm_bf16_avx512_prepacked(m, n, k, pa, pb, beta, &packed, n)
                }
            }
            XCTAssertEqual(referenceRan != 0, hasBF16)
            XCTAssertEqual(ran != 0, hasBF16 && k <= 384, "runs exactly where the CPU has AVX512-BF16 and k ≤ 384, \(m)×\(n)×\(k)")
            if ran != 0 {
                XCTAssertEqual(packed.map(\.bitPattern), reference.map(\.bitPattern), "\(m)×\(n)×\(k), β \(beta)")
                XCTAssertNotEqual(packed, start, "the product was written")
            } else {
                XCTAssertEqual(packed, start, "a declined call leaves C untouched")
            }
        }
    }
}

extension BF16GEMMTests {
    /// The bf16 few-rows product (a linear layer's training forward: the weights read where they
    /// lie and rounded a row at a time) gives the packed kernel's bits
    /// (`checkFewRowsProductGivesThePackedKernelsBits`), k from 0 through an odd count (a pair
    /// whose second value is past k) to several passes of 384; it declines for 33 rows, and
    /// without AVX512-BF16, leaving C untouched.
    func testFewRowsProductGivesThePackedKernelsBits() {
        let hasBF16 = asl_simd_has_avx512_bf16() != 0
        let cases = checkFewRowsProductGivesThePackedKernelsBits(ks: [0, 7, 385, 1000], available: hasBF16,
                                                                  packed: { asl_gemm_bf16_avx512(0, 1, $0, $1, $2, $3, $4, $5, $6, $7, $8, $9) },
                                                                  fewRows: asl_gemm_bf16_avx512_few_rows_bt)
        XCTAssertEqual(cases, hasBF16 ? 5 * 3 * 4 * 3 : 0)
    }
}
