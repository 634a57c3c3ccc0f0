import XCTest
import SIMDKernels
@testable import NN

/// The lowered convolution that reads the image and biases and pools in its product's
/// epilogue (`asl_conv_pooled_avx512`, `PooledConvolution`): the bits of lowering, the
/// product and the passes after it, which it replaces, in fp32 and bf16, inference and
/// training (with the winners); and its backward, whose weight gradient makes the columns in
/// cache (`BLAS.convolutionWeightGradient`).
final class PooledConvolutionTests: XCTestCase {
    private struct Shape {
        var channels: Int, outChannels: Int, height: Int, width: Int, kernel: Int, padding: Int
        var padded: Bool, relu: Bool, row0: Int, rows: Int
        var outputWidth: Int { width + 2 * padding - kernel + 1 }
        var k: Int { channels * kernel * kernel }
    }

    /// The engine's kernels of each precision that run on this CPU and have a pooled form.
    private var kernels: [ProductKernel] {
        [ProductKernel.avx512, .avx512BF16].filter { $0 == .avx512 ? asl_simd_has_avx512() != 0 : asl_simd_has_avx512_bf16() != 0 }
    }

    private func values(_ count: Int, seed: UInt64) -> [Float] { randomTensor([count], seed: seed).data }

    private struct Pooled: Equatable {
        var values: [UInt32]
        var winners: [UInt8]
    }

    /// The kernel's pooled planes and winners (nil where it declined) and the reference's:
    /// lowering, `BLAS.gemm` with `kernel`, then in inference `MaxPool2d.poolRowsBiased`, in
    /// training `Elementwise.addBias` and `MaxPool2d.poolRows`, channel by channel. The planes
    /// sit `gap` entries apart, filled with markers the kernel must leave alone.
    private func pooled(_ s: Shape, _ kernel: ProductKernel, training: Bool, seed: UInt64) -> (fused: Pooled?, reference: Pooled) {
        let image = values(s.channels * s.height * s.width, seed: seed), weights = values(s.outChannels * s.k, seed: seed + 1)
        let bias = values(s.outChannels, seed: seed + 2), border = s.padded ? values(s.channels, seed: seed + 3) : nil
        let pooledWidth = s.outputWidth / 2, plane = (s.rows / 2) * pooledWidth, gap = 5, stride = plane + gap
        let marker = Float(bitPattern: 0x7FC0_1234)
        let geometry = Im2Col.Geometry(channels: s.channels, channelStride: s.height * s.width, height: s.height, width: s.width,
                                       kernel: s.kernel, padding: s.padding, paddingValues: border)
        var fused = [Float](repeating: marker, count: s.outChannels * stride), fusedWinners = [UInt8](repeating: 9, count: fused.count)
        var packed = [Float](repeating: 0, count: PooledConvolution.packedWeightsSize(kernel, m: s.outChannels, k: s.k))
        let ran = PooledConvolution.packWeights(kernel, m: s.outChannels, k: s.k, weights, into: &packed) && packed.withUnsafeBytes { p in
            fused.withUnsafeMutableBufferPointer { out in
                fusedWinners.withUnsafeMutableBufferPointer { win in
                    PooledConvolution.convolveAndPool(kernel, m: s.outChannels, packedWeights: p.baseAddress!, image: image, geometry,
                                                      rows: s.row0..<(s.row0 + s.rows), bias: bias, relu: s.relu, into: out.baseAddress!,
                                                      winners: training ? win.baseAddress! : nil, channelStride: stride)
                }
            }
        }
        let width = s.rows * s.outputWidth
        var columns = [Float](repeating: 0, count: s.k * width), products = [Float](repeating: 0, count: s.outChannels * width)
        var reference = [Float](repeating: marker, count: s.outChannels * stride), winners = [UInt8](repeating: 9, count: reference.count)
        Im2Col.lower(image, geometry, outputRows: s.row0..<(s.row0 + s.rows), into: &columns, rowStride: width)
        BLAS.gemm(kernel, false, false, m: s.outChannels, n: width, k: s.k, weights, lda: s.k, columns, ldb: width, beta: 0, &products, ldc: width)
        products.withUnsafeMutableBufferPointer { pr in
            reference.withUnsafeMutableBufferPointer { out in
                winners.withUnsafeMutableBufferPointer { win in
                    for ch in 0..<s.outChannels {
                        let (p, o) = (pr.baseAddress! + ch * width, out.baseAddress! + ch * stride)
                        if training {
                            Elementwise.addBias(p, count: width, bias: bias[ch], relu: s.relu)
                            MaxPool2d.poolRows(p, o, win.baseAddress! + ch * stride, height: s.rows, width: s.outputWidth)
                        } else {
                            MaxPool2d.poolRowsBiased(p, o, height: s.rows, width: s.outputWidth, bias: bias[ch], relu: s.relu)
                        }
                    }
                }
            }
        }
        return (ran ? Pooled(values: fused.map(\.bitPattern), winners: fusedWinners) : nil,
                Pooled(values: reference.map(\.bitPattern), winners: winners))
    }

