import XCTest
import SIMDKernels
@testable import NN

/// Winograd F(2×2, 3×3) and F(4×4, 3×3) against the direct (lowered) convolution, which the
/// finite-difference and plain-loop references already hold, and against finite differences.
final class WinogradTests: XCTestCase {
    /// Output, input gradient, weight gradient and bias gradient of one forward and backward,
    /// and the Winograd tile that ran (nil: none; from a profile and the layer's choice).
    func results(_ conv: Conv2d, _ x: Tensor, _ dy: Tensor, _ algorithm: ConvolutionAlgorithm, threads: Int = 2, precision: Precision = .fp32)
        -> (values: [[Float]], tile: WinogradConvolution.Tile?) {
        let profile = EngineProfile()
        conv.engine = Engine(threads: threads, precision: precision, profile: profile, convolution: algorithm)
        conv.weight.grad = Tensor(zeros: conv.weight.value.shape)
        conv.bias.grad = Tensor(zeros: conv.bias.value.shape)
        let y = conv.forward(x, training: true)
        let dx = conv.backward(dy, needInput: true)!
        let transformed = profile.report.contains { $0.key.phase == .transform }
        let tile = conv.winogradTile(height: x.shape[2], width: x.shape[3])
        XCTAssertEqual(transformed, tile != nil, "the transforms ran exactly when the layer chose a tile")
        return ([y.data, dx.data, conv.weight.grad.data, conv.bias.grad.data], transformed ? tile : nil)
    }

    /// The largest error relative to the direct convolution each tile is held to: F(4×4)'s
    /// transforms scale values by up to 8 (Aᵀ) and 5 (Bᵀ), so its sums round more coarsely.
    func tolerance(_ tile: WinogradConvolution.Tile) -> Float { tile == .f2 ? 2e-6 : 1e-5 }

    /// Shapes that cross the transforms' 64-tile blocks (widths 140 and 280: 70 tiles a row of
    /// either size), single tile rows, bands forced down to one tile row or up to several images
    /// a piece, and both orientations of the weight gradient's products; under `winograd`,
    /// planes whose sides are multiples of 4 take F(4×4) and the others F(2×2).
    func testForwardAndEveryGradientMatchTheDirectConvolution() {
        let cases: [(c: Int, k: Int, n: Int, h: Int, w: Int, pieceBytes: Int, tile: WinogradConvolution.Tile)] = [
            (16, 8, 3, 8, 8, 1 << 20, .f4), (16, 5, 2, 2, 140, 1 << 20, .f2), (16, 5, 2, 4, 280, 1 << 20, .f4),
            (20, 12, 5, 12, 16, 1, .f4), (20, 12, 5, 10, 12, 1, .f2), (17, 9, 4, 8, 6, 1 << 26, .f2), (17, 9, 4, 8, 12, 1 << 26, .f4),
            (16, 40, 3, 8, 8, 1 << 20, .f4), // more outputs than inputs: the weight gradient's products run transposed
            // Rows of 8 and 4 tiles, which the AVX-512 transforms pack 2 and 4 tile rows to a
            // vector: 3 and 5 tile rows leave a part-filled vector; one tile row a piece, none packed.
            (16, 8, 2, 12, 32, 1 << 20, .f4), (16, 6, 3, 20, 16, 1 << 20, .f4), (16, 6, 3, 20, 16, 1, .f4),
            // Pieces of 256 tiles, whose weight gradient's products sum in registers (fp32, AVX-512).
            (16, 20, 2, 64, 64, 1 << 22, .f4),
        ]
        for (index, shape) in cases.enumerated() {
            var random = Initializer(seed: UInt64(30 + index))
            let conv = Conv2d(name: "c", inChannels: shape.c, outChannels: shape.k, kernel: 3, padding: 1, random: &random)
            conv.winogradPieceBytes = shape.pieceBytes
            let x = randomTensor([shape.c, shape.n, shape.h, shape.w], seed: UInt64(40 + index))
            let dy = randomTensor([shape.k, shape.n, shape.h, shape.w], seed: UInt64(50 + index))
            let direct = results(conv, x, dy, .direct)
            XCTAssertNil(direct.tile, "the direct convolution ran no Winograd transform")
            for algorithm in [ConvolutionAlgorithm.winograd, .winograd2x2] {
                let winograd = results(conv, x, dy, algorithm)
                XCTAssertEqual(winograd.tile, algorithm == .winograd2x2 ? .f2 : shape.tile, "case \(index), \(algorithm)")
                guard let tile = winograd.tile else { continue }
                for (name, (a, b)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(winograd.values, direct.values)) {
                    XCTAssertEqual(a.count, b.count, "\(name), case \(index)")
                    XCTAssertLessThan(relativeError(a, b), tolerance(tile), "\(name), case \(index) \(shape), \(tile)")
                }
            }
        }
    }

