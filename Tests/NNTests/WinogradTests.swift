import XCTest
import SIMDKernels
@testable import NN

/// Winograd F(2×2, 3×3) against the direct (lowered) convolution, which the finite-difference
/// and plain-loop references already hold, and against finite differences itself.
final class WinogradTests: XCTestCase {
    /// Output, input gradient, weight gradient and bias gradient of one forward and backward,
    /// and whether the Winograd transforms ran (from a profile).
    func results(_ conv: Conv2d, _ x: Tensor, _ dy: Tensor, _ algorithm: ConvolutionAlgorithm, threads: Int = 2)
        -> (values: [[Float]], transformed: Bool) {
        let profile = EngineProfile()
        conv.engine = Engine(threads: threads, profile: profile, convolution: algorithm)
        conv.weight.grad = Tensor(zeros: conv.weight.value.shape)
        conv.bias.grad = Tensor(zeros: conv.bias.value.shape)
        let y = conv.forward(x, training: true)
        let dx = conv.backward(dy, needInput: true)!
        let transformed = profile.report.contains { $0.key.phase == .transform }
        return ([y.data, dx.data, conv.weight.grad.data, conv.bias.grad.data], transformed)
    }

    /// Largest difference relative to the largest magnitude of the reference.
    func relativeError(_ a: [Float], _ reference: [Float]) -> Float {
        let scale = max(reference.map { abs($0) }.max()!, 1e-12)
        return zip(a, reference).map { abs($0 - $1) }.max()! / scale
    }

    /// Shapes that cross the transforms' 64-tile blocks (width 140: 70 tiles a row), single
    /// tile rows, bands forced down to one tile row or up to several images a piece, and both
    /// orientations of the weight gradient's products.
    func testForwardAndEveryGradientMatchTheDirectConvolution() {
        let cases: [(c: Int, k: Int, n: Int, h: Int, w: Int, pieceBytes: Int)] = [
            (16, 8, 3, 6, 8, 1 << 20), (16, 5, 2, 2, 140, 1 << 20), (20, 12, 5, 10, 12, 1), (17, 9, 4, 8, 6, 1 << 26),
            (16, 40, 3, 6, 6, 1 << 20), // more outputs than inputs: the weight gradient's products run transposed
        ]
        for (index, shape) in cases.enumerated() {
            var random = Initializer(seed: UInt64(30 + index))
            let conv = Conv2d(name: "c", inChannels: shape.c, outChannels: shape.k, kernel: 3, padding: 1, random: &random)
            conv.winogradPieceBytes = shape.pieceBytes
            let x = randomTensor([shape.c, shape.n, shape.h, shape.w], seed: UInt64(40 + index))
            let dy = randomTensor([shape.k, shape.n, shape.h, shape.w], seed: UInt64(50 + index))
            let direct = results(conv, x, dy, .direct)
            let winograd = results(conv, x, dy, .winograd)
            XCTAssertFalse(direct.transformed, "the direct convolution ran no Winograd transform")
            XCTAssertTrue(winograd.transformed, "case \(index): Winograd ran")
            for (name, (a, b)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(winograd.values, direct.values)) {
                XCTAssertEqual(a.count, b.count, "\(name), case \(index)")
                XCTAssertLessThan(relativeError(a, b), 2e-6, "\(name), case \(index) \(shape)")
            }
        }
    }

