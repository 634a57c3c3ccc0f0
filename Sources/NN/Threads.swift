import COpenBLAS
import Foundation

/// How many threads the engine uses. Matrix products run on OpenBLAS's threads; the
/// element-wise layers run on the calling thread, because between GEMMs OpenBLAS's workers
/// spin, and a second pool fighting them for the cores was slower than one thread doing the
/// memory-bound work alone.
public enum Threads {
    nonisolated(unsafe) private static var current = ProcessInfo.processInfo.activeProcessorCount

    /// Sets the thread count for BLAS and the element-wise kernels.
    public static func set(_ n: Int) {
        current = max(1, n)
        openblas_set_num_threads(Int32(current))
        keepLargeAllocations
    }

    /// glibc returns large blocks (≥ 128 KB) to the kernel on free, so every batch's
    /// activations were fresh pages: a page fault and a zeroed page per 4 KB, about a third of
    /// a training step. Keeping blocks up to 32 MB in the heap lets the next batch reuse them;
    /// the layers keep their larger buffers themselves (`Tensor.take`).
    private static let keepLargeAllocations: Void = {
        _ = glibcMallopt(-3, 32 << 20) // M_MMAP_THRESHOLD, at glibc's maximum (malloc.h is not in Swift's Glibc module)
        _ = glibcMallopt(-1, 1 << 30) // M_TRIM_THRESHOLD
    }()

    public static var count: Int { current }
}

@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