    /// Central differences of L = Σ r·y with respect to the input and the weights, for either tile.
    func testGradientsMatchFiniteDifferences() {
        gradientsMatchFiniteDifferences(.winograd2x2, width: 6, tile: .f2)
        gradientsMatchFiniteDifferences(.winograd, width: 8, tile: .f4)
    }

    func gradientsMatchFiniteDifferences(_ algorithm: ConvolutionAlgorithm, width: Int, tile: WinogradConvolution.Tile) {
        var random = Initializer(seed: 61)
        let conv = Conv2d(name: "c", inChannels: 16, outChannels: 3, kernel: 3, padding: 1, random: &random)
        conv.engine = Engine(threads: 1, convolution: algorithm)
        XCTAssertEqual(conv.winogradTile(height: 4, width: width), tile)
        let x = randomTensor([16, 2, 4, width], seed: 62), r = randomTensor([3, 2, 4, width], seed: 63)
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
            XCTAssertEqual(Double(dx.data[i]), numeric, accuracy: 2e-2 * max(1e-2, abs(numeric)), "input[\(i)], \(tile)")
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
            XCTAssertEqual(Double(grad.data[i]), numeric, accuracy: 2e-2 * max(1e-2, abs(numeric)), "weight[\(i)], \(tile)")
        }
    }

    /// Forward pieces change no bit (each output is the same sum); backward's sums are fixed by
    /// the shapes and the batch's parts, so 1, 2, 3 or 8 threads give the same bits, with either tile.
    func testThreadCountAndForwardBandsChangeNoBit() {
        var random = Initializer(seed: 71)
        let conv = Conv2d(name: "c", inChannels: 16, outChannels: 10, kernel: 3, padding: 1, fusedReLU: true, random: &random)
        let x = randomTensor([16, 11, 12, 8], seed: 72), dy = randomTensor([10, 11, 12, 8], seed: 73)
        for algorithm in [ConvolutionAlgorithm.winograd2x2, .winograd] {
            conv.winogradPieceBytes = 1 // one tile row a piece
            let one = results(conv, x, dy, algorithm, threads: 1).values
            for threads in [2, 3, 8] {
                XCTAssertEqual(results(conv, x, dy, algorithm, threads: threads).values, one, "\(threads) threads, \(algorithm)")
            }
            let forwardBanded = one[0]
            conv.winogradPieceBytes = 1 << 26 // several whole images a piece
            conv.engine = Engine(threads: 2, convolution: algorithm)
            XCTAssertEqual(conv.forward(x, training: false).data, forwardBanded, "forward in whole images or one tile row at a time, \(algorithm)")
        }
    }

    /// Which pieces' weight-gradient products run as dot products in registers: SmallCNN's
    /// conv 2 (one 64 × 64 image a piece, 256 F(4×4) tiles) in fp32 on AVX-512, not conv 3 (two
    /// 32 × 32 images, 128 tiles); in bf16 on AVX512-BF16, whose F(2×2) pieces are larger, both
    /// (conv 2: bands of 21 tile rows, 672 tiles; conv 3: one image, 256 tiles); never OpenBLAS.
    func testWeightGradientProductsInRegistersForPiecesOf256Tiles() {
        var random = Initializer(seed: 91)
        let bytes = Conv2d(name: "c", inChannels: 32, outChannels: 64, kernel: 3, padding: 1, random: &random).winogradPieceBytes
        let conv2 = WinogradConvolution.pieces(.f4, inChannels: 32, outChannels: 64, height: 64, width: 64, images: 4, bytes: bytes)
        let conv3 = WinogradConvolution.pieces(.f4, inChannels: 64, outChannels: 128, height: 32, width: 32, images: 4, bytes: bytes)
        XCTAssertEqual(conv2.tilesPerPiece, 256)
        XCTAssertEqual(conv3.tilesPerPiece, 128)
        let avx512 = asl_simd_has_avx512() != 0
        XCTAssertEqual(WinogradConvolution.gradientInRegisterDots(.avx512, tiles: conv2.tilesPerPiece), avx512)
        XCTAssertFalse(WinogradConvolution.gradientInRegisterDots(.avx512, tiles: conv3.tilesPerPiece))
        XCTAssertFalse(WinogradConvolution.gradientInRegisterDots(.openBLAS, tiles: conv2.tilesPerPiece))
        let bf16Conv2 = WinogradConvolution.pieces(.f2, inChannels: 32, outChannels: 64, height: 64, width: 64, images: 4, bytes: bytes)
        let bf16Conv3 = WinogradConvolution.pieces(.f2, inChannels: 64, outChannels: 128, height: 32, width: 32, images: 4, bytes: bytes)
        XCTAssertEqual(bf16Conv2.tilesPerPiece, 672)
        XCTAssertEqual(bf16Conv3.tilesPerPiece, 256)
        let bf16 = asl_simd_has_avx512_bf16() != 0
        XCTAssertEqual(WinogradConvolution.gradientInRegisterDots(.avx512BF16, tiles: bf16Conv2.tilesPerPiece), bf16)
        XCTAssertEqual(WinogradConvolution.gradientInRegisterDots(.avx512BF16, tiles: bf16Conv3.tilesPerPiece), bf16)
        XCTAssertFalse(WinogradConvolution.gradientInRegisterDots(.avx512BF16, tiles: 255))
        XCTAssertFalse(WinogradConvolution.gradientInRegisterDots(.amxBF16, tiles: bf16Conv2.tilesPerPiece))
    }

    /// Pieces of 256 tiles (whose weight gradient sums in registers in fp32 on AVX-512) give the
    /// same bits for 1, 2 and 3 threads: each part's products depend on its images alone.
    func testWeightGradientInRegistersChangesNoBitWithTheThreadCount() {
        var random = Initializer(seed: 92)
        let conv = Conv2d(name: "c", inChannels: 16, outChannels: 20, kernel: 3, padding: 1, fusedReLU: true, random: &random)
        let x = randomTensor([16, 3, 64, 64], seed: 93), dy = randomTensor([20, 3, 64, 64], seed: 94)
        let pieces = WinogradConvolution.pieces(.f4, inChannels: 16, outChannels: 20, height: 64, width: 64, images: 1,
                                                bytes: conv.winogradPieceBytes)
        XCTAssertGreaterThanOrEqual(pieces.tilesPerPiece, 256, "the case must take the registers route")
        let one = results(conv, x, dy, .winograd, threads: 1)
        XCTAssertEqual(one.tile, .f4)
        for threads in [2, 3] {
            XCTAssertEqual(results(conv, x, dy, .winograd, threads: threads).values, one.values, "\(threads) threads")
        }
    }

    /// The same in bf16, whose F(2×2) pieces of these images (a whole image, 1024 tiles) sum
    /// their weight gradient as bf16 dot products in registers on AVX512-BF16.
    func testBF16WeightGradientInRegistersChangesNoBitWithTheThreadCount() throws {
        try XCTSkipIf(ProductKernel.bf16 != .avx512BF16, "the bf16 dot products need the AVX512-BF16 kernel (this CPU: \(String(describing: ProductKernel.bf16)))")
        var random = Initializer(seed: 95)
        let conv = Conv2d(name: "c", inChannels: 16, outChannels: 20, kernel: 3, padding: 1, fusedReLU: true, random: &random)
        let x = randomTensor([16, 3, 64, 64], seed: 96), dy = randomTensor([20, 3, 64, 64], seed: 97)
        let pieces = WinogradConvolution.pieces(.f2, inChannels: 16, outChannels: 20, height: 64, width: 64, images: 1,
                                                bytes: conv.winogradPieceBytes)
        XCTAssertTrue(WinogradConvolution.gradientInRegisterDots(.avx512BF16, tiles: pieces.tilesPerPiece), "the case must take the registers route")
        let one = results(conv, x, dy, .winograd, threads: 1, precision: .bf16)
        XCTAssertEqual(one.tile, .f2)
        for threads in [2, 3] {
            XCTAssertEqual(results(conv, x, dy, .winograd, threads: threads, precision: .bf16).values, one.values, "\(threads) threads")
        }
        XCTAssertNotEqual(one.values, results(conv, x, dy, .winograd, threads: 1).values, "bf16 is a different arithmetic")
    }

    /// Layers where Winograd does not apply run the direct convolution whatever the engine asks.
    func testFirstConvolutionAndOddPlanesStayDirect() {
        var random = Initializer(seed: 81)
        let small = Conv2d(name: "c", inChannels: 3, outChannels: 4, kernel: 3, padding: 1, random: &random)
        XCTAssertNil(results(small, randomTensor([3, 2, 8, 8], seed: 82), randomTensor([4, 2, 8, 8], seed: 83), .winograd).tile)
        let odd = Conv2d(name: "c", inChannels: 16, outChannels: 4, kernel: 3, padding: 1, random: &random)
        XCTAssertNil(results(odd, randomTensor([16, 2, 7, 6], seed: 84), randomTensor([4, 2, 7, 6], seed: 85), .winograd).tile)
        let padded = Conv2d(name: "c", inChannels: 16, outChannels: 4, kernel: 3, padding: 1, random: &random)
        padded.paddingValues = [Float](repeating: 0.5, count: 16)
        XCTAssertNil(results(padded, randomTensor([16, 2, 8, 8], seed: 86), randomTensor([4, 2, 8, 8], seed: 87), .winograd).tile)
    }
}

