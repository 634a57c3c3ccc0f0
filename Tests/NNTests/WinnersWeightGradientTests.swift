import XCTest
import SIMDKernels
@testable import NN

/// The weight gradient of a pooled convolution read from the pool's winners
/// (`asl_conv_pooled_weight_gradient_avx512`, `Conv2d.winnersBackward`): the AVX-512 kernel
/// gives its plain copy's bits, the plain copy is the lowered product of the routed gradient,
/// both decline what they cannot do, and a convolution's gradients from the winners agree with
/// the lowered route's and do not depend on the thread count.
final class WinnersWeightGradientTests: XCTestCase {
    private struct Shape: CustomStringConvertible {
        var outChannels: Int, channels: Int, height: Int, width: Int, kernel: Int, padding: Int
        var padded: Bool, relu: Bool
        var outputHeight: Int { height + 2 * padding - kernel + 1 }
        var outputWidth: Int { width + 2 * padding - kernel + 1 }
        var rows: Int { channels * kernel * kernel }
        var windows: Int { (outputHeight / 2) * (outputWidth / 2) }
        var description: String {
            "\(outChannels)×\(channels)×\(height)×\(width), kernel \(kernel), padding \(padding), borders \(padded), ReLU \(relu)"
        }
    }

    /// One image's pooled gradient, pooled values (a third of them not positive) and winners,
    /// each channel's plane `gap` entries further than the plane's size, and the input.
    private struct Operands {
        var gradient: [Float], pooled: [Float], winners: [UInt8], channelStride: Int
        var image: [Float], border: [Float]?

        init(_ s: Shape, seed: UInt64) {
            channelStride = s.windows + 7
            gradient = randomTensor([s.outChannels * channelStride], seed: seed).data
            pooled = randomTensor([s.outChannels * channelStride], seed: seed + 1).data.map { $0 + 0.3 }
            winners = randomTensor([s.outChannels * channelStride], seed: seed + 2).data.map { UInt8(Int(($0 + 1) * 2) & 3) }
            image = randomTensor([s.channels * s.height * s.width], seed: seed + 3).data
            border = s.padded ? randomTensor([s.channels], seed: seed + 4).data : nil
        }
    }

    private typealias Kernel = (Int32, Int, UnsafePointer<Float>?, UnsafePointer<UInt8>?, UnsafePointer<Float>?, Int, Int32,
                                UnsafePointer<Float>?, Int, Int, Int, Int, Int, Int, UnsafePointer<Float>?,
                                UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?) -> Int32

    /// dW and db after `kernel` adds one image's gradient to `start` (nil where it declined).
    private func run(_ kernel: Kernel, _ s: Shape, _ o: Operands, bf16: Bool, start: (dw: [Float], db: [Float])) -> (dw: [Float], db: [Float])? {
        var (dw, db) = start
        let ran = o.border.withOptionalBuffer { border in
            kernel(bf16 ? 1 : 0, s.outChannels, o.gradient, o.winners, o.pooled, o.channelStride, s.relu ? 1 : 0, o.image, s.channels,
                   s.height * s.width, s.height, s.width, s.kernel, s.padding, border, &dw, &db)
        }
        return ran == 0 ? nil : (dw, db)
    }

    private let shapes = [
        Shape(outChannels: 32, channels: 3, height: 16, width: 128, kernel: 3, padding: 1, padded: true, relu: true),   // SmallCNN's first conv
        Shape(outChannels: 20, channels: 3, height: 12, width: 44, kernel: 3, padding: 1, padded: false, relu: true),   // a partial channel group, a short block
        Shape(outChannels: 7, channels: 2, height: 6, width: 34, kernel: 3, padding: 1, padded: true, relu: false),     // 18 rows: a padded chunk
        Shape(outChannels: 16, channels: 3, height: 10, width: 36, kernel: 5, padding: 2, padded: true, relu: true),    // 75 rows, a 2-column border
        Shape(outChannels: 5, channels: 1, height: 9, width: 9, kernel: 2, padding: 0, padded: false, relu: true),      // no padding, 8 × 8 outputs
    ]

