import Foundation

/// Throughput of SmallCNN on random data: what `asl-lab bench train` reports.
public enum NNBenchmark {
    /// Training images per second (data loading, forward, backward, Adam), after one warm-up
    /// step. With a profile in `engine`, the warm-up step is not profiled. Each step fills its
    /// batch as training does (`PixelBatch`), from random 8-bit images in a pool larger than
    /// the caches, taken in a seeded random order as a shuffled data set is.
    public static func trainImagesPerSecond(batch: Int = 32, steps: Int, engine: Engine, architecture: SmallCNNArchitecture = .init()) -> Double {
        let model = SmallCNN(architecture: architecture, seed: 1)
        let optimizer = Adam(parameters: model.parameters, learningRate: 1e-3)
        let quiet = Engine(threads: engine.threads, precision: engine.requestedPrecision)
        model.engine = quiet
        optimizer.engine = quiet
        let size = architecture.inputSize, imageBytes = 3 * architecture.inputSize * architecture.inputSize
        let poolImages = max(batch, (64 << 20) / imageBytes)
        let pool = randomImages(count: poolImages, imageBytes: imageBytes)
        var order = Initializer(seed: 11)
        var buffer = [Float](repeating: 0, count: batch * imageBytes)
        let classes = (0..<batch).map { $0 % architecture.classes }
        let distances = (0..<batch).map { Float(1 + $0 % 4) }
        func step() {
            let profile = model.engine.profile
            var start = EngineProfile.now()
            func lap(_ direction: EngineProfile.Direction) {
                let now = EngineProfile.now()
                profile?.addWall(direction, seconds: now - start)
                start = now
            }
            let slots = (0..<batch).map { _ in Int(order.next() % UInt64(poolImages)) }
            model.engine.timed("input", .forward, .data) {
                pool.withUnsafeBufferPointer { pixels in
                    buffer.withUnsafeMutableBufferPointer { PixelBatch.fill(pixels, imageBytes: imageBytes, slots: slots, into: $0) }
                }
            }
            let (logits, distance) = model.forward(Tensor(shape: [batch, 3, size, size], data: buffer), training: true)
            let loss = model.engine.timed("loss", .forward, .loss) {
                DualHeadLoss.evaluate(logits: logits, distance: distance, classes: classes, distances: distances, distanceWeight: 0.25)
            }
            lap(.forward)
            _ = model.backward(logitsGradient: loss.logitsGradient, distanceGradient: loss.distanceGradient, replacingGradients: true)
            lap(.backward)
            optimizer.step()
            lap(.update)
        }
        step()
        model.engine = engine
        optimizer.engine = engine
        let start = Date()
        for _ in 0..<steps { step() }
        return Double(batch * steps) / Date().timeIntervalSince(start)
    }

    /// Inference images per second (forward only), after one warm-up batch.
    public static func inferenceImagesPerSecond(batch: Int = 32, steps: Int, engine: Engine, architecture: SmallCNNArchitecture = .init()) -> Double {
        let model = SmallCNN(architecture: architecture, seed: 1)
        model.engine = Engine(threads: engine.threads, precision: engine.requestedPrecision)
        let input = randomInput(batch: batch, size: architecture.inputSize)
        _ = model.forward(input, training: false)
        model.engine = engine
        let start = Date()
        for _ in 0..<steps { _ = model.forward(input, training: false) }
        return Double(batch * steps) / Date().timeIntervalSince(start)
    }

    /// `count` images of `imageBytes` random bytes each, one after another.
    static func randomImages(count: Int, imageBytes: Int) -> [UInt8] {
        var random = Initializer(seed: 13)
        var bytes = [UInt8](repeating: 0, count: count * imageBytes)
        bytes.withUnsafeMutableBytes { raw in
            let words = raw.count / 8
            for i in 0..<words { raw.storeBytes(of: random.next(), toByteOffset: i * 8, as: UInt64.self) }
            for i in (words * 8)..<raw.count { raw[i] = UInt8(truncatingIfNeeded: random.next()) }
        }
        return bytes
    }

    static func randomInput(batch: Int, size: Int) -> Tensor {
        var random = Initializer(seed: 7)
        var input = Tensor(zeros: [batch, 3, size, size])
        for i in input.data.indices { input.data[i] = Float(random.unit()) }
        return input
    }
}