extension WinogradTests {
    /// The AVX-512 transforms compute every value as the plain C ones do, so a CPU without
    /// AVX-512 would transform to the same bits (edges of the 16-tile vectors and the 64-tile
    /// blocks included: rows of 70 and 35 tiles, and of 3; rows of 8 and 4, packed), for either tile.
    func testVectorAndPlainTransformsGiveTheSameBits() throws {
        try XCTSkipIf(ProductKernel.fp32 != .avx512, "no AVX-512 on this CPU: only the plain transforms can run")
        let cases = [(c: 16, k: 6, n: 3, h: 4, w: 140, algorithm: ConvolutionAlgorithm.winograd2x2), (18, 7, 2, 10, 6, .winograd2x2),
                     (16, 6, 3, 4, 140, .winograd), (18, 7, 2, 12, 12, .winograd),
                     (16, 6, 2, 12, 32, .winograd), (17, 5, 2, 20, 16, .winograd)] // packed: 2 and 4 tile rows a vector
        for (index, shape) in cases.enumerated() {
            var random = Initializer(seed: UInt64(90 + index))
            let conv = Conv2d(name: "c", inChannels: shape.c, outChannels: shape.k, kernel: 3, padding: 1, random: &random)
            let x = randomTensor([shape.c, shape.n, shape.h, shape.w], seed: UInt64(95 + index))
            var dy = randomTensor([shape.k, shape.n, shape.h, shape.w], seed: UInt64(97 + index))
            for i in stride(from: 0, to: dy.count, by: 3) { dy.data[i] = 0 } // zeros, whose signs the two must agree on too
            let vector = results(conv, x, dy, shape.algorithm).values
            asl_winograd_portable(1)
            defer { asl_winograd_portable(0) }
            let plain = results(conv, x, dy, shape.algorithm).values
            for (name, (a, b)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(vector, plain)) {
                XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "\(name), case \(index)")
            }
        }
    }
}