    func testAVX512KernelGivesThePlainCopysBits() throws {
        try XCTSkipIf(asl_simd_has_avx512() == 0, "this CPU has no AVX-512: the kernel declines (testKernelsDecline)")
        for (index, s) in shapes.enumerated() {
            let o = Operands(s, seed: 100 + UInt64(index) * 10)
            let start = (randomTensor([s.outChannels * s.rows], seed: 7).data, randomTensor([s.outChannels], seed: 8).data)
            for bf16 in [false, true] {
                let plain = try XCTUnwrap(run(asl_conv_pooled_weight_gradient_plain, s, o, bf16: bf16, start: start), "\(s)")
                let avx512 = try XCTUnwrap(run(asl_conv_pooled_weight_gradient_avx512, s, o, bf16: bf16, start: start), "\(s)")
                XCTAssertEqual(avx512.dw.map(\.bitPattern), plain.dw.map(\.bitPattern), "\(s), bf16 \(bf16): weight gradient")
                XCTAssertEqual(avx512.db.map(\.bitPattern), plain.db.map(\.bitPattern), "\(s), bf16 \(bf16): bias gradient")
                XCTAssertNotEqual(plain.dw, start.0, "\(s): something was added")
            }
        }
    }

    /// The plain copy against the definition: the gradient routed to each window's winner (0
    /// where ReLU drops it), times the lowered input, summed over every output pixel in double;
    /// bf16 with both operands rounded to bfloat16 first.
    func testPlainCopyIsTheLoweredProductOfTheRoutedGradient() throws {
        for (index, s) in shapes.enumerated() {
            let o = Operands(s, seed: 200 + UInt64(index) * 10)
            let (oh, ow) = (s.outputHeight, s.outputWidth), plane = oh * ow
            var columns = [Float](repeating: 0, count: s.rows * plane)
            let geometry = Im2Col.Geometry(channels: s.channels, channelStride: s.height * s.width, height: s.height, width: s.width,
                                           kernel: s.kernel, padding: s.padding, paddingValues: o.border)
            Im2Col.lower(o.image, geometry, into: &columns, rowStride: plane)
            for bf16 in [false, true] {
                func round(_ x: Float) -> Float { bf16 ? ProductCheck.bf16(x) : x }
                let zero = ([Float](repeating: 0, count: s.outChannels * s.rows), [Float](repeating: 0, count: s.outChannels))
                let plain = try XCTUnwrap(run(asl_conv_pooled_weight_gradient_plain, s, o, bf16: bf16, start: zero), "\(s)")
                for k in 0..<s.outChannels {
                    var routed = [Double](repeating: 0, count: plane), bias = 0.0
                    for py in 0..<(oh / 2) {
                        for px in 0..<(ow / 2) {
                            let at = k * o.channelStride + py * (ow / 2) + px, q = Int(o.winners[at])
                            let v = !s.relu || o.pooled[at] > 0 ? o.gradient[at] : 0
                            routed[(2 * py + q / 2) * ow + 2 * px + q % 2] = Double(round(v))
                            bias += Double(v)
                        }
                    }
                    XCTAssertEqual(Double(plain.db[k]), bias, accuracy: 1e-5 * Double(s.windows), "\(s): bias gradient of channel \(k)")
                    for j in 0..<s.rows {
                        var sum = 0.0, size = 0.0
                        for p in 0..<plane {
                            let term = routed[p] * Double(round(columns[j * plane + p]))
                            sum += term
                            size += abs(term)
                        }
                        XCTAssertEqual(Double(plain.dw[k * s.rows + j]), sum, accuracy: 1e-6 * size + 1e-12,
                                       "\(s), bf16 \(bf16): weight gradient (\(k), \(j))")
                    }
                }
            }
        }
    }

