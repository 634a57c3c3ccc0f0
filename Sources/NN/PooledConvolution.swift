import SIMDKernels

/// Inference's convolution with the 2 × 2 max-pool, bias and ReLU in the product's epilogue
/// (`asl_conv_pooled_bf16_avx512`), read from the image itself: neither the columns nor the
/// products are written, and the pooled values have the bits of lowering, the bf16 product
/// and `MaxPool2d.poolRowsBiased`. AVX512-BF16 only: AMX sums its products in another order,
/// and fp32 keeps its product and pooling pass.
enum PooledConvolution {
    /// Floats for the weights (m × k) packed, from a 64-byte boundary.
    static func packedWeightsSize(m: Int, k: Int) -> Int { asl_gemm_bf16_avx512_packed_a_bytes(m, k) / 4 }

    /// Packs row-major weights (m × k); false, writing nothing, where the kernel cannot run (no
    /// AVX512-BF16, or k > 384).
    static func packWeights(m: Int, k: Int, _ weights: UnsafePointer<Float>, into packed: UnsafeMutablePointer<Float>) -> Bool {
        asl_gemm_bf16_avx512_pack_a(m, k, weights, k, packed) != 0
    }

    /// Output rows `rows` of one image (its channel planes from `image`, as `geometry` says),
    /// convolved with `packedWeights` (m output channels), pooled, biased and ReLU'd into
    /// (rows/2) × (W'/2) planes at out + i·channelStride. False, writing nothing, where the
    /// kernel declines (see `asl_conv_pooled_bf16_avx512`).
    static func convolveAndPool(m: Int, packedWeights: UnsafeRawPointer, image: UnsafePointer<Float>, _ geometry: Im2Col.Geometry,
                                rows: Range<Int>, bias: UnsafePointer<Float>, relu: Bool, into out: UnsafeMutablePointer<Float>,
                                channelStride: Int) -> Bool {
        let g = geometry
        func call(_ border: UnsafePointer<Float>?) -> Bool {
            asl_conv_pooled_bf16_avx512(m, packedWeights, image, g.channels, g.channelStride, g.height, g.width, g.kernel, g.padding, border,
                                        rows.lowerBound, rows.count, bias, relu ? 1 : 0, out, channelStride) != 0
        }
        guard let values = g.paddingValues else { return call(nil) }
        precondition(values.count == g.channels, "one padding value per input channel")
        return values.withUnsafeBufferPointer { call($0.baseAddress!) }
    }
}
