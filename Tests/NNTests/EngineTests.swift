import XCTest
import SIMDKernels
import Foundation
@testable import NN

final class EngineTests: XCTestCase {
    /// A plain direct convolution: the obviously correct reference for the im2col + GEMM kernel.
    func directConvolution(_ x: Tensor, _ w: Tensor, _ b: Tensor, padding p: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (k, kh) = (w.shape[0], w.shape[2])
        var out = Tensor(zeros: [n, k, h, wd])
        for i in 0..<n { for o in 0..<k { for y in 0..<h { for xx in 0..<wd {
            var sum = b.data[o]
            for ch in 0..<c { for ky in 0..<kh { for kx in 0..<kh {
                let sy = y + ky - p, sx = xx + kx - p
                if sy >= 0, sy < h, sx >= 0, sx < wd {
                    sum += x.data[((i * c + ch) * h + sy) * wd + sx] * w.data[((o * c + ch) * kh + ky) * kh + kx]
                }
            }}}
            out.data[((i * k + o) * h + y) * wd + xx] = sum
        }}}}
        return out
    }

    func testConvolutionMatchesDirectReference() {
        var random = Initializer(seed: 9)
        let conv = Conv2d(name: "c", inChannels: 3, outChannels: 4, kernel: 3, padding: 1, random: &random)
        var x = Tensor(zeros: [2, 3, 7, 9])
        for i in x.data.indices { x.data[i] = Float(random.unit()) }
        // The engine's convs take and give channel-major (C, N, H, W) activations.
        let fast = conv.forward(x.swappingLeadingAxes(), training: false).swappingLeadingAxes()
        XCTAssertEqual(fast.shape, [2, 4, 7, 9])
        let slow = directConvolution(x, conv.weight.value, conv.bias.value, padding: 1)
        for (a, b) in zip(fast.data, slow.data) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    func testAdamMatchesTheTorchFormula() {
        // One parameter p = 1, gradients 0.5 then −0.2, lr 0.1, default betas and eps:
        // step 1: m = 0.05, v = 0.00025, p = 1 − 0.1 · (0.05/0.1) / (√0.00025/√0.001 + 1e-8) = 0.9
        // step 2: m = 0.025, v = 0.00028975, m̂ = 0.025/0.19, v̂ = 0.00028975/0.001999,
        //         p = 0.9 − 0.1 · m̂ / (√v̂ + 1e-8)
        let p = Parameter(name: "p", value: Tensor(shape: [1], data: [1]))
        let adam = Adam(parameters: [p], learningRate: 0.1)
        p.grad.data[0] = 0.5
        adam.step()
        XCTAssertEqual(p.value.data[0], 0.9, accuracy: 1e-6)
        p.grad.data[0] = -0.2
        adam.step()
        let mHat = 0.025 / 0.19, vHat = 0.00028975 / (1 - 0.999 * 0.999)
        XCTAssertEqual(Double(p.value.data[0]), 0.9 - 0.1 * mHat / (vHat.squareRoot() + 1e-8), accuracy: 1e-5)
        XCTAssertEqual(adam.state.step, 2)
    }

    /// The AVX-512 pass rounds every operation as the plain loop does: the same bits, so the
    /// trained bytes do not depend on which ran.
    func testAdamVectorPassMatchesThePlainLoopBitForBit() {
        var random = Initializer(seed: 3)
        let count = 1000 // 62 vectors and a tail of 8
        func values(_ scale: Double, positive: Bool = false) -> [Float] {
            (0..<count).map { _ in Float(positive ? random.unit() * scale : (random.unit() * 2 - 1) * scale) }
        }
        let p = values(1), g = values(0.1), m = values(0.01), v = values(1e-4, positive: true)
        var (p1, m1, v1) = (p, m, v), (p2, m2, v2) = (p, m, v)
        let ran = asl_adam_avx512(&p1, g, &m1, &v1, count, 0.9, 0.999, 0.0123, 0.0447, 1e-8)
        Adam.update(&p2, g, &m2, &v2, count: count, beta1: 0.9, beta2: 0.999, stepSize: 0.0123, root2: 0.0447, epsilon: 1e-8)
        guard ran != 0 else {
            XCTAssertEqual(asl_simd_has_avx512(), 0)
            XCTAssertEqual(p1, p, "a declined call writes nothing")
            return
        }
        XCTAssertEqual(p1.map(\.bitPattern), p2.map(\.bitPattern))
        XCTAssertEqual(m1.map(\.bitPattern), m2.map(\.bitPattern))
        XCTAssertEqual(v1.map(\.bitPattern), v2.map(\.bitPattern))
    }


    /// The weight gradients' partials are added by blocks and vectors: each element must get
    /// the additions of a loop over the parts in part order (the bits the reductions promise),
    /// across block edges and tails, and nothing past its elements.
    func testAddingPartsInVectorsGivesTheBitsOfTheLoopOverParts() {
        var random = Initializer(seed: 4)
        for (elements, parts) in [(1037, 3), (2048, 8), (5, 2), (3100, 1)] {
            let stride = elements + 11
            let partials = (0..<(parts * stride)).map { _ in Float((random.unit() * 2 - 1) * pow(10, random.unit() * 6 - 3)) }
            let start = (0..<(elements + 4)).map { _ in Float(random.unit() - 0.5) }
            var expected = start
            for i in 0..<elements {
                var sum = start[i]
                for p in 0..<parts { sum += partials[p * stride + i] }
                expected[i] = sum
            }
            var summed = start
            partials.withUnsafeBufferPointer { p in
                summed.withUnsafeMutableBufferPointer { d in
                    Elementwise.addParts(p.baseAddress!, count: parts, partStride: stride, elements: elements, into: d.baseAddress!)
                }
            }
            XCTAssertEqual(summed.map(\.bitPattern), expected.map(\.bitPattern), "\(elements) elements, \(parts) parts")
            XCTAssertNotEqual(summed, start)
        }
    }
    func testDefaultInitialisationIsUniformWithinOneOverRootFanIn() {
        let model = SmallCNN(architecture: SmallCNNArchitecture(), seed: 1)
        for p in model.parameters {
            let fanIn = p.name.hasPrefix("features") ? model.parameters.first { $0.name == p.name.replacingOccurrences(of: "bias", with: "weight") }!.value.shape.dropFirst().reduce(1, *)
                : model.parameters.first { $0.name == p.name.replacingOccurrences(of: "bias", with: "weight") }!.value.shape[1]
            let bound = Float(1 / Double(fanIn).squareRoot())
            XCTAssertLessThanOrEqual(p.value.data.map(abs).max()!, bound, p.name)
            if p.value.count > 1000 {
                let mean = p.value.data.reduce(0, +) / Float(p.value.count)
                let spread = p.value.data.map { $0 * $0 }.reduce(0, +) / Float(p.value.count)
                XCTAssertEqual(mean, 0, accuracy: bound * 0.05, p.name)
                XCTAssertEqual(spread, bound * bound / 3, accuracy: bound * bound * 0.05, "variance of U(±b) is b²/3 (\(p.name))")
            }
        }
        XCTAssertEqual(model.parameters.map(\.name), ["features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
                                                      "features.6.weight", "features.6.bias", "class_head.0.weight", "class_head.0.bias",
                                                      "class_head.2.weight", "class_head.2.bias", "dist_head.0.weight", "dist_head.0.bias",
                                                      "dist_head.2.weight", "dist_head.2.bias"])
        XCTAssertEqual(model.parameters[6].value.shape, [256, 32768])
    }

    func tinyModel(seed: UInt64) -> SmallCNN {
        SmallCNN(architecture: SmallCNNArchitecture(inputSize: 16, channels: [4, 8, 8], classHidden: 16, distanceHidden: 8, classes: 26), seed: seed)
    }

    func train(_ model: SmallCNN, steps: Int) -> (Tensor, [Int], Float) {
        var random = Initializer(seed: 5)
        var input = Tensor(zeros: [8, 3, 16, 16])
        for i in input.data.indices { input.data[i] = Float(random.unit()) }
        let classes = [0, 1, 2, 3, 4, 5, 6, 7], distances: [Float] = [1, 2, 3, 4, 5, 1.5, 2.5, 3.5]
        let adam = Adam(parameters: model.parameters, learningRate: 0.01)
        var last: Float = 0
        for _ in 0..<steps {
            let (logits, distance) = model.forward(input, training: true)
            let loss = DualHeadLoss.evaluate(logits: logits, distance: distance, classes: classes, distances: distances, distanceWeight: 0.25)
            last = loss.total
            model.zeroGradients()
            _ = model.backward(logitsGradient: loss.logitsGradient, distanceGradient: loss.distanceGradient)
            adam.step()
        }
        return (input, classes, last)
    }

    /// Inference (pooling first, the last block's pooled output written in the flatten order,
    /// the linear layers' weights packed once, both heads' first layers in one product) gives
    /// the model's outputs bit for bit as a training forward, on small planes (pooled after the
    /// products) and on SmallCNN's 128 px (in bf16 conv 1 pooled in its product, conv 3 by the
    /// Winograd output transform); inference runs no flatten pass, training does.
    func testInferenceGivesTheTrainingForwardsOutputs() {
        for (size, images) in [(16, 5), (128, 2)] {
            for precision in [Precision.fp32, .bf16] {
                let model = SmallCNN(architecture: SmallCNNArchitecture(inputSize: size, channels: [4, 16, 16], classHidden: 100,
                                                                        distanceHidden: 45, classes: 26), seed: 3)
                let profile = EngineProfile()
                model.engine = Engine(threads: 2, precision: precision, profile: profile)
                let x = randomTensor([images, 3, size, size], seed: 4)
                func flattens() -> Bool { profile.report.contains { $0.key.layer == "flatten" && $0.key.direction == .forward } }
                let inferred = model.forward(x, training: false)
                XCTAssertFalse(flattens(), "\(size) px, \(precision): inference writes the flatten order itself")
                if size == 128, model.engine.kernel == .avx512BF16 {
                    XCTAssertFalse(profile.report.contains { $0.key.layer == "features.6" && $0.key.phase == .pooling },
                                   "conv 3's output transform pooled, in the flatten order")
                    XCTAssertFalse(profile.report.contains { $0.key.layer == "features.0" && [.pooling, .lowering].contains($0.key.phase) },
                                   "conv 1's product read the image and pooled")
                }
                let trained = model.forward(x, training: true)
                XCTAssertTrue(flattens(), "training flattens")
                let label = "\(size) px, \(precision)"
                XCTAssertEqual(inferred.logits.data.map(\.bitPattern), trained.logits.data.map(\.bitPattern), "\(label) logits")
                XCTAssertEqual(inferred.distance.data.map(\.bitPattern), trained.distance.data.map(\.bitPattern), "\(label) distance")
                // Kept feature maps take the flatten pass and give the same outputs.
                let kept = model.forward(x, training: false, keepingFeatureMaps: true)
                XCTAssertEqual(kept.logits.data.map(\.bitPattern), inferred.logits.data.map(\.bitPattern), "\(label) logits, maps kept")
                XCTAssertEqual(model.forward(x, training: false).logits.data.map(\.bitPattern), inferred.logits.data.map(\.bitPattern),
                               "\(label) logits, again")
            }
        }
    }

    /// Inference runs the first two blocks image by image on each worker's copies of them, and
    /// keeps conv 2's transformed weights between forwards: it gives the batched inference's bits
    /// for an odd batch with 1, 2 or 3 threads, in fp32 (F(4×4)) and bf16 (F(2×2), this CPU's
    /// bf16 kernel and AMX's routes), and after the
    /// weights change in place or a training step has used the same buffers it gives what a
    /// fresh model with those weights gives.
    func testImageByImageInferenceGivesTheBatchedBitsAndFollowsWeightChanges() {
        let architecture = SmallCNNArchitecture(inputSize: 32, channels: [16, 16, 24], classHidden: 30, distanceHidden: 20, classes: 26,
                                                inputStandardisation: InputStandardisation(mean: [0.8, 0.7, 0.9], std: [0.2, 0.15, 0.1]))
        let x = randomTensor([7, 3, 32, 32], seed: 8)
        func bits(_ outputs: (logits: Tensor, distance: Tensor)) -> [UInt32] {
            (outputs.logits.data + outputs.distance.data).map(\.bitPattern)
        }
        /// What a model that never ran before gives with `model`'s weights (no cached transforms).
        func fresh(_ model: SmallCNN, _ engine: Engine) -> [UInt32] {
            let copy = SmallCNN(architecture: architecture, seed: 99)
            XCTAssertNoThrow(try copy.load(Dictionary(uniqueKeysWithValues: model.stateTensors().map { ($0.name, $0.tensor) })))
            copy.engine = engine
            copy.imageByImageInference = false
            return bits(copy.forward(x, training: false))
        }
        // This CPU's fp32 and bf16 kernels, and AMX's routes (on its scalar tile model without AMX).
        var kernels = [ProductKernel.fp32] + (ProductKernel.bf16.map { [$0] } ?? [])
        if asl_simd_has_avx512_bf16() != 0, !kernels.contains(.amxBF16) { kernels.append(.amxBF16) }
        for kernel in kernels {
            let model = SmallCNN(architecture: architecture, seed: 12), batched = SmallCNN(architecture: architecture, seed: 12)
            batched.imageByImageInference = false
            for threads in [1, 2, 3] {
                let label = "\(kernel.rawValue), \(threads) threads"
                let engine = Engine(threads: threads, kernel: kernel)
                (model.engine, batched.engine) = (engine, engine)
                let before = bits(model.forward(x, training: false))
                XCTAssertTrue(before == bits(batched.forward(x, training: false)), "\(label): the batched inference's bits")
                XCTAssertTrue(before == bits(model.forward(x, training: false)), "\(label), again")
                // Conv 2's weights changed in place: not the transformed weights of the last forward.
                let original = model.convs[1].weight.value.data
                for i in original.indices where i % 3 == threads % 3 { model.convs[1].weight.value.data[i] *= 1.5 }
                let changed = bits(model.forward(x, training: false))
                XCTAssertFalse(changed == before, "\(label): the change reaches the outputs")
                XCTAssertTrue(changed == fresh(model, engine), "\(label), weights changed in place")
                // A training step's backward lays conv 2's scratch out its own way.
                let (logits, distance) = model.forward(x, training: true)
                let loss = DualHeadLoss.evaluate(logits: logits, distance: distance, classes: Array(0..<7), distances: [Float](repeating: 2, count: 7),
                                                 distanceWeight: 0.25)
                _ = model.backward(logitsGradient: loss.logitsGradient, distanceGradient: loss.distanceGradient, replacingGradients: true)
                XCTAssertTrue(bits(model.forward(x, training: false)) == fresh(model, engine), "\(label), after a backward")
                model.convs[1].weight.value.data = original
            }
        }
    }

    func testTinyModelOverfitsATinyDataSet() {
        let model = tinyModel(seed: 1)
        let (input, classes, loss) = train(model, steps: 150)
        let (logits, _) = model.forward(input, training: false)
        let predicted = (0..<8).map { i in (0..<26).max { logits.data[i * 26 + $0] < logits.data[i * 26 + $1] }! }
        XCTAssertEqual(predicted, classes, "100 % train accuracy")
        XCTAssertLessThan(loss, 0.1)
    }

    /// Training sets the gradients (`replacingGradients`) instead of zeroing them and adding:
    /// the same bits whatever the gradients held before, lowered and Winograd layers alike;
    /// without it, backward still adds.
    func testReplacingGradientsGivesTheBitsOfZeroingThenAdding() {
        for channels in [[4, 8, 8], [16, 16, 16]] {
            let model = SmallCNN(architecture: SmallCNNArchitecture(inputSize: 16, channels: channels, classHidden: 16, distanceHidden: 8,
                                                                    classes: 26), seed: 3)
            let input = randomTensor([4, 3, 16, 16], seed: 4)
            func backward(replacing: Bool) -> [[UInt32]] {
                let (logits, distance) = model.forward(input, training: true)
                let loss = DualHeadLoss.evaluate(logits: logits, distance: distance, classes: [0, 5, 9, 25], distances: [1, 2, 3, 4],
                                                 distanceWeight: 0.25)
                _ = model.backward(logitsGradient: loss.logitsGradient, distanceGradient: loss.distanceGradient, replacingGradients: replacing)
                return model.parameters.map { $0.grad.data.map(\.bitPattern) }
            }
            for p in model.parameters { p.grad = Tensor(shape: p.grad.shape, data: [Float](repeating: 7, count: p.grad.count)) }
            let replaced = backward(replacing: true)
            model.zeroGradients()
            let zeroedThenAdded = backward(replacing: false)
            XCTAssertEqual(replaced, zeroedThenAdded, "channels \(channels)")
            // A second backward adds (about twice the gradient: the partial sums round on their own).
            let twice = backward(replacing: false)
            for (sum, once) in zip(twice, zeroedThenAdded) {
                let scale = once.map { abs(Float(bitPattern: $0)) }.max() ?? 0
                for (s2, s1) in zip(sum, once) {
                    XCTAssertEqual(Float(bitPattern: s2), 2 * Float(bitPattern: s1), accuracy: 1e-5 * scale + 1e-12, "a second backward adds")
                }
            }
        }
    }

    func testSameSeedSameTrajectoryDifferentSeedDifferentWeights() {
        let a = tinyModel(seed: 7), b = tinyModel(seed: 7), c = tinyModel(seed: 8)
        XCTAssertEqual(a.stateTensors().map(\.tensor), b.stateTensors().map(\.tensor))
        XCTAssertNotEqual(a.stateTensors().map(\.tensor), c.stateTensors().map(\.tensor))
        _ = train(a, steps: 5)
        _ = train(b, steps: 5)
        XCTAssertEqual(a.stateTensors().map(\.tensor), b.stateTensors().map(\.tensor), "identical weights after identical training")
    }
}

final class KernelTests: XCTestCase {
    /// Forward output and every gradient of a conv, for comparing ways of computing them.
    func convResults(_ conv: Conv2d, _ x: Tensor, _ dy: Tensor) -> [[Float]] {
        conv.weight.grad = Tensor(zeros: conv.weight.value.shape)
        conv.bias.grad = Tensor(zeros: conv.bias.value.shape)
        let y = conv.forward(x, training: true)
        let dx = conv.backward(dy, needInput: true)!
        return [y.data, dx.data, conv.weight.grad.data, conv.bias.grad.data]
    }