extension WinogradTests {
    /// bf16 rounds the transformed operands, which are sums of up to 4 (input) or 9 (weights)
    /// values: the outputs and gradients stay within a few 2⁻⁸ of the fp32 Winograd ones, relative
    /// to the largest of them. That holds for F(2×2) alone, so bf16 keeps it where fp32 takes
    /// F(4×4) (whose bf16 errors were 9–24 × 2⁻⁸ on these shapes). On this CPU's bf16 kernel
    /// and on the AMX driver (its scalar tile model where the CPU has no AMX), whose products
    /// the Winograd layers call per transform point as the AVX512-BF16 kernel's.
    func testBF16WinogradStaysWithinRoundingOfFP32() throws {
        try XCTSkipIf(ProductKernel.bf16 == nil, "no bf16 kernel on this CPU")
        for kernel in Set([ProductKernel.bf16!, .amxBF16]) { assertBF16WinogradWithinRoundingOfFP32(on: kernel) }
    }

    func assertBF16WinogradWithinRoundingOfFP32(on kernel: ProductKernel) {
        // 32 × 32 planes: pieces of 256 tiles, whose weight gradient sums as dot products in registers.
        for (height, width) in [(8, 10), (8, 12), (32, 32)] {
            var random = Initializer(seed: 101)
            let conv = Conv2d(name: "c", inChannels: 32, outChannels: 16, kernel: 3, padding: 1, random: &random)
            let x = randomTensor([32, 3, height, width], seed: 102), dy = randomTensor([16, 3, height, width], seed: 103)
            func run(_ kernel: ProductKernel, _ algorithm: ConvolutionAlgorithm = .winograd) -> (values: [[Float]], tile: WinogradConvolution.Tile?) {
                let profile = EngineProfile()
                conv.engine = Engine(threads: 2, kernel: kernel, profile: profile, convolution: algorithm)
                conv.weight.grad = Tensor(zeros: conv.weight.value.shape)
                conv.bias.grad = Tensor(zeros: conv.bias.value.shape)
                let y = conv.forward(x, training: true), dx = conv.backward(dy, needInput: true)!
                XCTAssertTrue(profile.report.contains { $0.key.phase == .transform })
                return ([y.data, dx.data, conv.weight.grad.data], conv.winogradTile(height: height, width: width))
            }
            let reference = run(ProductKernel.fp32), mixed = run(kernel)
            XCTAssertEqual(reference.tile, width % 4 == 0 && height % 4 == 0 ? .f4 : .f2)
            XCTAssertEqual(mixed.tile, .f2, "bf16 keeps F(2×2)")
            let f2 = reference.tile == .f4 ? run(ProductKernel.fp32, .winograd2x2).values : reference.values
            for (name, (a, b)) in zip(["output", "input gradient", "weight gradient"], zip(mixed.values, f2)) {
                XCTAssertLessThan(relativeError(a, b), 4 * 0x1p-8, "\(name), \(height) × \(width), \(kernel.rawValue)")
                XCTAssertGreaterThan(relativeError(a, b), 0, "\(name): bf16 rounds")
            }
        }
    }
}

