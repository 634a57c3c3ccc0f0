import Foundation
import SIMDKernels

/// What one core can do for a product, measured: chains of 512-bit multiply-adds in registers
/// (no memory traffic) on the calling thread. A product's GFLOP/s over this ceiling is how
/// close it runs to the core, which says whether a faster step must come from the products'
/// kernel or from doing fewer operations.
public enum CorePeak {
    /// GFLOP/s of the instruction the precision's AVX-512 products use (fp32: `vfmadd231ps`;
    /// bf16: `vdpbf16ps`, also on CPUs whose bf16 products run on AMX tiles), the best of a few
    /// short runs; nil where the CPU lacks the instruction.
    public static func gigaflops(_ precision: Precision, runs: Int = 5) -> Double? {
        let bf16: Int32 = precision == .bf16 ? 1 : 0
        let iterations = 400_000
        guard asl_simd_peak_probe(bf16, 1000) > 0 else { return nil }
        var best = 0.0
        for _ in 0..<max(1, runs) {
            let start = EngineProfile.now()
            let operations = asl_simd_peak_probe(bf16, iterations)
            let seconds = EngineProfile.now() - start
            if seconds > 0 { best = max(best, operations / seconds / 1e9) }
        }
        return best
    }
}
