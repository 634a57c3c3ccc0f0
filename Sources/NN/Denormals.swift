import SIMDKernels

/// The engine computes with denormal floats flushed to zero: a result below 2⁻¹²⁶ (about
/// 1.2 × 10⁻³⁸) becomes 0 and such an operand reads as 0, on every thread while it does the
/// engine's work (x86's FTZ and DAZ; the mode is put back afterwards, so code outside the
/// engine, such as the drawing or t-SNE, keeps IEEE's gradual underflow).
///
/// Why: training makes denormals as a matter of course. Adam's first moment of a weight whose
/// gradient stays 0 (a hidden unit whose ReLU no longer fires) shrinks by β₁ = 0.9 a step and
/// falls below 2⁻¹²⁶ some 650 steps later; a confident softmax's probabilities for the other
/// letters underflow, and with them the class head's gradient. In the default run, with IEEE
/// underflow, most Adam updates met them, in 5 % of their 16-float vectors (AMD EPYC,
/// counted from MXCSR's flags and the moments). Intel's cores take a microcode assist, of the
/// order of a hundred cycles, for each instruction that reads or makes one; AMD's handle them
/// in hardware. Values this small change nothing a model computes (an update of 10⁻³⁸ is
/// absorbed by any weight), so flushing them costs no accuracy, and since every engine thread
/// runs in the same mode, defined the same on both kinds of machine, the bits still depend on
/// neither the thread count nor the CPU kind.
enum Denormals {
    /// Runs `body` on this thread with denormals flushed, then restores the thread's mode.
    @inline(__always)
    static func flushed<T>(_ body: () throws -> T) rethrows -> T {
        let saved = asl_fp_flush_denormals()
        defer { asl_fp_restore_mode(saved) }
        return try body()
    }

    /// Whether this thread flushes denormals now (for tests).
    static var flushing: Bool { asl_fp_flushes_denormals() != 0 }
}
