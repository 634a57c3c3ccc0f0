import COpenBLAS
import Foundation

/// How many threads the engine uses.
///
/// The engine runs its own threads and keeps OpenBLAS single-threaded: each thread takes a
/// contiguous share of the batch (or of a layer's outputs) through lowering, its own sgemm
/// and the element-wise passes. With OpenBLAS's threads instead, its workers spun between
/// GEMMs while the element-wise passes ran on one core, and any second pool fought them for
/// the cores.
public enum Threads {
    nonisolated(unsafe) private static var current = ProcessInfo.processInfo.activeProcessorCount

    /// Sets the engine's thread count (at least 1).
    public static func set(_ n: Int) {
        current = max(1, n)
        configured
    }

    /// glibc returns large blocks (≥ 128 KB) to the kernel on free, so every batch's
    /// activations were fresh pages: a page fault and a zeroed page per 4 KB, about a third of
    /// a training step. Keeping blocks up to 32 MB in the heap lets the next batch reuse them;
    /// the layers keep their larger buffers themselves (`Tensor.take`).
    private static let configured: Void = {
        openblas_set_num_threads(1)
        _ = glibcMallopt(-3, 32 << 20) // M_MMAP_THRESHOLD, at glibc's maximum (malloc.h is not in Swift's Glibc module)
        _ = glibcMallopt(-1, 1 << 30) // M_TRIM_THRESHOLD
    }()

    public static var count: Int {
        configured
        return current
    }
}

@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