extension WinogradTests {
    /// bf16 forward's input transform writes V straight into the AVX512-BF16 kernel's packed
    /// layout: the bytes of transforming to float32 and packing each point's matrix after, for
    /// odd channel counts (the last pair half empty), a last strip of 48 tiles part-filled, bands
    /// inside and at the edges of the image, and several images a piece. It declines, writing
    /// nothing, where a 16-tile vector could straddle two strips, where the buffer is not on a
    /// cache line, where the plain transforms are forced, and on CPUs without AVX512-BF16.
    func testPackedBF16InputTransformGivesTheBytesOfTransformingThenPacking() {
        checkPackedInputTransform(Self.avx512BF16Layout, cases: [(33, 1, 10, 32, 0, 5), (32, 2, 10, 32, 2, 3), (17, 2, 6, 96, 0, 3), (16, 3, 4, 64, 1, 1)])
    }

    /// The same for AMX's layout (strips of 32 tiles, channels padded to whole tiles of 32 with
    /// zero pairs), also across its 512-tile panels (544 tiles).
    func testPackedAMXInputTransformGivesTheBytesOfTransformingThenPacking() {
        checkPackedInputTransform(Self.amxLayout, cases: [(33, 1, 10, 32, 0, 5), (32, 2, 10, 32, 2, 3), (17, 2, 6, 96, 0, 3), (16, 3, 4, 64, 1, 1),
                                                          (64, 2, 34, 32, 0, 17)])
    }

    /// A packed layout of V: its products' packing of B, its transform, and the entries between points.
    struct PackedLayout {
        var bytes: (Int, Int) -> Int
        var pack: (Int32, Int, Int, UnsafePointer<Float>, Int, UnsafeMutableRawPointer) -> Int32
        var transform: (UnsafePointer<Float>, Int, Int, Int, Int, Int, Int, UnsafeMutablePointer<UInt32>, Int, Int, Int) -> Int32
        var stride: (Int, Int) -> Int
    }