    func testConvChunkingAndThreadCountDoNotChangeResults() {
        var random = Initializer(seed: 4)
        let conv = Conv2d(name: "c", inChannels: 3, outChannels: 5, kernel: 3, padding: 1, fusedReLU: true, random: &random)
        let x = randomTensor([3, 7, 6, 10], seed: 1) // (C, N, H, W): 7 images, odd so thread shares differ
        let dy = randomTensor([5, 7, 6, 10], seed: 2)
        conv.engine = Engine(threads: 1)
        let whole = convResults(conv, x, dy)
        for (threads, chunkBytes) in [(1, 1), (2, 1), (2, 3 * 9 * 60 * 4 * 2), (2, 1 << 22), (3, 1 << 22), (8, 1 << 22)] {
            conv.engine = Engine(threads: threads)
            conv.columnBytesPerChunk = chunkBytes
            let other = convResults(conv, x, dy)
            for (name, (a, b)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(whole, other)) {
                XCTAssertEqual(a.count, b.count)
                if chunkBytes == 1 << 22 {
                    // Same chunks: the thread count must not change a bit.
                    XCTAssertEqual(a, b, "\(name) with \(threads) threads")
                } else {
                    let worst = zip(a, b).map { abs($0 - $1) }.max()!
                    XCTAssertLessThan(worst, 1e-4, "\(name) with \(threads) threads, \(chunkBytes)-byte chunks")
                }
            }
        }
    }

