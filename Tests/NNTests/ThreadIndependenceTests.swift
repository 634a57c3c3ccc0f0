import XCTest
import SIMDKernels
@testable import NN

/// The same seed and data train the same bytes with any thread count (README's promise; the
/// stage key leaves the thread count out).
final class ThreadIndependenceTests: XCTestCase {
    /// Trains a small SmallCNN for a few Adam steps on a batch of 19 images (odd, so thread
    /// shares and gradient parts differ in size) and returns every weight. The second conv
    /// (12 px) runs Winograd F(4×4) in fp32 and F(2×2) in bf16, the third (6 px) F(2×2).
    /// With `kernel`, on that product kernel whatever the CPU has (AMX on its scalar tile model).
    func trainedWeights(threads: Int, precision: Precision, kernel: ProductKernel? = nil, steps: Int = 3) -> [[Float]] {
        let architecture = SmallCNNArchitecture(inputSize: 24, channels: [16, 16, 20], classHidden: 40, distanceHidden: 36, classes: 26,
                                                inputStandardisation: InputStandardisation(mean: [0.8, 0.7, 0.9], std: [0.2, 0.15, 0.1]))
        let model = SmallCNN(architecture: architecture, seed: 5)
        let engine = kernel.map { Engine(threads: threads, kernel: $0) } ?? Engine(threads: threads, precision: precision)
        model.engine = engine
        let adam = Adam(parameters: model.parameters, learningRate: 0.003)
        adam.engine = engine
        var random = Initializer(seed: 6)
        var input = Tensor(zeros: [19, 3, 24, 24])
        for i in input.data.indices { input.data[i] = Float(random.unit()) }
        let classes = (0..<19).map { $0 % 26 }, distances = (0..<19).map { Float(1 + $0 % 5) }
        for _ in 0..<steps {
            let (logits, distance) = model.forward(input, training: true)
            let loss = DualHeadLoss.evaluate(logits: logits, distance: distance, classes: classes, distances: distances, distanceWeight: 0.25)
            model.zeroGradients()
            _ = model.backward(logitsGradient: loss.logitsGradient, distanceGradient: loss.distanceGradient)
            adam.step()
        }
        return model.stateTensors().map(\.tensor.data)
    }

    /// A thread count far beyond any machine's (`--threads` refuses it; a library caller may
    /// not) runs on the engine's most and trains the same weights, where it overflowed before.
    func testAnyThreadCountRunsOnAtMostTheEnginesMostAndTrainsTheSameWeights() {
        XCTAssertEqual(Engine(threads: .max).threads, Engine.maximumThreads)
        XCTAssertEqual(Engine(threads: 0).threads, 1)
        XCTAssertEqual(trainedWeights(threads: .max, precision: .fp32, steps: 1), trainedWeights(threads: 1, precision: .fp32, steps: 1))
    }

    func testOneTwoThreeAndEightThreadsTrainIdenticalWeightsInFP32() {
        let one = trainedWeights(threads: 1, precision: .fp32)
        for threads in [2, 3, 8] {
            XCTAssertEqual(trainedWeights(threads: threads, precision: .fp32), one, "fp32 weights after 3 steps with \(threads) threads")
        }
    }

    func testOneTwoAndEightThreadsTrainIdenticalWeightsInBF16() throws {
        try XCTSkipIf(ProductKernel.bf16 == nil, "no bf16 kernel on this CPU")
        let one = trainedWeights(threads: 1, precision: .bf16)
        for threads in [2, 8] {
            XCTAssertEqual(trainedWeights(threads: threads, precision: .bf16), one, "bf16 weights after 3 steps with \(threads) threads")
        }
        XCTAssertNotEqual(one, trainedWeights(threads: 1, precision: .fp32), "bf16 is a different arithmetic")
    }