    /// Channel counts off the kernel's groups of 4, pooled rows off its 16 lanes (20 = 16 + 4,
    /// 17 = 16 + 1), borders of zeros and of per-channel values on every side, kernels of 1, 3
    /// and 5, k up to the longest one pass sums (189 of 192 in fp32, 378 of 384 in bf16), bands
    /// that start inside the image, with and without ReLU, inference and training: bit for bit
    /// the reference, winners included, the gaps between planes untouched.
    func testPooledConvolutionGivesTheBitsOfTheLoweredProductAndThePassesAfterIt() throws {
        try XCTSkipIf(kernels.isEmpty, "this CPU has no AVX-512: the kernel declines (testPooledConvolutionDeclines)")
        for kernel in kernels {
            let deepest = kernel == .avx512 ? 21 : 42
            let shapes = [
                Shape(channels: 3, outChannels: 7, height: 10, width: 40, kernel: 3, padding: 1, padded: true, relu: true, row0: 0, rows: 10),
                Shape(channels: 3, outChannels: 32, height: 12, width: 128, kernel: 3, padding: 1, padded: true, relu: true, row0: 4, rows: 6),
                Shape(channels: 3, outChannels: 9, height: 8, width: 40, kernel: 3, padding: 1, padded: false, relu: false, row0: 6, rows: 2),
                Shape(channels: 2, outChannels: 4, height: 8, width: 34, kernel: 5, padding: 2, padded: true, relu: true, row0: 2, rows: 6),
                Shape(channels: deepest, outChannels: 5, height: 6, width: 12, kernel: 3, padding: 1, padded: false, relu: true, row0: 0, rows: 6),
                Shape(channels: 4, outChannels: 3, height: 10, width: 12, kernel: 3, padding: 0, padded: false, relu: false, row0: 2, rows: 6),
                Shape(channels: 5, outChannels: 12, height: 4, width: 66, kernel: 1, padding: 0, padded: false, relu: true, row0: 0, rows: 4),
            ]
            for training in [false, true] {
                for (index, shape) in shapes.enumerated() {
                    let label = "\(kernel.rawValue), \(training ? "training" : "inference"), case \(index)"
                    let (fused, reference) = pooled(shape, kernel, training: training, seed: UInt64(10 * index + 1))
                    let got = try XCTUnwrap(fused, "\(label): the kernel declined")
                    XCTAssertEqual(got.values, reference.values, "\(label): \(shape)")
                    XCTAssertEqual(got.winners, reference.winners, "\(label): winners")
                    let real = got.values.map { Float(bitPattern: $0) }.filter { !$0.isNaN }
                    XCTAssertTrue(real.contains { $0 > 0 } && (shape.relu || real.contains { $0 < 0 }), "\(label): values of both signs where no ReLU")
                    if training { XCTAssertEqual(Set(got.winners.filter { $0 != 9 }), [0, 1, 2, 3], "\(label): every position wins somewhere") }
                }
            }
        }
    }

