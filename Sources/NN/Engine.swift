import COpenBLAS
import Foundation
import SIMDKernels

/// The arithmetic of the engine's matrix products (convolutions and linear layers).
///
/// `bf16` is mixed precision as PyTorch's `autocast("cpu", bfloat16)`: the operands of each
/// product are rounded to bfloat16 and multiplied with float32 accumulation; weights stay
/// float32 (master copies), and the loss, activations between layers, gradients and Adam
/// stay float32.
public enum Precision: String, Sendable, CaseIterable, Codable {
    case fp32
    case bf16
}

/// How a model computes: its thread count, the precision of its products and, optionally, a
/// profile that times every phase. It travels with the model (`SmallCNN.engine`) and the
/// optimiser, set by whoever runs the job (trainer, analyser, benchmark); nothing about it is
/// process-wide.
///
/// Results do not depend on `threads`: every reduction across images runs over a split of the
/// batch fixed by its size alone (see `Conv2d`), and every other loop writes disjoint
/// outputs whose values do not depend on which thread computes them.
public struct Engine: Sendable {
    /// Threads the layers run on (1 to `maximumThreads`).
    public private(set) var threads: Int

    /// The most threads an engine runs on: far more than the cores of any machine the tool
    /// runs on. Beyond it the per-thread scratch grows for nothing, and a count near Int.max
    /// overflowed the loops' share arithmetic; the commands' `--threads` refuse more.
    public static let maximumThreads = 1024
    /// The precision asked for.
    public let requestedPrecision: Precision
    /// The product kernel that runs: fp32 (our AVX-512 kernel or OpenBLAS) or one of the bf16 ones.
    public let kernel: ProductKernel
    /// When set, every layer adds its phases' times and operation counts to it.
    public let profile: EngineProfile?
    /// How convolutions form their products where there is a choice.
    public let convolution: ConvolutionAlgorithm

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, precision: Precision = .fp32, profile: EngineProfile? = nil,
                convolution: ConvolutionAlgorithm = .winograd) {
        self.init(threads: threads, requestedPrecision: precision, kernel: ProductKernel.running(precision), profile: profile,
                  convolution: convolution)
    }

    /// An engine on `kernel`, whatever the CPU has: for tests, which run the AMX kernel's
    /// driver on its scalar tile model where the CPU has no AMX (`BLAS.gemm`).
    init(threads: Int, kernel: ProductKernel, profile: EngineProfile? = nil, convolution: ConvolutionAlgorithm = .winograd) {
        self.init(threads: threads, requestedPrecision: kernel.precision, kernel: kernel, profile: profile, convolution: convolution)
    }

    private init(threads: Int, requestedPrecision: Precision, kernel: ProductKernel, profile: EngineProfile?, convolution: ConvolutionAlgorithm) {
        Self.configureProcess()
        self.convolution = convolution
        self.threads = min(max(1, threads), Self.maximumThreads)
        self.requestedPrecision = requestedPrecision
        self.kernel = kernel
        self.profile = profile
    }

    /// This engine on one thread: for a worker's own copy of layers inside work that already
    /// runs on every thread (same kernel, precision and profile).
    var singleThreaded: Engine {
        var engine = self
        engine.threads = 1
        return engine
    }

    /// The precision the products actually run in: fp32 when bf16 was asked for on a CPU with
    /// neither AVX512-BF16 nor AMX-BF16.
    public var precision: Precision { kernel.precision }

    /// One line for the user when the requested precision cannot run here, or runs on other
    /// instructions than the CPU's best because those failed their check; nil otherwise.
    public var note: String? {
        guard requestedPrecision == .bf16 else { return nil }
        if precision == .fp32 {
            return "note: this CPU has neither AVX512-BF16 nor AMX-BF16; train.precision bf16 runs in fp32 (\(kernel.rawValue))"
        }
        if kernel == .avx512BF16, let refusal = ProductKernel.amxRefusal {
            return "note: this CPU's AMX-BF16 products failed a check (\(refusal)); bf16 runs on AVX512-BF16 instead"
        }
        return nil
    }

    /// glibc returns large blocks (≥ 128 KB) to the kernel on free, so every batch's
    /// activations were fresh pages: a page fault and a zeroed page per 4 KB, about a third of
    /// a training step. Keeping blocks up to 32 MB in the heap lets the next batch reuse them;
    /// the layers keep their larger buffers themselves (`Tensor.take`). OpenBLAS stays
    /// single-threaded: the engine runs its own threads, each with its own product.
    public static func configureProcess() { configured }

    private static let configured: Void = {
        openblas_set_num_threads(1)
        #if os(Linux)
        _ = glibcMallopt(-3, 32 << 20) // M_MMAP_THRESHOLD, at glibc's maximum (malloc.h is not in Swift's Glibc module)
        _ = glibcMallopt(-1, 1 << 30) // M_TRIM_THRESHOLD
        #endif
    }()
}

#if os(Linux)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