    /// The Intel kind's bf16 runs its products on AMX tiles, which no machine the tests ran on
    /// had; here the AMX driver runs on its scalar model of the tile instructions through the
    /// whole model (Winograd conv 2 and 3 in F(2×2), the lowered conv 1, the linear layers; no
    /// packed operands or pooled products, which AMX does not have), so the engine's AMX routes
    /// are held to the same promise: the same weights for any thread count.
    func testOneTwoAndThreeThreadsTrainIdenticalWeightsOnTheAMXTileModel() throws {
        try XCTSkipIf(asl_simd_has_avx512_bf16() == 0, "the AMX driver's packing needs AVX512-BF16")
        let one = trainedWeights(threads: 1, precision: .bf16, kernel: .amxBF16)
        for threads in [2, 3] {
            XCTAssertEqual(trainedWeights(threads: threads, precision: .bf16, kernel: .amxBF16), one, "AMX-model weights with \(threads) threads")
        }
        // Training moved the weights, and not as float32 does.
        XCTAssertNotEqual(one, trainedWeights(threads: 1, precision: .fp32, steps: 0))
        XCTAssertNotEqual(one, trainedWeights(threads: 1, precision: .fp32))
    }

    /// bf16 layers are float32 layers within bf16's rounding: outputs and every gradient of a
    /// conv and a linear layer stay within a few 2⁻⁸ of the float32 ones (which the
    /// finite-difference checks hold to the true derivatives), on this CPU's bf16 kernel and on
    /// the AMX tile model.
    func testBF16LayersStayWithinRoundingOfFP32() throws {
        try XCTSkipIf(ProductKernel.bf16 == nil, "no bf16 kernel on this CPU")
        for kernel in Set([ProductKernel.bf16!, .amxBF16]) { assertLayersWithinRoundingOfFP32(on: kernel) }
    }

    func assertLayersWithinRoundingOfFP32(on kernel: ProductKernel) {
        var random = Initializer(seed: 21)
        func tensor(_ shape: [Int]) -> Tensor {
            var t = Tensor(zeros: shape)
            for i in t.data.indices { t.data[i] = Float(random.unit() * 2 - 1) }
            return t
        }
        let conv = Conv2d(name: "c", inChannels: 5, outChannels: 7, kernel: 3, padding: 1, random: &random)
        let linear = Linear(name: "l", inFeatures: 60, outFeatures: 9, random: &random)
        let x = tensor([5, 3, 9, 8]), dy = tensor([7, 3, 9, 8]), xl = tensor([4, 60]), dyl = tensor([4, 9])
        func results(_ kernel: ProductKernel) -> [(String, [Float], Float)] {
            let engine = Engine(threads: 2, kernel: kernel)
            conv.engine = engine
            linear.engine = engine
            for p in [conv.weight, conv.bias, linear.weight, linear.bias] { p.grad = Tensor(zeros: p.value.shape) }
            let y = conv.forward(x, training: true), dx = conv.backward(dy, needInput: true)!
            let yl = linear.forward(xl, training: true), dxl = linear.backward(dyl)!
            // Each entry's scale: the sum of |terms| of its sum (inputs in [−1, 1], weights ≤ 1/√fan-in).
            return [("conv output", y.data, 5 * 9 * 0.15), ("conv input gradient", dx.data, 7 * 9 * 0.15),
                    ("conv weight gradient", conv.weight.grad.data, 3 * 72), ("conv bias gradient", conv.bias.grad.data, 0),
                    ("linear output", yl.data, 60 * 0.13), ("linear input gradient", dxl.data, 9 * 0.13),
                    ("linear weight gradient", linear.weight.grad.data, 4)]
        }
        let reference = results(ProductKernel.fp32), mixed = results(kernel)
        for ((name, a, scale), (_, b, _)) in zip(reference, mixed) {
            let worst = zip(a, b).map { abs($0 - $1) }.max()!
            // 2⁻⁸ of the terms' magnitude (bias gradients are plain float32 sums: equal).
            XCTAssertLessThanOrEqual(worst, scale == 0 ? 0 : Float(0x1p-8) * scale, "\(name), \(kernel.rawValue)")
        }
    }