    static var avx512BF16Layout: PackedLayout {
        PackedLayout(bytes: asl_gemm_bf16_avx512_packed_b_bytes, pack: asl_gemm_bf16_avx512_pack_b, transform: asl_winograd_input_bf16_packed,
                     stride: { WinogradConvolution.packedInputPointStride(inChannels: $0, tiles: $1) })
    }
    static var amxLayout: PackedLayout {
        PackedLayout(bytes: asl_gemm_bf16_amx_packed_b_bytes, pack: asl_gemm_bf16_amx_pack_b, transform: asl_winograd_input_bf16_packed_amx,
                     stride: { WinogradConvolution.amxPackedInputPointStride(inChannels: $0, tiles: $1) })
    }

    private func checkPackedInputTransform(_ layout: PackedLayout, cases: [(c: Int, n: Int, h: Int, w: Int, row0: Int, rows: Int)],
                                           file: StaticString = #filePath, line: UInt = #line) {
        let hasBF16 = asl_simd_has_avx512_bf16() != 0
        for (index, shape) in cases.enumerated() {
            let tw = shape.w / 2, t = shape.n * shape.rows * tw, plane = shape.h * shape.w
            let x = randomTensor([shape.c, shape.n, shape.h, shape.w], seed: UInt64(120 + index))
            let vStride = WinogradConvolution.pointStride(rows: shape.c, tiles: t)
            var v = [Float](repeating: 0, count: 16 * vStride)
            let panelBytes = layout.bytes(shape.c, t)
            let stride = layout.stride(shape.c, t)
            XCTAssertGreaterThanOrEqual(4 * stride, panelBytes, file: file, line: line)
            let reference = UnsafeMutableRawPointer.allocate(byteCount: 16 * 4 * stride, alignment: 64)
            let packed = UnsafeMutableRawPointer.allocate(byteCount: 16 * 4 * stride + 64, alignment: 64)
            defer { reference.deallocate(); packed.deallocate() }
            packed.initializeMemory(as: UInt8.self, repeating: 0xA5, count: 16 * 4 * stride + 64)
            let words = packed.assumingMemoryBound(to: UInt32.self)
            var ran = true
            x.data.withUnsafeBufferPointer { xs in
                v.withUnsafeMutableBufferPointer { vs in
                    for i in 0..<shape.n {
                        asl_winograd_input(xs.baseAddress! + i * plane, shape.c, shape.n * plane, shape.h, shape.w, shape.row0, shape.rows,
                                           vs.baseAddress! + i * shape.rows * tw, t, vStride)
                    }
                    for point in 0..<16 {
                        _ = layout.pack(0, shape.c, t, vs.baseAddress! + point * vStride, t, reference + 4 * point * stride)
                    }
                    for i in 0..<shape.n {
                        ran = layout.transform(xs.baseAddress! + i * plane, shape.c, shape.n * plane, shape.h, shape.w,
                                               shape.row0, shape.rows, words, i * shape.rows * tw, t, stride) != 0 && ran
                    }
                }
            }
            XCTAssertEqual(ran, hasBF16, "case \(index): runs exactly where the CPU has AVX512-BF16", file: file, line: line)
            guard ran else {
                XCTAssertTrue(UnsafeRawBufferPointer(start: packed, count: 16 * 4 * stride).allSatisfy { $0 == 0xA5 }, "declined: nothing written", file: file, line: line)
                continue
            }
            for point in 0..<16 {
                XCTAssertEqual(memcmp(packed + 4 * point * stride, reference + 4 * point * stride, panelBytes), 0, "case \(index), point \(point)", file: file, line: line)
            }
            // Where it must decline: rows of 20 tiles, a band starting mid-vector, a buffer off its cache line, plain transforms forced.
            let guardBytes = Array(UnsafeRawBufferPointer(start: packed, count: 16 * 4 * stride + 64))
            x.data.withUnsafeBufferPointer { xs in
                let src = xs.baseAddress!
                XCTAssertEqual(layout.transform(src, 16, plane, 4, 40, 0, 1, words, 0, 20, stride), 0, "rows of 20 tiles")
                XCTAssertEqual(layout.transform(src, shape.c, plane, shape.h, shape.w, 0, 1, words, 8, t, stride), 0, "first tile 8")
                XCTAssertEqual(layout.transform(src, shape.c, plane, shape.h, shape.w, 0, 1, words + 1, 0, t, stride), 0, "misaligned")
                asl_winograd_portable(1)
                defer { asl_winograd_portable(0) }
                XCTAssertEqual(layout.transform(src, shape.c, plane, shape.h, shape.w, 0, 1, words, 0, t, stride), 0, "plain forced")
            }
            XCTAssertEqual(Array(UnsafeRawBufferPointer(start: packed, count: 16 * 4 * stride + 64)), guardBytes, "declined calls wrote nothing", file: file, line: line)
        }
    }

