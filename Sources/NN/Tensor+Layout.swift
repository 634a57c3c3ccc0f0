extension Tensor {
    /// The tensor with its first two axes swapped: (A, B, …) → (B, A, …). Converts between
    /// PyTorch's NCHW and the engine's channel-major CNHW, and flattens CNHW features to
    /// (N, C·H·W) rows in PyTorch's C, H, W order.
    public func swappingLeadingAxes(threads: Int = 1) -> Tensor {
        var buffer = Tensor(zeros: [0])
        return swappingLeadingAxes(reusing: &buffer, threads: threads)
    }

    /// `swappingLeadingAxes()` into `buffer`'s storage when it has the right size.
    func swappingLeadingAxes(reusing buffer: inout Tensor, threads: Int) -> Tensor {
        precondition(shape.count >= 2, "swapping axes needs at least two")
        let (a, b) = (shape[0], shape[1])
        let block = shape.dropFirst(2).reduce(1, *)
        var out = Tensor.take(&buffer, [b, a] + shape.dropFirst(2))
        data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                nonisolated(unsafe) let (s, d) = (src.baseAddress!, dst.baseAddress!)
                Parallel.shares(a, threads: threads, minimumPerPart: 4) { rows in
                    for i in rows {
                        for j in 0..<b { (d + (j * a + i) * block).update(from: s + (i * b + j) * block, count: block) }
                    }
                }
            }
        }
        return out
    }
}