    /// Forward in bands of output rows with the bias, ReLU and pooling fused into each band
    /// gives the bits of the whole-image product followed by a separate pool, whether the
    /// conv's output is kept or each band is pooled from a piece buffer (lowered and
    /// Winograd products alike).
    func testBandedForwardWithFusedPoolingMatchesSeparatePasses() {
        for (inChannels, convolution) in [(3, ConvolutionAlgorithm.direct), (16, .winograd), (16, .winograd2x2)] {
            var random = Initializer(seed: 8)
            let conv = Conv2d(name: "c", inChannels: inChannels, outChannels: 6, kernel: 3, padding: 1, fusedReLU: true, random: &random)
            let x = randomTensor([inChannels, 16, 48, 40], seed: 9) // (C, N, H, W): 8 backward parts of 2 images
            conv.engine = Engine(threads: 2, convolution: convolution)
            conv.forwardBandBytes = 1 << 30
            conv.winogradPieceBytes = 1 << 30
            let whole = conv.forward(x, training: false)
            let separate = MaxPool2d().forward(whole)
            // Lowered: bands of 26 rows (the 1024-output floor), of 6 rows, whole images. Winograd: one tile row, a few, whole images.
            let sizes = inChannels == 3 ? [1, 3 * 9 * 40 * 4 * 6, 1 << 30] : [1, 36 * 22 * 4 * 10 * 3, 1 << 30]
            for bytes in sizes {
                for keep in [true, false] {
                    let label = "\(convolution), \(bytes)-byte pieces, output \(keep ? "kept" : "not kept")"
                    conv.forwardBandBytes = bytes
                    conv.winogradPieceBytes = bytes
                    let pool = MaxPool2d()
                    let pooled = conv.forward(x, training: true, pool: pool, keepOutput: keep)
                    if keep { XCTAssertEqual(conv.lastOutput.data.map(\.bitPattern), whole.data.map(\.bitPattern), "conv output, \(label)") }
                    XCTAssertEqual(pooled.shape, separate.shape)
                    XCTAssertEqual(pooled.data.map(\.bitPattern), separate.data.map(\.bitPattern), "pooled output, \(label)")
                    if !keep {
                        // Inference pools the raw products, then biases and ReLUs: the same bits.
                        let inferred = conv.forward(x, training: false, pool: MaxPool2d())
                        XCTAssertEqual(inferred.data.map(\.bitPattern), separate.data.map(\.bitPattern), "inference's pooled output, \(label)")
                        _ = conv.forward(x, training: true, pool: pool, keepOutput: keep)
                    }
                    // Backward routes through the winners the fused pass recorded.
                    let dy = randomTensor(pooled.shape, seed: 10)
                    XCTAssertEqual(pool.backward(dy, afterReLU: true).data,
                                   { let p = MaxPool2d(); _ = p.forward(whole); return p.backward(dy, afterReLU: true).data }(), label)
                    // The conv's backward from the pooled gradient, routed chunk by chunk, gives the bits of
                    // the pool's backward followed by the conv's.
                    let separately = gradients(conv) { conv.backward(pool.backward(dy, afterReLU: true), needInput: true)! }
                    _ = conv.forward(x, training: true, pool: pool, keepOutput: keep)
                    let fused = gradients(conv) { conv.backward(pooledGradient: dy, pool: pool, needInput: true)! }
                    XCTAssertEqual(fused.map { $0.map(\.bitPattern) }, separately.map { $0.map(\.bitPattern) }, "backward, \(label)")
                }
            }
        }
    }