    /// It declines, writing nothing, where it cannot give those bits: the CPU lacks the
    /// precision's instructions, more lowering rows than one pass of its product sums, an odd
    /// band start, row count or output width, rows past the image.
    func testPooledConvolutionDeclines() {
        for bf16 in [false, true] {
            let supported = bf16 ? asl_simd_has_avx512_bf16() != 0 : asl_simd_has_avx512() != 0
            let base = Shape(channels: 3, outChannels: 4, height: 8, width: 16, kernel: 3, padding: 1, padded: false, relu: true, row0: 0, rows: 8)
            var cases: [(String, Shape)] = []
            var tooDeep = base; tooDeep.channels = bf16 ? 43 : 22; cases.append(("\(tooDeep.k) lowering rows", tooDeep))
            var oddStart = base; oddStart.row0 = 1; oddStart.rows = 6; cases.append(("an odd first row", oddStart))
            var oddRows = base; oddRows.rows = 7; cases.append(("an odd row count", oddRows))
            var oddWidth = base; oddWidth.width = 15; cases.append(("an odd output width", oddWidth))
            var past = base; past.row0 = 2; cases.append(("rows past the image", past))
            if !supported { cases.append(("a CPU without the instructions", base)) }
            for (label, shape) in cases {
                let precision = bf16 ? "bf16" : "fp32"
                let weights = values(shape.outChannels * shape.k, seed: 2)
                var packed = [Float](repeating: 7, count: 4096)
                let packedWeights = asl_conv_pooled_pack_weights(bf16 ? 1 : 0, shape.outChannels, shape.k, weights, &packed)
                if shape.k > (bf16 ? 384 : 192) || !supported {
                    XCTAssertEqual(packedWeights, 0, "\(precision), \(label): packing")
                    XCTAssertTrue(packed.allSatisfy { $0 == 7 }, "\(precision), \(label): nothing packed")
                }
                var out = [Float](repeating: 7, count: 4096), winners = [UInt8](repeating: 7, count: 4096)
                let image = values(shape.channels * shape.height * shape.width, seed: 1), bias = [Float](repeating: 0, count: shape.outChannels)
                let ran = asl_conv_pooled_avx512(bf16 ? 1 : 0, shape.outChannels, packed, image, shape.channels, shape.height * shape.width,
                                                 shape.height, shape.width, shape.kernel, shape.padding, nil, shape.row0, shape.rows, bias, 1,
                                                 &out, &winners, 64)
                XCTAssertEqual(ran, 0, "\(precision), \(label)")
                XCTAssertTrue(out.allSatisfy { $0 == 7 } && winners.allSatisfy { $0 == 7 }, "\(precision), \(label): nothing written")
            }
        }
    }

    /// Backward's weight gradient with the columns made in cache (`lowersInWeightGradient`)
    /// gives the bits of lowering them into memory, for a conv whose dot products it replaces
    /// (3 input channels, per-channel borders), in whole images and chunks of one, with no
    /// backward lowering pass in the profile; the input gradient is unchanged.
    func testBackwardMakesTheWeightGradientsColumnsInCache() throws {
        try XCTSkipIf(ProductKernel.fp32 != .avx512, "fp32 runs on \(ProductKernel.fp32.rawValue) here: the dot-product weight gradient is AVX-512 code")
        var random = Initializer(seed: 31)
        let conv = Conv2d(name: "c", inChannels: 3, outChannels: 8, kernel: 3, padding: 1, fusedReLU: true, random: &random)
        conv.paddingValues = [0.25, -0.5, 1]
        let x = randomTensor([3, 12, 40, 48], seed: 32), dy = randomTensor([8, 12, 20, 24], seed: 33)
        for chunkBytes in [1, 1 << 30] {
            conv.columnBytesPerChunk = chunkBytes
            func gradients(made: Bool, needInput: Bool) -> (values: [[UInt32]], lowered: Bool) {
                let profile = EngineProfile()
                conv.engine = Engine(threads: 2, profile: profile)
                conv.lowersInWeightGradient = made
                conv.weightGradientFromWinners = false
                let pool = MaxPool2d()
                _ = conv.forward(x, training: true, pool: pool)
                let dx = conv.backward(pooledGradient: dy, pool: pool, needInput: needInput, replacing: true)
                // Without the input gradient nothing is folded, so a lowering phase is the columns'.
                let lowered = profile.report.contains { $0.key.layer == "c" && $0.key.direction == .backward && $0.key.phase == .lowering }
                return ([dx?.data ?? [], conv.weight.grad.data, conv.bias.grad.data].map { $0.map(\.bitPattern) }, lowered)
            }
            for needInput in [true, false] {
                let made = gradients(made: true, needInput: needInput), lowered = gradients(made: false, needInput: needInput)
                XCTAssertEqual(made.values, lowered.values, "\(chunkBytes)-byte chunks, input gradient \(needInput)")
                if !needInput {
                    XCTAssertFalse(made.lowered, "\(chunkBytes)-byte chunks: no lowering pass")
                    XCTAssertTrue(lowered.lowered, "the plain route lowers")
                }
            }
        }
    }

