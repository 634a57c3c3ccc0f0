import COpenBLAS
import Foundation
import SIMDKernels

/// Row-major single-precision matrix products.
enum BLAS {
    /// C[m×n] = op(A) · op(B) + beta · C on the calling thread, with op = transpose when the
    /// flag is set; `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored.
    ///
    /// On AVX-512 CPUs this runs our packed kernel (SIMDKernels). OpenBLAS picks its kernels
    /// by CPU model, and on a core with full-width AVX-512 running its AVX2 ones (as the
    /// reference machine's environment asks, `OPENBLAS_CORETYPE=Haswell`) the engine's
    /// products ran at about half the core's peak. Elsewhere, or with `ASL_LAB_GEMM=openblas`,
    /// OpenBLAS.
    @inline(__always)
    static func gemm(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
                     _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        if GEMMKernel.current == .avx512,
           asl_sgemm_avx512(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, c, ldc) != 0 {
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// Which kernel runs the engine's matrix products (convolutions and linear layers); fixed
/// for the life of the process.
public enum GEMMKernel: String, Sendable {
    case avx512 = "avx512"
    case openBLAS = "openblas"

    /// AVX-512 when the CPU has it, unless the environment sets `ASL_LAB_GEMM=openblas`.
    public static let current: GEMMKernel = {
        if ProcessInfo.processInfo.environment["ASL_LAB_GEMM"]?.lowercased() == "openblas" { return .openBLAS }
        return asl_simd_has_avx512() != 0 ? .avx512 : .openBLAS
    }()
}