    /// The input, weight and bias gradients of one backward (`body`) from zeroed gradients.
    private func gradients(_ conv: Conv2d, _ body: () -> Tensor) -> [[Float]] {
        conv.weight.grad = Tensor(zeros: conv.weight.grad.shape)
        conv.bias.grad = Tensor(zeros: conv.bias.grad.shape)
        let dx = body()
        return [dx.data, conv.weight.grad.data, conv.bias.grad.data]
    }

    /// PyTorch's max-pool, plainly: the first maximum of each 2×2 window wins.
    func referencePool(_ x: Tensor) -> (Tensor, [Int]) {
        let (p, q, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var out = Tensor(zeros: [p, q, h / 2, w / 2])
        var winners: [Int] = []
        for plane in 0..<(p * q) { for y in 0..<(h / 2) { for xx in 0..<(w / 2) {
            var best = -Float.infinity, at = -1
            for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                let i = plane * h * w + (2 * y + dy) * w + 2 * xx + dx
                if x.data[i] > best { best = x.data[i]; at = i }
            }
            out.data[(plane * (h / 2) + y) * (w / 2) + xx] = best
            winners.append(at)
        }}}
        return (out, winners)
    }

    func testVectorisedPoolMatchesTheReferenceIncludingTies() {
        var x = randomTensor([2, 3, 6, 70], seed: 3) // 35 outputs per row: two 16-wide blocks and a scalar tail
        for i in stride(from: 0, to: x.count, by: 7) { x.data[i] = 0.5 } // ties
        for i in stride(from: 1, to: x.count, by: 11) { x.data[i] = 0.5 }
        let pool = MaxPool2d()
        let y = pool.forward(x)
        let (expected, winners) = referencePool(x)
        XCTAssertEqual(y.shape, expected.shape)
        XCTAssertEqual(y.data, expected.data)
        let dy = randomTensor(y.shape, seed: 5)
        let dx = pool.backward(dy)
        var expectedDx = [Float](repeating: 0, count: x.count)
        for (o, i) in winners.enumerated() { expectedDx[i] = dy.data[o] }
        XCTAssertEqual(dx.data, expectedDx, "each gradient goes to the first maximum, every other input gets 0")
        // afterReLU drops the gradient of outputs that were not positive.
        let masked = pool.backward(dy, afterReLU: true)
        for (o, i) in winners.enumerated() { expectedDx[i] = y.data[o] > 0 ? dy.data[o] : 0 }
        XCTAssertEqual(masked.data, expectedDx)

        // forward ran the AVX-512 kernel where the CPU has it; the portable one must agree.
        let (h, w) = (x.shape[2], x.shape[3]), plane = (h / 2) * (w / 2)
        var portable = [Float](repeating: 0, count: y.count), portableWinners = [UInt8](repeating: 9, count: y.count)
        x.data.withUnsafeBufferPointer { src in
            portable.withUnsafeMutableBufferPointer { out in
                portableWinners.withUnsafeMutableBufferPointer { win in
                    for p in 0..<(x.shape[0] * x.shape[1]) {
                        MaxPool2d.pool(src.baseAddress! + p * h * w, out.baseAddress! + p * plane, win.baseAddress! + p * plane, height: h, width: w)
                    }
                }
            }
        }
        XCTAssertEqual(portable, expected.data)
        let planeOffsets = winners.map { i in (i / (h * w), i % (h * w)) }
        for (o, (p, offset)) in planeOffsets.enumerated() {
            let (yy, xx) = (offset / w, offset % w), local = o - p * plane
            let (oy, ox) = (local / (w / 2), local % (w / 2))
            XCTAssertEqual(Int(portableWinners[o]), (yy - 2 * oy) * 2 + (xx - 2 * ox), "winner of output \(o)")
        }

        // backward ran the AVX-512 route where the CPU has it; the portable one writes the same bits,
        // negative zeros included.
        var signed = dy
        for i in stride(from: 0, to: signed.count, by: 5) { signed.data[i] = -0.0 }
        for afterReLU in [false, true] {
            let vectorised = pool.backward(signed, afterReLU: afterReLU)
            var plain = [Float](repeating: 7, count: x.count)
            let pooled = y.data
            signed.data.withUnsafeBufferPointer { g in
                pooled.withUnsafeBufferPointer { po in
                    portableWinners.withUnsafeBufferPointer { win in
                        plain.withUnsafeMutableBufferPointer { d in
                            for p in 0..<(x.shape[0] * x.shape[1]) {
                                MaxPool2d.routePlain(g.baseAddress! + p * plane, win.baseAddress! + p * plane, po.baseAddress! + p * plane,
                                                     into: d.baseAddress! + p * h * w, height: h, width: w, afterReLU: afterReLU)
                            }
                        }
                    }
                }
            }
            XCTAssertEqual(vectorised.data.map(\.bitPattern), plain.map(\.bitPattern), "backward, afterReLU \(afterReLU)")
        }
    }