    /// On AVX512-BF16, bf16's weight gradient for such a conv (27 lowering rows) runs as bf16 dot
    /// products with the columns made in cache (`Conv2d.weightGradientInDotProducts`; their bits
    /// against the lowered columns are DotGEMMTests'): no lowering pass, the bias gradient fp32's
    /// to the bit (a sum of the output gradient), the weight gradient within bf16's rounding of
    /// fp32's and not the bits of the packed bf16 product, which groups the pairs otherwise.
    func testBF16WeightGradientOfAFewRowConvIsBF16DotProducts() throws {
        let kernel = Engine(threads: 2, precision: .bf16).kernel
        try XCTSkipIf(kernel != .avx512BF16, "bf16 runs on \(kernel.rawValue) here: the choice is AVX512-BF16's")
        var random = Initializer(seed: 41)
        let conv = Conv2d(name: "c", inChannels: 3, outChannels: 8, kernel: 3, padding: 1, fusedReLU: true, random: &random)
        conv.paddingValues = [0.25, -0.5, 1]
        let x = randomTensor([3, 6, 40, 48], seed: 42), dy = randomTensor([8, 6, 40, 48], seed: 43)
        func gradients(_ precision: Precision) -> (weight: [Float], bias: [Float], lowered: Bool) {
            let profile = EngineProfile()
            conv.engine = Engine(threads: 2, precision: precision, profile: profile)
            _ = conv.forward(x, training: true)
            _ = conv.backward(dy, needInput: false, replacing: true)
            let lowered = profile.report.contains { $0.key.layer == "c" && $0.key.direction == .backward && $0.key.phase == .lowering }
            return (conv.weight.grad.data, conv.bias.grad.data, lowered)
        }
        let bf16 = gradients(.bf16), fp32 = gradients(.fp32)
        XCTAssertFalse(bf16.lowered, "no lowering pass: the columns are made in cache")
        XCTAssertEqual(bf16.bias.map(\.bitPattern), fp32.bias.map(\.bitPattern), "the bias gradient is a float32 sum in both")
        XCTAssertNotEqual(bf16.weight.map(\.bitPattern), fp32.weight.map(\.bitPattern), "bf16 rounds dY and the columns")
        XCTAssertLessThan(relativeError(bf16.weight, fp32.weight), 4 * 0x1p-8, "within bf16's rounding of fp32")
        // The packed bf16 product over the same columns, one image at a time as the layer's parts go.
        let plane = 40 * 48
        var columns = [Float](repeating: 0, count: 27 * plane), packed = [Float](repeating: 0, count: 8 * 27)
        let geometry = Im2Col.Geometry(channels: 3, channelStride: 6 * plane, height: 40, width: 48, kernel: 3, padding: 1,
                                       paddingValues: conv.paddingValues)
        for i in 0..<6 {
            x.data.withUnsafeBufferPointer { xs in
                columns.withUnsafeMutableBufferPointer { Im2Col.lower(xs.baseAddress! + i * plane, geometry, into: $0.baseAddress!, rowStride: plane) }
            }
            var rows = [Float]()
            for ch in 0..<8 {
                let first = (ch * 6 + i) * plane
                rows += dy.data[first..<(first + plane)]
            }
            var part = [Float](repeating: 0, count: 8 * 27)
            BLAS.gemm(.avx512BF16, false, true, m: 8, n: 27, k: plane, rows, lda: plane, columns, ldb: plane, beta: 0, &part, ldc: 27)
            for e in packed.indices { packed[e] += part[e] }
        }
        XCTAssertNotEqual(packed.map(\.bitPattern), bf16.weight.map(\.bitPattern), "not the packed bf16 product's grouping")
        XCTAssertLessThan(relativeError(packed, bf16.weight), 4 * 0x1p-8, "the packed product agrees within rounding")
    }