    /// Central differences of L = Σ r·y with respect to the input and the weights.
    func testGradientsMatchFiniteDifferences() {
        var random = Initializer(seed: 61)
        let conv = Conv2d(name: "c", inChannels: 16, outChannels: 3, kernel: 3, padding: 1, random: &random)
        conv.engine = Engine(threads: 1, convolution: .winograd)
        let x = randomTensor([16, 2, 4, 6], seed: 62), r = randomTensor([3, 2, 4, 6], seed: 63)
        func loss(_ x: Tensor) -> Double {
            zip(conv.forward(x, training: false).data, r.data).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        _ = conv.forward(x, training: true)
        let dx = conv.backward(r, needInput: true)!
        let h: Float = 1e-2
        for i in stride(from: 0, to: x.count, by: 7) {
            var plus = x, minus = x
            plus.data[i] += h
            minus.data[i] -= h
            let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
            XCTAssertEqual(Double(dx.data[i]), numeric, accuracy: 2e-2 * max(1e-2, abs(numeric)), "input[\(i)]")
        }
        let weights = conv.weight.value, grad = conv.weight.grad
        for i in stride(from: 0, to: weights.count, by: 5) {
            var plus = weights, minus = weights
            plus.data[i] += h
            minus.data[i] -= h
            conv.weight.value = plus
            let up = loss(x)
            conv.weight.value = minus
            let down = loss(x)
            conv.weight.value = weights
            let numeric = (up - down) / Double(2 * h)
            XCTAssertEqual(Double(grad.data[i]), numeric, accuracy: 2e-2 * max(1e-2, abs(numeric)), "weight[\(i)]")
        }
    }

    /// Forward pieces change no bit (each output is the same sum); backward's sums are fixed by
    /// the shapes and the batch's parts, so 1, 2, 3 or 8 threads give the same bits.
    func testThreadCountAndForwardBandsChangeNoBit() {
        var random = Initializer(seed: 71)
        let conv = Conv2d(name: "c", inChannels: 16, outChannels: 10, kernel: 3, padding: 1, fusedReLU: true, random: &random)
        let x = randomTensor([16, 11, 12, 8], seed: 72), dy = randomTensor([10, 11, 12, 8], seed: 73)
        conv.winogradPieceBytes = 1 // one tile row a piece
        let one = results(conv, x, dy, .winograd, threads: 1).values
        for threads in [2, 3, 8] {
            XCTAssertEqual(results(conv, x, dy, .winograd, threads: threads).values, one, "\(threads) threads")
        }
        let forwardBanded = one[0]
        conv.winogradPieceBytes = 1 << 26 // several whole images a piece
        conv.engine = Engine(threads: 2, convolution: .winograd)
        XCTAssertEqual(conv.forward(x, training: false).data, forwardBanded, "forward in whole images or in one tile row at a time")
    }

    /// Layers where Winograd does not apply run the direct convolution whatever the engine asks.
    func testFirstConvolutionAndOddPlanesStayDirect() {
        var random = Initializer(seed: 81)
        let small = Conv2d(name: "c", inChannels: 3, outChannels: 4, kernel: 3, padding: 1, random: &random)
        XCTAssertFalse(results(small, randomTensor([3, 2, 6, 6], seed: 82), randomTensor([4, 2, 6, 6], seed: 83), .winograd).transformed)
        let odd = Conv2d(name: "c", inChannels: 16, outChannels: 4, kernel: 3, padding: 1, random: &random)
        XCTAssertFalse(results(odd, randomTensor([16, 2, 7, 6], seed: 84), randomTensor([4, 2, 7, 6], seed: 85), .winograd).transformed)
        let padded = Conv2d(name: "c", inChannels: 16, outChannels: 4, kernel: 3, padding: 1, random: &random)
        padded.paddingValues = [Float](repeating: 0.5, count: 16)
        XCTAssertFalse(results(padded, randomTensor([16, 2, 6, 6], seed: 86), randomTensor([4, 2, 6, 6], seed: 87), .winograd).transformed)
    }
}

extension WinogradTests {
    /// The AVX-512 transforms compute every value as the plain C ones do, so a CPU without
    /// AVX-512 would transform to the same bits (edges of the 16-tile vectors and the 64-tile
    /// blocks included: 70 tiles a row, and rows of 3 tiles).
    func testVectorAndPlainTransformsGiveTheSameBits() throws {
        try XCTSkipIf(ProductKernel.fp32 != .avx512, "no AVX-512 on this CPU: only the plain transforms can run")
        for (index, shape) in [(c: 16, k: 6, n: 3, h: 4, w: 140), (c: 18, k: 7, n: 2, h: 10, w: 6)].enumerated() {
            var random = Initializer(seed: UInt64(90 + index))
            let conv = Conv2d(name: "c", inChannels: shape.c, outChannels: shape.k, kernel: 3, padding: 1, random: &random)
            let x = randomTensor([shape.c, shape.n, shape.h, shape.w], seed: UInt64(95 + index))
            var dy = randomTensor([shape.k, shape.n, shape.h, shape.w], seed: UInt64(97 + index))
            for i in stride(from: 0, to: dy.count, by: 3) { dy.data[i] = 0 } // zeros, whose signs the two must agree on too
            let vector = results(conv, x, dy, .winograd).values
            asl_winograd_portable(1)
            defer { asl_winograd_portable(0) }
            let plain = results(conv, x, dy, .winograd).values
            for (name, (a, b)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(vector, plain)) {
                XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "\(name), case \(index)")
            }
        }
    }
}

extension WinogradTests {
    /// bf16 rounds the transformed operands, which are sums of up to 4 (input) or 9 (weights)
    /// values: the outputs and gradients stay within a few 2⁻⁸ of the fp32 Winograd ones, relative
    /// to the largest of them.
    func testBF16WinogradStaysWithinRoundingOfFP32() throws {
        try XCTSkipIf(ProductKernel.bf16 == nil, "no bf16 kernel on this CPU")
        var random = Initializer(seed: 101)
        let conv = Conv2d(name: "c", inChannels: 32, outChannels: 16, kernel: 3, padding: 1, random: &random)
        let x = randomTensor([32, 3, 8, 10], seed: 102), dy = randomTensor([16, 3, 8, 10], seed: 103)
        func run(_ precision: Precision) -> (values: [[Float]], transformed: Bool) {
            let profile = EngineProfile()
            conv.engine = Engine(threads: 2, precision: precision, profile: profile, convolution: .winograd)
            conv.weight.grad = Tensor(zeros: conv.weight.value.shape)
            conv.bias.grad = Tensor(zeros: conv.bias.value.shape)
            let y = conv.forward(x, training: true), dx = conv.backward(dy, needInput: true)!
            return ([y.data, dx.data, conv.weight.grad.data], profile.report.contains { $0.key.phase == .transform })
        }
        let reference = run(.fp32), mixed = run(.bf16)
        XCTAssertTrue(mixed.transformed)
        for (name, (a, b)) in zip(["output", "input gradient", "weight gradient"], zip(mixed.values, reference.values)) {
            XCTAssertLessThan(relativeError(a, b), 4 * 0x1p-8, name)
            XCTAssertGreaterThan(relativeError(a, b), 0, "\(name): bf16 rounds")
        }
    }
}