    /// Odd outputs (no whole 2 × 2 windows) and more than 243 lowering rows are declined with
    /// nothing written; m = 0 asks, writing nothing, whether a shape would run.
    func testKernelsDecline() {
        let odd = Shape(outChannels: 4, channels: 3, height: 7, width: 8, kernel: 3, padding: 1, padded: false, relu: true)
        let wide = Shape(outChannels: 4, channels: 10, height: 8, width: 8, kernel: 5, padding: 2, padded: false, relu: true)
        let fine = Shape(outChannels: 4, channels: 3, height: 8, width: 8, kernel: 3, padding: 1, padded: false, relu: true)
        for (kernel, name) in [(asl_conv_pooled_weight_gradient_plain as Kernel, "plain"), (asl_conv_pooled_weight_gradient_avx512, "AVX-512")] {
            for s in [odd, wide] {
                let start = ([Float](repeating: 5, count: s.outChannels * s.rows), [Float](repeating: 5, count: s.outChannels))
                XCTAssertNil(run(kernel, s, Operands(s, seed: 1), bf16: false, start: start), "\(name), \(s)")
            }
            let asks = kernel(0, 0, nil, nil, nil, 0, 1, nil, fine.channels, 64, fine.height, fine.width, fine.kernel, fine.padding, nil, nil, nil)
            XCTAssertEqual(asks, name == "plain" || asl_simd_has_avx512() != 0 ? 1 : 0, "\(name): m = 0 says whether it runs")
        }
        if asl_simd_has_avx512() == 0 {
            XCTAssertNil(run(asl_conv_pooled_weight_gradient_avx512, fine, Operands(fine, seed: 2), bf16: false,
                             start: ([Float](repeating: 0, count: 4 * 27), [Float](repeating: 0, count: 4))), "no AVX-512: declined")
        }
    }

    /// A convolution that needs no input gradient takes its weight gradient from the winners
    /// where its kernel has the AVX-512 form: within rounding of the lowered route's (another
    /// order of the same sums), no routing pass in the profile, and the same bits for 1, 2 and 3 threads.
    func testConvolutionTakesItsWeightGradientFromTheWinners() throws {
        let kernels = [Precision.fp32, .bf16].map { Engine(threads: 1, precision: $0) }
            .filter { PooledConvolution.covers($0.kernel) && asl_simd_has_avx512() != 0 }
        try XCTSkipIf(kernels.isEmpty, "no kernel here has the AVX-512 form")
        var random = Initializer(seed: 51)
        let conv = Conv2d(name: "c", inChannels: 3, outChannels: 20, kernel: 3, padding: 1, fusedReLU: true, random: &random)
        conv.paddingValues = [0.25, -0.5, 1]
        let x = randomTensor([3, 11, 24, 40], seed: 52), dy = randomTensor([20, 11, 12, 20], seed: 53)
        for engine in kernels {
            func gradients(winners: Bool, threads: Int) -> (weight: [Float], bias: [Float], routed: Bool) {
                let profile = EngineProfile()
                conv.engine = Engine(threads: threads, precision: engine.precision, profile: profile)
                conv.weightGradientFromWinners = winners
                let pool = MaxPool2d()
                _ = conv.forward(x, training: true, pool: pool)
                XCTAssertNil(conv.backward(pooledGradient: dy, pool: pool, needInput: false, replacing: true))
                let routed = profile.report.contains { $0.key.layer == "c" && $0.key.direction == .backward && $0.key.phase == .pooling }
                return (conv.weight.grad.data, conv.bias.grad.data, routed)
            }
            let fromWinners = gradients(winners: true, threads: 2), lowered = gradients(winners: false, threads: 2)
            XCTAssertFalse(fromWinners.routed, "\(engine.kernel): no routing pass")
            XCTAssertTrue(lowered.routed, "the lowered route routes the gradient")
            XCTAssertNotEqual(fromWinners.weight.map(\.bitPattern), lowered.weight.map(\.bitPattern), "\(engine.kernel): other sums")
            let scale = lowered.weight.map(abs).max() ?? 1
            for (a, b) in zip(fromWinners.weight, lowered.weight) { XCTAssertEqual(a, b, accuracy: 1e-5 * scale, "\(engine.kernel): weight gradient") }
            for (a, b) in zip(fromWinners.bias, lowered.bias) { XCTAssertEqual(a, b, accuracy: 1e-5 * scale, "\(engine.kernel): bias gradient") }
            for threads in [1, 3] {
                let other = gradients(winners: true, threads: threads)
                XCTAssertEqual(other.weight.map(\.bitPattern), fromWinners.weight.map(\.bitPattern), "\(engine.kernel), \(threads) threads")
                XCTAssertEqual(other.bias.map(\.bitPattern), fromWinners.bias.map(\.bitPattern), "\(engine.kernel), \(threads) threads")
            }
        }
    }
}

private extension Optional where Wrapped == [Float] {
    func withOptionalBuffer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .some(let values): return values.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: return body(nil)
        }
    }
}