    /// In a layer, where the output is not kept: the convolution reads the image and pools in
    /// the product (no lowering, bias or pooling pass in the profile) with the bits of the
    /// passes, in both precisions, inference and training (whose backward, through the
    /// winners, gives the same gradients), in bands and in whole images, channel- and
    /// image-major; a kept output still takes the passes.
    func testLoweredConvolutionPoolsInItsProduct() throws {
        var ran = 0
        for precision in [Precision.fp32, .bf16] {
            let kernel = Engine(threads: 2, precision: precision).kernel
            guard PooledConvolution.covers(kernel), precision == .fp32 ? asl_simd_has_avx512() != 0 : asl_simd_has_avx512_bf16() != 0 else { continue }
            ran += 1
            var random = Initializer(seed: 21)
            let conv = Conv2d(name: "c", inChannels: 3, outChannels: 6, kernel: 3, padding: 1, fusedReLU: true, random: &random)
            conv.paddingValues = [0.5, -1, 2]
            let x = randomTensor([3, 5, 30, 40], seed: 22)
            let dy = randomTensor([6, 5, 15, 20], seed: 23)
            for bandBytes in [1, 1 << 30] { // bands of 26 and 4 rows (the 1024-output floor), whole images
                conv.forwardBandBytes = bandBytes
                for training in [false, true] {
                    for imageMajor in training ? [false] : [false, true] {
                        func run(fused: Bool, keep: Bool = false) -> (bits: [UInt32], phases: Set<EngineProfile.Phase>, gradients: [[UInt32]]) {
                            let profile = EngineProfile()
                            conv.engine = Engine(threads: 2, precision: precision, profile: profile)
                            conv.poolsInProducts = fused
                            let pool = MaxPool2d()
                            let y = conv.forward(x, training: training, pool: pool, keepOutput: keep, imageMajor: imageMajor)
                            let phases = Set(profile.report.filter { $0.key.layer == "c" && $0.key.direction == .forward }.map(\.key.phase))
                            guard training else { return (y.data.map(\.bitPattern), phases, []) }
                            conv.weight.grad = Tensor(zeros: conv.weight.grad.shape)
                            conv.bias.grad = Tensor(zeros: conv.bias.grad.shape)
                            let dx = conv.backward(pooledGradient: dy, pool: pool, needInput: true)!
                            return (y.data.map(\.bitPattern), phases, [dx.data, conv.weight.grad.data, conv.bias.grad.data].map { $0.map(\.bitPattern) })
                        }
                        let label = "\(precision), \(training ? "training" : "inference"), \(bandBytes)-byte bands, \(imageMajor ? "image" : "channel")-major"
                        let fused = run(fused: true), apart = run(fused: false), kept = run(fused: true, keep: true)
                        XCTAssertEqual(fused.bits, apart.bits, label)
                        XCTAssertEqual(fused.gradients, apart.gradients, "\(label): backward through the winners")
                        if !imageMajor { XCTAssertEqual(kept.bits, apart.bits, "\(label), output kept") } // kept maps stay channel-major
                        XCTAssertEqual(fused.phases, [.gemm], "\(label): no lowering, bias or pooling pass")
                        XCTAssertTrue(apart.phases.isSuperset(of: [.lowering, .gemm, .pooling]), label)
                        XCTAssertTrue(kept.phases.isSuperset(of: [.lowering, .gemm, .pooling]), "\(label): a kept output takes the passes")
                    }
                }
            }
        }
        try XCTSkipIf(ran == 0, "neither precision runs on the engine's own AVX-512 kernels here")
    }

    /// A layer whose products pool as they finish holds no column or piece-output buffer in
    /// inference (neither is read), and one whose products do not pool still gets them.
    func testPooledProductsAllocateNoLoweringBuffers() throws {
        let kernel = Engine(threads: 2).kernel
        try XCTSkipIf(!PooledConvolution.covers(kernel) || asl_simd_has_avx512() == 0, "fp32 runs on \(kernel.rawValue) here")
        let x = randomTensor([3, 4, 32, 48], seed: 52)
        for fused in [true, false] {
            var random = Initializer(seed: 51)
            let conv = Conv2d(name: "c", inChannels: 3, outChannels: 8, kernel: 3, padding: 1, fusedReLU: true, random: &random)
            conv.engine = Engine(threads: 2)
            conv.poolsInProducts = fused
            _ = conv.forward(x, training: false, pool: MaxPool2d())
            if fused { XCTAssertEqual(conv.loweringScratchFloats, 0, "pooled in the products") }
            else { XCTAssertGreaterThan(conv.loweringScratchFloats, 0, "lowered, multiplied and pooled in passes") }
        }
    }
}