    /// Conv2d's bf16 forward with its operands packed where they are made (the transformed
    /// weights once, V by the transform) gives the bits of the forward that packs them in each
    /// point's product (which the plain transforms force), in training and in inference, in whole
    /// images and in bands of one tile row; and the packed route is chosen only where it applies.
    func testBF16ForwardWithOperandsPackedWhereMadeGivesTheSameBits() throws {
        XCTAssertFalse(WinogradConvolution.packsBF16Forward(.f2, kernel: .avx512BF16, inChannels: 32, width: 40), "rows of 20 tiles")
        XCTAssertFalse(WinogradConvolution.packsBF16Forward(.f4, kernel: .avx512BF16, inChannels: 32, width: 64), "F(4×4)")
        XCTAssertFalse(WinogradConvolution.packsBF16Forward(.f2, kernel: .avx512, inChannels: 32, width: 64), "fp32")
        XCTAssertFalse(WinogradConvolution.packsBF16Forward(.f2, kernel: .avx512BF16, inChannels: 400, width: 64), "two passes over k")
        try XCTSkipIf(ProductKernel.bf16 != .avx512BF16, "the packed route needs the AVX512-BF16 kernel (this CPU: \(String(describing: ProductKernel.bf16)))")
        checkForwardWithOperandsPackedWhereMade(seed: 130, engine: { Engine(threads: 2, precision: .bf16) }) { channels, width in
            WinogradConvolution.packsBF16Forward(.f2, kernel: .avx512BF16, inChannels: channels, width: width)
        }
    }

    /// The same on AMX (its tile model on a CPU without AMX; `BF16GEMMTests` holds the real tile
    /// code to the model): V written in AMX's layout by the transform gives the bits of packing it
    /// in each point's product, with odd channels (pairs padded to whole tiles) and in bands.
    func testAMXForwardWithVPackedByTheTransformGivesTheSameBits() throws {
        XCTAssertFalse(WinogradConvolution.packsAMXForward(.f2, kernel: .amxBF16, inChannels: 32, width: 40), "rows of 20 tiles")
        XCTAssertFalse(WinogradConvolution.packsAMXForward(.f2, kernel: .avx512BF16, inChannels: 32, width: 64), "not AMX")
        XCTAssertFalse(WinogradConvolution.packsAMXForward(.f2, kernel: .amxBF16, inChannels: 600, width: 64), "two passes over k")
        try XCTSkipIf(asl_simd_has_avx512_bf16() == 0, "AMX's packing (and its tile model) needs AVX512-BF16")
        checkForwardWithOperandsPackedWhereMade(seed: 140, engine: { Engine(threads: 2, kernel: .amxBF16) }) { channels, width in
            WinogradConvolution.packsAMXForward(.f2, kernel: .amxBF16, inChannels: channels, width: width)
        }
    }
}