    /// Inference's epilogue (pool the raw products, then bias and ReLU a quarter of the values)
    /// gives the bits of bias, ReLU, then pool, in the AVX-512 kernel and the portable one alike:
    /// ties, negative windows, a bias that makes every value negative, and a scalar tail.
    func testPoolingBeforeBiasAndReLUGivesTheBitsOfPoolingAfter() {
        var x = randomTensor([2, 3, 6, 70], seed: 12) // 35 outputs per row: two 16-wide blocks and a scalar tail
        for i in stride(from: 0, to: x.count, by: 7) { x.data[i] = 0.25 }
        for i in stride(from: 2, to: x.count, by: 13) { x.data[i] = -x.data[i].magnitude }
        let (h, w) = (x.shape[2], x.shape[3]), plane = (h / 2) * (w / 2), planes = x.shape[0] * x.shape[1]
        for (bias, relu) in [(Float(0.125), true), (-0.3, true), (-5, true), (0.7, false), (-0.3, false)] {
            var biased = x
            biased.data.withUnsafeMutableBufferPointer { Elementwise.addBias($0.baseAddress!, count: $0.count, bias: bias, relu: relu) }
            let expected = referencePool(biased).0.data.map(\.bitPattern)
            var vectorised = [Float](repeating: 9, count: planes * plane), portable = vectorised
            x.data.withUnsafeBufferPointer { src in
                vectorised.withUnsafeMutableBufferPointer { v in
                    portable.withUnsafeMutableBufferPointer { p in
                        for i in 0..<planes {
                            MaxPool2d.poolRowsBiased(src.baseAddress! + i * h * w, v.baseAddress! + i * plane, height: h, width: w, bias: bias, relu: relu)
                            MaxPool2d.poolBiased(src.baseAddress! + i * h * w, p.baseAddress! + i * plane, height: h, width: w, bias: bias, relu: relu)
                        }
                    }
                }
            }
            XCTAssertEqual(vectorised.map(\.bitPattern), expected, "bias \(bias), relu \(relu): AVX-512 (or portable where the CPU lacks it)")
            XCTAssertEqual(portable.map(\.bitPattern), expected, "bias \(bias), relu \(relu): portable")
        }
    }