    func testProfileTimesEveryLayerAndCountsTheProducts() {
        let profile = EngineProfile()
        let engine = Engine(threads: 2, profile: profile)
        _ = NNBenchmark.trainImagesPerSecond(batch: 4, steps: 1, engine: engine,
                                             architecture: SmallCNNArchitecture(inputSize: 16, channels: [16, 16, 8], classHidden: 16, distanceHidden: 8))
        let rows = profile.report
        for layer in ["features.0", "features.3", "features.6"] {
            for direction in [EngineProfile.Direction.forward, .backward] {
                let gemm = rows.first { $0.key.layer == layer && $0.key.direction == direction && $0.key.phase == .gemm }
                XCTAssertNotNil(gemm, "\(layer) \(direction) GEMM")
                XCTAssertGreaterThan(gemm?.entry.operations ?? 0, 0)
                // Where the engine's own kernel runs, the first conv's forward pools in its product
                // and its backward reads the winners: no pooling pass either way.
                let pooledInProduct = layer == "features.0" && PooledConvolution.covers(engine.kernel)
                XCTAssertEqual(rows.contains { $0.key.layer == layer && $0.key.direction == direction && $0.key.phase == .pooling }, !pooledInProduct,
                               "\(layer) \(direction) pooling pass")
            }
        }
        // Conv 0 forward at 16 px, batch 4: 2 · 4 · 16² · 4 · 27 operations.
        let conv0 = rows.first { $0.key.layer == "features.0" && $0.key.direction == .forward && $0.key.phase == .gemm }!
        XCTAssertEqual(conv0.entry.operations, 2 * 4 * 256 * 16 * 27)
        // Conv 2 (16 → 8 channels at 4 px) by Winograd F(4×4): 36 products of 8 × 16 by 16 × (4 images · 1 tile).
        let conv2 = rows.first { $0.key.layer == "features.6" && $0.key.direction == .forward && $0.key.phase == .gemm }!
        XCTAssertEqual(conv2.entry.operations, 2 * 36 * 8 * 16 * 4)
        XCTAssertNotNil(rows.first { $0.key.layer == "features.3" && $0.key.phase == .transform })
        XCTAssertNil(rows.first { $0.key.layer == "features.0" && $0.key.phase == .transform }, "3 input channels: direct")
        XCTAssertNotNil(rows.first { $0.key.phase == .adam })
        XCTAssertNotNil(rows.first { $0.key.phase == .loss })
        XCTAssertNil(rows.first { $0.key.phase == .zeroing }, "a training step sets its gradients: nothing zeroes them first")
    }

    /// A phase timed on the calling thread (Adam: one pass split over the threads inside it)
    /// counts its wall time once per thread, so ÷ threads it is the update's wall time, not
    /// half of it; and no direction's phases add up to more than its wall time.
    func testProfilePhasesAddUpToTheWallTime() {
        let profile = EngineProfile()
        let threads = 2
        // A class head of 256 × 4096 weights: Adam's pass (about a millisecond) dwarfs the few
        // microseconds of clock reads around it, which a tiny model's update would not.
        _ = NNBenchmark.trainImagesPerSecond(batch: 8, steps: 2, engine: Engine(threads: threads, profile: profile),
                                             architecture: SmallCNNArchitecture(inputSize: 32, channels: [8, 16, 16], classHidden: 4096, distanceHidden: 16))
        let wall = Dictionary(uniqueKeysWithValues: profile.wall.map { ($0.direction, $0.seconds) })
        XCTAssertEqual(Set(wall.keys), [.forward, .backward, .update])
        let rows = profile.report
        for (direction, seconds) in wall {
            let phases = rows.filter { $0.key.direction == direction }.reduce(0) { $0 + $1.entry.threadSeconds } / Double(threads)
            XCTAssertLessThanOrEqual(phases, seconds * 1.001, "\(direction)")
        }
        let adam = rows.first { $0.key.phase == .adam }!.entry.threadSeconds / Double(threads)
        XCTAssertGreaterThan(adam, 0.8 * wall[.update]!, "Adam is all an update does")
    }
}