extension WinogradTests {
    /// Inference's F(2×2) output transform pools its tiles itself (each tile's 2 × 2 outputs are
    /// one pooling window) and biases and ReLUs the maxima: the bits of transforming, then pooling,
    /// which the plain transforms force; in fp32 and bf16, with and without ReLU, rows of 6 tiles
    /// (a part-filled vector), in whole images and in bands of one tile row. No pooling pass then
    /// runs; training, which keeps the winners, and F(4×4) still pool after the transform.
    func testInferenceF2OutputTransformPoolsWithTheBitsOfPoolingAfter() throws {
        try XCTSkipIf(ProductKernel.fp32 != .avx512, "the fused epilogue is AVX-512 code: without it the transform and the pooling run apart")
        let shapes: [(c: Int, k: Int, n: Int, h: Int, w: Int, precision: Precision, relu: Bool)] = [
            (16, 10, 3, 8, 12, .fp32, true), (16, 10, 3, 8, 12, .fp32, false), (32, 20, 2, 8, 64, .bf16, true), (33, 7, 3, 6, 32, .bf16, true),
        ]
        for (index, shape) in shapes.enumerated() {
            var random = Initializer(seed: UInt64(140 + index))
            let conv = Conv2d(name: "c", inChannels: shape.c, outChannels: shape.k, kernel: 3, padding: 1, fusedReLU: shape.relu, random: &random)
            let x = randomTensor([shape.c, shape.n, shape.h, shape.w], seed: UInt64(145 + index))
            for pieceBytes in [1, 1 << 26] {
                conv.winogradPieceBytes = pieceBytes
                func pooled(training: Bool, _ algorithm: ConvolutionAlgorithm = .winograd2x2) -> (bits: [UInt32], pooledApart: Bool) {
                    let profile = EngineProfile()
                    conv.engine = Engine(threads: 2, precision: shape.precision, profile: profile, convolution: algorithm)
                    let y = conv.forward(x, training: training, pool: MaxPool2d())
                    return (y.data.map(\.bitPattern), profile.report.contains { $0.key.layer == "c" && $0.key.phase == .pooling })
                }
                let fused = pooled(training: false), trained = pooled(training: true)
                asl_winograd_portable(1)
                let apart = pooled(training: false)
                asl_winograd_portable(0)
                XCTAssertEqual(fused.bits, apart.bits, "case \(index), piece bytes \(pieceBytes)")
                XCTAssertFalse(fused.pooledApart, "case \(index): the output transform pooled")
                XCTAssertTrue(apart.pooledApart, "case \(index): with the plain transforms the pooling runs apart")
                XCTAssertTrue(trained.pooledApart, "training pools after the transform, keeping the winners")
                XCTAssertEqual(trained.bits, fused.bits, "case \(index): training's pooled values are inference's")
                if shape.precision == .fp32 {
                    XCTAssertTrue(pooled(training: false, .winograd).pooledApart, "F(4×4) pools after its transform")
                }
            }
        }
    }

    /// Conv2d's forward on `engine`, in training and in inference, in whole images and in bands of
    /// one tile row, gives the same bits with its operands packed where they are made as with the
    /// portable transforms, which make each point's product pack them; `packs` must say the packed
    /// route applies to each shape (channels, width) tried.
    private func checkForwardWithOperandsPackedWhereMade(seed: UInt64, engine: () -> Engine, packs: (Int, Int) -> Bool,
                                                         file: StaticString = #filePath, line: UInt = #line) {
        let shapes: [(c: Int, k: Int, n: Int, h: Int, w: Int)] = [(32, 20, 3, 8, 64), (33, 7, 2, 6, 32)]
        for (index, shape) in shapes.enumerated() {
            XCTAssertTrue(packs(shape.c, shape.w), "case \(index)", file: file, line: line)
            var random = Initializer(seed: seed + UInt64(index))
            let conv = Conv2d(name: "c", inChannels: shape.c, outChannels: shape.k, kernel: 3, padding: 1, fusedReLU: true, random: &random)
            let x = randomTensor([shape.c, shape.n, shape.h, shape.w], seed: seed + 5 + UInt64(index))
            for pieceBytes in [1, 1 << 26] {
                conv.winogradPieceBytes = pieceBytes
                func outputs() -> [[UInt32]] {
                    conv.engine = engine()
                    return [conv.forward(x, training: true), conv.forward(x, training: false)].map { $0.data.map(\.bitPattern) }
                }
                let packed = outputs()
                asl_winograd_portable(1)
                let unpacked = outputs()
                asl_winograd_portable(0)
                XCTAssertEqual(packed, unpacked, "case \(index), piece bytes \(pieceBytes)", file: file, line: line)
            }
        }
    }
}