    /// A model trained on standardised input, saved, is the original SmallCNN on [0, 1] input:
    /// same outputs, border pixels included, from a plain model loading the exported tensors.
    func testExportedStateIsThePlainModelOnRawInput() throws {
        let standard = InputStandardisation(mean: [0.85, 0.7, 0.9], std: [0.15, 0.1, 0.25])
        let architecture = SmallCNNArchitecture(inputSize: 16, channels: [4, 5, 6], classHidden: 7, distanceHidden: 3, classes: 26,
                                                inputStandardisation: standard)
        let trained = SmallCNN(architecture: architecture, seed: 11)
        var x = randomTensor([3, 3, 16, 16], seed: 12)
        for i in x.data.indices { x.data[i] = (x.data[i] + 1) / 2 } // [0, 1] pixels
        let (logits, distance) = trained.forward(x, training: false)

        let (plainArchitecture, tensors) = trained.exportedState()
        XCTAssertNil(plainArchitecture.inputStandardisation)
        XCTAssertEqual(tensors.map(\.name), trained.stateTensors().map(\.name))
        let plain = SmallCNN(architecture: plainArchitecture, seed: 99)
        try plain.load(Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) }))
        let (plainLogits, plainDistance) = plain.forward(x, training: false)
        for (a, b) in zip(logits.data + distance.data, plainLogits.data + plainDistance.data) {
            XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(a)))
        }
        // Only the first layer changes.
        for ((name, exported), (_, held)) in zip(tensors, trained.stateTensors()) where !name.hasPrefix("features.0.") {
            XCTAssertEqual(exported.data, held.data, name)
        }
        XCTAssertNotEqual(tensors[0].tensor.data, trained.stateTensors()[0].tensor.data)

        // Without standardisation the export is the model's own state, bit for bit.
        let raw = SmallCNN(architecture: SmallCNNArchitecture(inputSize: 16, channels: [4, 5, 6], classHidden: 7, distanceHidden: 3), seed: 11)
        XCTAssertEqual(raw.exportedState().tensors.map(\.tensor.data), raw.stateTensors().map(\.tensor.data))
    }

    func testSwappingLeadingAxesIsTheTranspose() {
        let t = Tensor(shape: [2, 3, 2], data: (0..<12).map(Float.init))
        let s = t.swappingLeadingAxes()
        XCTAssertEqual(s.shape, [3, 2, 2])
        XCTAssertEqual(s.data, [0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11])
        XCTAssertEqual(s.swappingLeadingAxes(), t)
    }
}
