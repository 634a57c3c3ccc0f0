import SIMDKernels

/// A lowered convolution with its 2 × 2 max-pool, bias and ReLU in the product's epilogue,
/// read from the image itself (`asl_conv_pooled_avx512`): neither the columns nor the
/// products are written, and the pooled values (and, in training, the winners) have the bits
/// of lowering, the product and the passes after it. fp32 on AVX-512 and bf16 on AVX512-BF16,
/// the two kernels whose sums it reproduces; OpenBLAS and AMX sum in other orders.
enum PooledConvolution {
    /// Whether `kernel`'s products have a pooled form here (the CPU may still lack it: packing says).
    static func covers(_ kernel: ProductKernel) -> Bool { kernel == .avx512 || kernel == .avx512BF16 }

    /// The C kernels' `bf16` argument for `kernel`: 1 for AVX512-BF16, 0 for fp32.
    private static func precision(_ kernel: ProductKernel) -> Int32 { kernel == .avx512BF16 ? 1 : 0 }

    /// Floats for the weights (m × k) packed.
    static func packedWeightsSize(_ kernel: ProductKernel, m: Int, k: Int) -> Int {
        asl_conv_pooled_packed_weights_bytes(precision(kernel), m, k) / 4
    }

    /// Packs row-major weights (m × k); false, writing nothing, where the kernel cannot run (the
    /// CPU lacks it, or k is more than one pass of its product: 192 in fp32, 384 in bf16).
    static func packWeights(_ kernel: ProductKernel, m: Int, k: Int, _ weights: UnsafePointer<Float>,
                            into packed: UnsafeMutablePointer<Float>) -> Bool {
        covers(kernel) && asl_conv_pooled_pack_weights(precision(kernel), m, k, weights, packed) != 0
    }

    /// Output rows `rows` of one image (its channel planes from `image`, as `geometry` says),
    /// convolved with `packedWeights` (m output channels), into (rows/2) × (W'/2) planes at
    /// out + i·channelStride: in inference (`winners` nil) pooled, then biased and ReLU'd; in
    /// training biased and ReLU'd, then pooled, with the winning positions in `winners` (same
    /// layout). False, writing nothing, where the kernel declines (see `asl_conv_pooled_avx512`).
    static func convolveAndPool(_ kernel: ProductKernel, m: Int, packedWeights: UnsafeRawPointer, image: UnsafePointer<Float>,
                                _ geometry: Im2Col.Geometry, rows: Range<Int>, bias: UnsafePointer<Float>, relu: Bool,
                                into out: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<UInt8>?, channelStride: Int) -> Bool {
        guard covers(kernel) else { return false }
        let g = geometry
        return g.withPaddingValues { border in
            asl_conv_pooled_avx512(precision(kernel), m, packedWeights, image, g.channels, g.channelStride, g.height, g.width,
                                   g.kernel, g.padding, border, rows.lowerBound, rows.count, bias, relu ? 1 : 0, out, winners,
                                   channelStride) != 0
        }
    }

    /// Whether `weightGradient` runs for this kernel and convolution here: the engine's AVX-512
    /// fp32 or AVX512-BF16 kernel (AMX and OpenBLAS sum in other orders), at most 243 lowering
    /// rows, whole 2 × 2 windows, and a CPU with AVX-512.
    static func weightGradientRuns(_ kernel: ProductKernel, _ geometry: Im2Col.Geometry) -> Bool {
        covers(kernel) && geometry.withPaddingValues { border in
            asl_conv_pooled_weight_gradient_avx512(precision(kernel), 0, nil, nil, nil, 0, 0, nil, geometry.channels, geometry.channelStride,
                                                   geometry.height, geometry.width, geometry.kernel, geometry.padding, border, nil, nil) != 0
        }
    }

    /// The weight gradient (m × C·kernel², row-major) and bias gradient of one image (its input
    /// at `image`, as `geometry` says) from its pooled output's gradient and the pool's winners
    /// (`asl_conv_pooled_weight_gradient_avx512`), added to `weightGradient` and `biasGradient`:
    /// each window adds its winner's lowered row, a quarter of the lowered product's work.
    /// False, adding nothing, where `weightGradientRuns` is false.
    static func weightGradient(_ kernel: ProductKernel, m: Int, image: UnsafePointer<Float>, _ geometry: Im2Col.Geometry,
                               pooled planes: MaxPool2d.PooledPlanes, into weightGradient: UnsafeMutablePointer<Float>,
                               biasGradient: UnsafeMutablePointer<Float>) -> Bool {
        guard covers(kernel) else { return false }
        let g = geometry
        return g.withPaddingValues { border in
            asl_conv_pooled_weight_gradient_avx512(precision(kernel), m, planes.gradient, planes.winners, planes.pooled, planes.channelStride,
                                                   planes.afterReLU ? 1 : 0, image, g.channels, g.channelStride, g.height, g.width, g.kernel,
                                                   g.padding, border, weightGradient, biasGradient) != 0
        }
    }
}
