import XCTest
import SIMDKernels
@testable import NN

/// Inference's bf16 convolution that reads the image and pools in its product's epilogue
/// (`asl_conv_pooled_bf16_avx512`, `PooledConvolution`): the bits of lowering, the bf16
/// product and the biased pooling, which it replaces.
final class PooledConvolutionTests: XCTestCase {
    private struct Shape {
        var channels: Int, outChannels: Int, height: Int, width: Int, kernel: Int, padding: Int
        var padded: Bool, relu: Bool, row0: Int, rows: Int
        var outputWidth: Int { width + 2 * padding - kernel + 1 }
        var k: Int { channels * kernel * kernel }
    }

    private func values(_ count: Int, seed: UInt64) -> [Float] { randomTensor([count], seed: seed).data }

    /// The kernel's pooled planes (nil where it declined) and the reference's: lowering, the
    /// AVX512-BF16 product and `asl_maxpool2x2_bias_relu_avx512`, channel by channel. The
    /// planes sit `gap` floats apart, filled with a marker the kernel must leave alone.
    private func pooled(_ s: Shape, seed: UInt64) -> (fused: [Float]?, reference: [Float]) {
        let image = values(s.channels * s.height * s.width, seed: seed), weights = values(s.outChannels * s.k, seed: seed + 1)
        let bias = values(s.outChannels, seed: seed + 2), border = s.padded ? values(s.channels, seed: seed + 3) : nil
        let pooledWidth = s.outputWidth / 2, plane = (s.rows / 2) * pooledWidth, gap = 5, stride = plane + gap
        let marker = Float(bitPattern: 0x7FC0_1234)
        let geometry = Im2Col.Geometry(channels: s.channels, channelStride: s.height * s.width, height: s.height, width: s.width,
                                       kernel: s.kernel, padding: s.padding, paddingValues: border)
        var fused = [Float](repeating: marker, count: s.outChannels * stride)
        var packed = [Float](repeating: 0, count: PooledConvolution.packedWeightsSize(m: s.outChannels, k: s.k) + 16)
        let ran = image.withUnsafeBufferPointer { img in
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    packed.withUnsafeMutableBufferPointer { p in
                        fused.withUnsafeMutableBufferPointer { out in
                            PooledConvolution.packWeights(m: s.outChannels, k: s.k, w.baseAddress!, into: p.baseAddress!)
                                && PooledConvolution.convolveAndPool(m: s.outChannels, packedWeights: UnsafeRawPointer(p.baseAddress!),
                                                                     image: img.baseAddress!, geometry, rows: s.row0..<(s.row0 + s.rows),
                                                                     bias: b.baseAddress!, relu: s.relu, into: out.baseAddress!, channelStride: stride)
                        }
                    }
                }
            }
        }
        let width = s.rows * s.outputWidth
        var columns = [Float](repeating: 0, count: s.k * width), products = [Float](repeating: 0, count: s.outChannels * width)
        var reference = [Float](repeating: marker, count: s.outChannels * stride)
        image.withUnsafeBufferPointer { img in
            columns.withUnsafeMutableBufferPointer { cols in
                Im2Col.lower(img.baseAddress!, geometry, outputRows: s.row0..<(s.row0 + s.rows), into: cols.baseAddress!, rowStride: width)
            }
        }
        let multiplied = asl_gemm_bf16_avx512(0, 0, s.outChannels, width, s.k, weights, s.k, columns, width, 0, &products, width)
        XCTAssertEqual(multiplied != 0, asl_simd_has_avx512_bf16() != 0)
        for ch in 0..<s.outChannels {
            products.withUnsafeBufferPointer { pr in
                reference.withUnsafeMutableBufferPointer { out in
                    MaxPool2d.poolRowsBiased(pr.baseAddress! + ch * width, out.baseAddress! + ch * stride, height: s.rows, width: s.outputWidth,
                                             bias: bias[ch], relu: s.relu)
                }
            }
        }
        return (ran ? fused : nil, reference)
    }

    /// Channel counts off the kernel's groups of 4 and strips of 8, pooled rows off its 16
    /// lanes (20 = 16 + 4, 17 = 16 + 1), borders of zeros and of per-channel values on every
    /// side, kernels of 1, 3 and 5, k up to 378 (of at most 384), bands that start inside the
    /// image, with and without ReLU: bit for bit the reference, the gaps between planes untouched.
    func testPooledConvolutionGivesTheBitsOfLoweringMultiplyingAndPooling() throws {
        try XCTSkipIf(asl_simd_has_avx512_bf16() == 0, "this CPU has no AVX512-BF16: the kernel declines (testPooledConvolutionDeclines)")
        let shapes = [
            Shape(channels: 3, outChannels: 7, height: 10, width: 40, kernel: 3, padding: 1, padded: true, relu: true, row0: 0, rows: 10),
            Shape(channels: 3, outChannels: 32, height: 12, width: 128, kernel: 3, padding: 1, padded: true, relu: true, row0: 4, rows: 6),
            Shape(channels: 3, outChannels: 9, height: 8, width: 40, kernel: 3, padding: 1, padded: false, relu: false, row0: 6, rows: 2),
            Shape(channels: 2, outChannels: 4, height: 8, width: 34, kernel: 5, padding: 2, padded: true, relu: true, row0: 2, rows: 6),
            Shape(channels: 42, outChannels: 5, height: 6, width: 12, kernel: 3, padding: 1, padded: false, relu: true, row0: 0, rows: 6),
            Shape(channels: 4, outChannels: 3, height: 10, width: 12, kernel: 3, padding: 0, padded: false, relu: false, row0: 2, rows: 6),
            Shape(channels: 5, outChannels: 12, height: 4, width: 66, kernel: 1, padding: 0, padded: false, relu: true, row0: 0, rows: 4),
        ]
        for (index, shape) in shapes.enumerated() {
            let (fused, reference) = pooled(shape, seed: UInt64(10 * index + 1))
            let got = try XCTUnwrap(fused, "case \(index): the kernel declined")
            XCTAssertEqual(got.map(\.bitPattern), reference.map(\.bitPattern), "case \(index): \(shape)")
            XCTAssertTrue(got.contains { $0 > 0 } && (shape.relu || got.contains { $0 < 0 }), "case \(index): values of both signs where no ReLU")
        }
    }

    /// It declines, writing nothing, where it cannot give those bits: no AVX512-BF16, more than
    /// 384 lowering rows, an odd band start, row count or output width, rows past the image.
    func testPooledConvolutionDeclines() {
        let base = Shape(channels: 3, outChannels: 4, height: 8, width: 16, kernel: 3, padding: 1, padded: false, relu: true, row0: 0, rows: 8)
        var cases: [(String, Shape)] = []
        var tooDeep = base; tooDeep.channels = 43; cases.append(("385 lowering rows", tooDeep))
        var oddStart = base; oddStart.row0 = 1; oddStart.rows = 6; cases.append(("an odd first row", oddStart))
        var oddRows = base; oddRows.rows = 7; cases.append(("an odd row count", oddRows))
        var oddWidth = base; oddWidth.width = 15; cases.append(("an odd output width", oddWidth))
        var past = base; past.row0 = 2; cases.append(("rows past the image", past))
        if asl_simd_has_avx512_bf16() == 0 { cases.append(("a CPU without AVX512-BF16", base)) }
        for (label, shape) in cases {
            var out = [Float](repeating: 7, count: 4096)
            let image = values(shape.channels * shape.height * shape.width, seed: 1)
            let packed = [Float](repeating: 0, count: 4096), bias = [Float](repeating: 0, count: shape.outChannels)
            let ran = asl_conv_pooled_bf16_avx512(shape.outChannels, packed, image, shape.channels, shape.height * shape.width, shape.height,
                                                  shape.width, shape.kernel, shape.padding, nil, shape.row0, shape.rows, bias, 1, &out, 64)
            XCTAssertEqual(ran, 0, label)
            XCTAssertTrue(out.allSatisfy { $0 == 7 }, "\(label): nothing written")
        }
    }

    /// In a layer: inference reads the image and pools in the product (no lowering and no
    /// pooling pass in the profile) with the bits of lowering, multiplying and pooling apart,
    /// and of training's forward; in bands and in whole images, channel- and image-major.
    func testInferenceConvolutionPoolsInItsProduct() throws {
        let kernel = Engine(threads: 2, precision: .bf16).kernel
        try XCTSkipIf(kernel != .avx512BF16, "bf16 runs on \(kernel.rawValue) here: the pooled product is the AVX512-BF16 kernel's")
        var random = Initializer(seed: 21)
        let conv = Conv2d(name: "c", inChannels: 3, outChannels: 6, kernel: 3, padding: 1, fusedReLU: true, random: &random)
        conv.paddingValues = [0.5, -1, 2]
        let x = randomTensor([3, 5, 30, 40], seed: 22)
        for bandBytes in [1, 1 << 30] { // bands of 26 and 4 rows (the 1024-output floor), whole images
            conv.forwardBandBytes = bandBytes
            for imageMajor in [false, true] {
                func run(fused: Bool, training: Bool = false) -> (bits: [UInt32], phases: Set<EngineProfile.Phase>) {
                    let profile = EngineProfile()
                    conv.engine = Engine(threads: 2, precision: .bf16, profile: profile)
                    conv.poolsInProducts = fused
                    let y = conv.forward(x, training: training, pool: MaxPool2d(), imageMajor: imageMajor && !training)
                    return (y.data.map(\.bitPattern), Set(profile.report.filter { $0.key.layer == "c" }.map(\.key.phase)))
                }
                let label = "\(bandBytes)-byte bands, \(imageMajor ? "image" : "channel")-major"
                let fused = run(fused: true), apart = run(fused: false), trained = run(fused: true, training: true)
                XCTAssertEqual(fused.bits, apart.bits, label)
                XCTAssertEqual(fused.phases, [.gemm], "\(label): no lowering or pooling pass")
                XCTAssertTrue(apart.phases.isSuperset(of: [.lowering, .gemm, .pooling]), label)
                if !imageMajor { XCTAssertEqual(trained.bits, fused.bits, "\(label): training's pooled values") }
            }
        }
    }
}
