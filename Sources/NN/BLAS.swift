import COpenBLAS
import Foundation
import SIMDKernels

/// Row-major matrix products with float32 results.
enum BLAS {
    /// AMX's product, and its form with B packed once: the tiles where the CPU has them, else
    /// the driver on its scalar model of the tile instructions. Only a test's engine
    /// (`Engine(threads:kernel:)`) asks for AMX on a CPU without it.
    static let amxProduct = asl_simd_has_amx_bf16() != 0 ? asl_gemm_bf16_amx : asl_gemm_bf16_amx_emulated
    static let amxPackedProduct = asl_simd_has_amx_bf16() != 0 ? asl_gemm_bf16_amx_packed : asl_gemm_bf16_amx_packed_emulated

    /// C[m×n] = op(A) · op(B) + beta · C on the calling thread, with op = transpose when the
    /// flag is set; `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored. `kernel`
    /// says how: float32 in our AVX-512 kernel or OpenBLAS, or bf16 operands with float32
    /// accumulation (AVX512-BF16 or AMX). A kernel that declines (the CPU lacks it, buffers
    /// could not be had) leaves C untouched and the product runs in OpenBLAS's float32.
    ///
    /// On AVX-512 CPUs float32 runs in our packed kernel (SIMDKernels). OpenBLAS picks its kernels
    /// by CPU model, and on a core with full-width AVX-512 running its AVX2 ones (as the
    /// reference machine's environment asks, `OPENBLAS_CORETYPE=Haswell`) the engine's
    /// products ran at about half the core's peak.
    @inline(__always)
    static func gemm(_ kernel: ProductKernel, _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
                     _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        let ta: Int32 = transA ? 1 : 0, tb: Int32 = transB ? 1 : 0
        switch kernel {
        case .avx512:
            if usesFewRows(kernel, transA: transA, transB: transB, m: m, k: k),
               asl_sgemm_avx512_few_rows_bt(m, n, k, a, lda, b, ldb, beta, c, ldc) != 0 { return }
            if asl_sgemm_avx512(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc) != 0 { return }
        case .avx512BF16:
            if usesFewRows(kernel, transA: transA, transB: transB, m: m, k: k),
               asl_gemm_bf16_avx512_few_rows_bt(m, n, k, a, lda, b, ldb, beta, c, ldc) != 0 { return }
            if asl_gemm_bf16_avx512(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc) != 0 { return }
        case .amxBF16:
            if amxProduct(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc) != 0 { return }
        case .openBLAS:
            break
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension BLAS {
    /// C[m×n] = A · Bᵀ + beta · C for row-major A (m × k) and B (n × k): `gemm(kernel, false, true, …)`.
    /// fp32 on AVX-512 runs it as dot products of the rows (`asl_sgemm_dot_avx512`) where C is
    /// small and k long (`usesDotProducts`; the first conv's weight gradient, 32 × 27 over a
    /// chunk's pixels): the packed kernel spends most of such a product gathering and
    /// transposing the operands. Each entry has the same bits wherever it lies in C, so any
    /// split of C is free; which kernel runs depends on the shape alone.
    @inline(__always)
    static func gemmTransposedB(_ kernel: ProductKernel, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int,
                                _ b: UnsafePointer<Float>, ldb: Int, beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        if kernel == .avx512, usesDotProducts(m: m, n: n, k: k), asl_sgemm_dot_avx512(m, n, k, a, lda, b, ldb, beta, c, ldc) != 0 { return }
        gemm(kernel, false, true, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
    }

    /// A lowered convolution's weight gradient as `gemmTransposedB` computes it with dot products,
    /// C (m × C·kernel²) = beta·C + dY · colsᵀ, where the columns are the lowering of `count`
    /// images from `images` (`geometry`, each image h·w further on) over all their output pixels
    /// and dY is m × (count · output plane) with row stride `ldy`: the columns are made a block
    /// of k at a time in cache (`asl_conv_weight_gradient_dot_avx512`), the same bits as
    /// lowering them into memory first. False, writing nothing, where that kernel declines
    /// (without AVX-512, more than 64 lowering rows, or a C larger than one group of its lanes).
    /// With `bf16`, the products are bf16's (`asl_conv_weight_gradient_dot_bf16_avx512`: each block's
    /// rows rounded once, pairs added by `vdpbf16ps`), which also declines without AVX512-BF16.
    static func convolutionWeightGradient(m: Int, dy: UnsafePointer<Float>, ldy: Int, images: UnsafePointer<Float>, count: Int,
                                          _ geometry: Im2Col.Geometry, bf16: Bool = false, beta: Float, into c: UnsafeMutablePointer<Float>,
                                          ldc: Int) -> Bool {
        let g = geometry
        let product = bf16 ? asl_conv_weight_gradient_dot_bf16_avx512 : asl_conv_weight_gradient_dot_avx512
        return g.withPaddingValues { border in
            product(m, dy, ldy, images, count, g.height * g.width, g.channels, g.channelStride, g.height, g.width, g.kernel, g.padding, border,
                    beta, c, ldc) != 0
        }
    }

    /// Where dot products beat the packed kernel: at most 4096 entries (their lanes stay in L2)
    /// and k of 1024 or more (the lanes' final sums are then a small share). The direct
    /// convolutions' weight gradients at 64 and 32 px (64 × 288 and 128 × 576 entries, k of
    /// 4096 and 1024 pixels an image) ran at two thirds of the packed kernel's speed.
    static func usesDotProducts(m: Int, n: Int, k: Int) -> Bool { m * n <= 4096 && k >= 1024 }

    /// Where the few-rows product (`asl_sgemm_avx512_few_rows_bt`, or in bf16
    /// `asl_gemm_bf16_avx512_few_rows_bt`; each the bits of its packed kernel) replaces the
    /// packed kernel: A · Bᵀ with at most 32 rows and k of 1024 or more, a linear layer's
    /// forward over a batch. Packing Bᵀ transposes every weight for only 32 uses of each; the
    /// heads' forward ran 1.3–1.5× faster without it in fp32, and 1.4–1.6× in bf16 (AMD EPYC,
    /// one core: 32 × 128 over 32 768 inputs, 3.4–4.0 ms packed, 2.1–2.6 ms in place).
    static func usesFewRows(_ kernel: ProductKernel, transA: Bool, transB: Bool, m: Int, k: Int) -> Bool {
        (kernel == .avx512 || kernel == .avx512BF16) && !transA && transB && m <= 32 && k >= 1024
    }

    /// C[m×n] = op(A) · B + beta · C with B packed already (`PackedOperand`, for this kernel and
    /// these n and k): the same bits as `gemm` with B unpacked.
    @inline(__always)
    static func gemm(_ transA: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, packed b: PackedOperand,
                     beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(b.k == k && b.n == n, "a packed operand of \(b.k) × \(b.n) used as \(k) × \(n)")
        let ta: Int32 = transA ? 1 : 0
        let done: Int32
        switch b.kernel {
        case .avx512: done = asl_sgemm_avx512_packed(ta, m, n, k, a, lda, b.storage, beta, c, ldc)
        case .avx512BF16: done = asl_gemm_bf16_avx512_packed(ta, m, n, k, a, lda, b.storage, beta, c, ldc)
        case .amxBF16: done = amxPackedProduct(ta, m, n, k, a, lda, b.storage, beta, c, ldc)
        case .openBLAS: done = 0
        }
        precondition(done != 0, "a packed operand exists only for a kernel that runs here")
    }
}

/// op(B) packed once, for many products with the same B (a layer's weights between two
/// updates): packing is most of a product whose other operand is small, as a linear layer's
/// batch is. Only the engine's own kernels have this form (fp32 AVX-512, AVX512-BF16, AMX:
/// without it, AMX inference converted the heads' 12.6 M weights to bf16 tiles every batch).
final class PackedOperand: @unchecked Sendable {
    let kernel: ProductKernel
    let k: Int
    let n: Int
    let storage: UnsafeMutableRawPointer

    /// Packs op(B) (k × n; `transB` as in `BLAS.gemm`); nil where `kernel` has no packed form or
    /// cannot run on this CPU.
    init?(kernel: ProductKernel, transB: Bool, k: Int, n: Int, _ b: UnsafePointer<Float>, ldb: Int) {
        let bytes: Int, pack: (Int32, Int, Int, UnsafePointer<Float>, Int, UnsafeMutableRawPointer) -> Int32
        switch kernel {
        case .avx512: (bytes, pack) = (asl_sgemm_avx512_packed_b_bytes(k, n), asl_sgemm_avx512_pack_b)
        case .avx512BF16: (bytes, pack) = (asl_gemm_bf16_avx512_packed_b_bytes(k, n), asl_gemm_bf16_avx512_pack_b)
        case .amxBF16: (bytes, pack) = (asl_gemm_bf16_amx_packed_b_bytes(k, n), asl_gemm_bf16_amx_pack_b)
        case .openBLAS: return nil
        }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(64, bytes), alignment: 64)
        guard pack(transB ? 1 : 0, k, n, b, ldb, storage) != 0 else {
            storage.deallocate()
            return nil
        }
        (self.kernel, self.k, self.n, self.storage) = (kernel, k, n, storage)
    }

    deinit { storage.deallocate() }
}

/// Which kernel runs the engine's matrix products (convolutions and linear layers).
public enum ProductKernel: String, Sendable, CaseIterable {
    /// float32, our packed AVX-512 kernel.
    case avx512 = "avx512"
    /// float32, OpenBLAS.
    case openBLAS = "openblas"
    /// bf16 operands, float32 accumulation: AVX512-BF16's `vdpbf16ps` in our packed kernel.
    case avx512BF16 = "avx512-bf16"
    /// bf16 operands, float32 accumulation: AMX tiles (`tdpbf16ps`).
    case amxBF16 = "amx-bf16"

    public var precision: Precision {
        switch self {
        case .avx512, .openBLAS: return .fp32
        case .avx512BF16, .amxBF16: return .bf16
        }
    }

    /// The kernel an engine asked for `precision` runs on in this process (bf16 falls back to
    /// fp32's kernel on a CPU with no bf16 one).
    public static func running(_ precision: Precision) -> ProductKernel {
        precision == .bf16 ? (bf16 ?? fp32) : fp32
    }

    /// This kernel's name where a model trained on it in `precision` has other bytes than on
    /// the kernel both kinds of the project's machines share (fp32: AVX-512, bf16:
    /// AVX512-BF16): OpenBLAS sums in its own order, AMX's tiles in theirs, and bf16 on a CPU
    /// without a bf16 kernel is fp32 arithmetic. Nil on the shared kernels, whose bytes are
    /// the same on both kinds.
    public func distinctArithmetic(for precision: Precision) -> String? {
        self == (precision == .bf16 ? .avx512BF16 : .avx512) ? nil : rawValue
    }

    /// The float32 kernel: AVX-512 when the CPU has it, unless the environment sets
    /// `ASL_LAB_GEMM=openblas`. Fixed for the life of the process.
    public static let fp32: ProductKernel = {
        if KernelEnvironment.value("ASL_LAB_GEMM") == "openblas" { return .openBLAS }
        return asl_simd_has_avx512() != 0 ? .avx512 : .openBLAS
    }()

    /// The bf16 kernel, or nil on a CPU with neither: AMX where the CPU has AMX-BF16, Linux
    /// grants the process its tile state (asked for once, here) and the tiles pass
    /// `ProductCheck` on a few products, else AVX512-BF16. `ASL_LAB_BF16=avx512` skips AMX;
    /// `ASL_LAB_BF16=none` acts as a CPU with neither, so that the fallback to fp32, which
    /// neither kind of the project's machines would otherwise take, can be seen and tested.
    public static var bf16: ProductKernel? { bf16Choice.kernel }

    /// Why bf16 does not run on the AMX tiles this CPU has (they failed `ProductCheck`), for
    /// the engine's note; nil when it does, or when the CPU has no AMX.
    static var amxRefusal: String? { bf16Choice.amxRefusal }

    private static let bf16Choice: (kernel: ProductKernel?, amxRefusal: String?) = {
        let choice = KernelEnvironment.value("ASL_LAB_BF16")
        if choice == "none" { return (nil, nil) }
        let skipAMX = choice == "avx512"
        var refusal: String?
        if !skipAMX, asl_simd_has_amx_bf16() != 0 {
            guard let disagreement = ProductCheck.disagreement(of: asl_gemm_bf16_amx) else { return (.amxBF16, nil) }
            refusal = disagreement
        }
        return (asl_simd_has_avx512_bf16() != 0 ? .avx512BF16 : nil, refusal)
    }()
}

/// Row-major single-precision matrix products for code outside the engine (t-SNE's distance
/// blocks, PCA's covariance): C[m×n] = alpha · op(A) · op(B) + beta · C on the calling thread.
/// With beta 0 (every caller) they run in the engine's AVX-512 kernel where the engine's fp32
/// does, then scale by alpha: OpenBLAS picks its kernels, and so its sums' order, by CPU model
/// and `OPENBLAS_CORETYPE`, so the analysis of one model gave other bytes on the two kinds of
/// machine (or with another setting of that variable), where the engine's kernel gives the
/// same on every AVX-512 CPU. Otherwise OpenBLAS, single-threaded (`Engine.configureProcess`);
/// NN owns every BLAS call, so no other module links OpenBLAS.
public enum MatrixProduct {
    public static func multiply(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                                _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                                beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        if beta == 0, ProductKernel.fp32 == .avx512,
           asl_sgemm_avx512(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, 0, c, ldc) != 0 {
            if alpha != 1 {
                for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= alpha } }
            }
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
