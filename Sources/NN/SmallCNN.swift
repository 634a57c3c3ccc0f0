/// The shape of a SmallCNN.
public struct SmallCNNArchitecture: Equatable, Sendable, Codable {
    /// Side S of the square input, a multiple of 8.
    public var inputSize: Int
    /// Output channels of the three conv blocks.
    public var channels: [Int]
    public var classHidden: Int
    public var distanceHidden: Int
    public var classes: Int
    /// Standardisation of the input inside the model while it trains; nil for none. A saved
    /// model has it folded into its first layer (see `SmallCNN.exportedState`) and so none.
    public var inputStandardisation: InputStandardisation?
    /// false: the model has no distance head (a data set without distances); nil or true: it
    /// has one. Nil is what every model with the head records, so their files stay as they were.
    public var distanceHead: Bool?

    /// Whether the model has the distance head.
    public var hasDistanceHead: Bool { distanceHead ?? true }

    public init(inputSize: Int = 128, channels: [Int] = [32, 64, 128], classHidden: Int = 256, distanceHidden: Int = 128, classes: Int = 26,
                inputStandardisation: InputStandardisation? = nil, distanceHead: Bool = true) {
        self.distanceHead = distanceHead ? nil : false
        self.inputSize = inputSize
        self.channels = channels
        self.classHidden = classHidden
        self.distanceHidden = distanceHidden
        self.classes = classes
        self.inputStandardisation = inputStandardisation
    }

    /// Features after the last block, flattened in C,H,W order.
    public var flatFeatures: Int { channels[2] * (inputSize / 8) * (inputSize / 8) }
}

/// x' = (x − mean) / std per RGB channel, applied to the [0, 1] input before the first conv.
///
/// The original trains on [0, 1] pixels. Its backgrounds are light (grey levels 200–255), so
/// every input carries a large common offset that the first layer's weights must first learn
/// to cancel; standardised input reached 93 % validation accuracy after 2 epochs where [0, 1]
/// input reached 82 %. It is a change of variables of the first layer only: its padding holds
/// the standardised value of a 0 pixel, so folding mean and std into its weights and bias
/// gives exactly the original SmallCNN on [0, 1] input.
public struct InputStandardisation: Equatable, Sendable, Codable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == 3 && std.count == 3 && std.allSatisfy { $0 > 0 }, "InputStandardisation needs 3 means and 3 positive stds")
        self.mean = mean
        self.std = std
    }

    /// The standardised value of a 0 pixel in each channel: what the first conv's padding holds.
    var zeroPixel: [Float] { zip(mean, std).map { -$0 / $1 } }
}

/// What is wrong with a set of tensors given to `SmallCNN.load`.
public struct ModelLoadError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// The original project's SmallCNN, layer for layer and with its PyTorch state_dict names:
///
///     features.0 Conv2d(3, c0, 3, padding 1) → ReLU → MaxPool2d(2)
///     features.3 Conv2d(c0, c1, 3, padding 1) → ReLU → MaxPool2d(2)
///     features.6 Conv2d(c1, c2, 3, padding 1) → ReLU → MaxPool2d(2) → flatten (C, H, W)
///     class_head.0 Linear(flat, classHidden) → ReLU → class_head.2 Linear(classHidden, 26)
///     dist_head.0  Linear(flat, distanceHidden) → ReLU → dist_head.2 Linear(distanceHidden, 1)
///
/// input (N, 3, S, S) in [0, 1] → logits (N, 26), distance (N, 1).
public final class SmallCNN {
    public let architecture: SmallCNNArchitecture
    let convs: [Conv2d]
    let pools: [MaxPool2d]
    let classHidden: Linear, classOut: Linear, distanceHidden: Linear, distanceOut: Linear
    /// Inference's one product for both heads' first layers.
    private let hiddenLayers: JointLinear

    // What backward needs from the last training forward, and buffers reused across batches.
    // Inside the conv stack activations are channel-major (C, N, H, W); see Conv2d.
    private var channelMajorInput = Tensor(zeros: [0])
    private var flat = Tensor(zeros: [0])
    private var flatGradient = Tensor(zeros: [0])
    private var classActivation = Tensor(zeros: [0])
    private var distanceActivation = Tensor(zeros: [0])

    /// Threads, product precision and profile of every layer; results do not depend on the
    /// thread count (see `Engine`). Set by whoever runs the model.
    public var engine = Engine() {
        didSet {
            for conv in convs { conv.engine = engine }
            for pool in pools { pool.engine = engine }
            for linear in [classHidden, classOut, distanceHidden, distanceOut] { linear.engine = engine }
            for lane in imageLanes { lane.engine = engine.singleThreaded }
        }
    }

    /// Inference runs the first two blocks image by image, each worker on its own copies of
    /// them (`ImageLane`): the first block's output for one image (32 × 64 × 64 floats, 512 KB)
    /// is read by the second while it is still in the core's L2, where a whole batch's (16 MB)
    /// went to memory and came back. The third block's planes are small (16 × 16 pooled), so it
    /// runs on the batch, whose Winograd products are then wide. Every output is the same sum
    /// either way: the same bits.
    var imageByImageInference = true
    /// One copy of the first two blocks per worker, made at the first inference.
    private var imageLanes: [ImageLane] = []
    /// The second block's pooled output for the batch, (C, N, S/4, S/4), gathered from the lanes.
    private var blockTwoOutput = Tensor(zeros: [0])

    /// PyTorch's default initialisation, seeded.
    public init(architecture: SmallCNNArchitecture, seed: UInt64) {
        precondition(architecture.channels.count == 3 && architecture.inputSize % 8 == 0, "SmallCNN needs 3 blocks and S % 8 == 0")
        self.architecture = architecture
        var random = Initializer(seed: seed)
        let c = architecture.channels
        convs = [
            Conv2d(name: "features.0", inChannels: 3, outChannels: c[0], kernel: 3, padding: 1, fusedReLU: true, random: &random),
            Conv2d(name: "features.3", inChannels: c[0], outChannels: c[1], kernel: 3, padding: 1, fusedReLU: true, random: &random),
            Conv2d(name: "features.6", inChannels: c[1], outChannels: c[2], kernel: 3, padding: 1, fusedReLU: true, random: &random),
        ]
        convs[0].paddingValues = architecture.inputStandardisation?.zeroPixel
        pools = [MaxPool2d(), MaxPool2d(), MaxPool2d()]
        for (pool, conv) in zip(pools, convs) { pool.name = conv.name }
        let flatCount = architecture.flatFeatures
        classHidden = Linear(name: "class_head.0", inFeatures: flatCount, outFeatures: architecture.classHidden, random: &random)
        classOut = Linear(name: "class_head.2", inFeatures: architecture.classHidden, outFeatures: architecture.classes, random: &random)
        distanceHidden = Linear(name: "dist_head.0", inFeatures: flatCount, outFeatures: architecture.distanceHidden, random: &random)
        distanceOut = Linear(name: "dist_head.2", inFeatures: architecture.distanceHidden, outFeatures: 1, random: &random)
        hiddenLayers = JointLinear(classHidden, distanceHidden, name: "both heads.0")
    }

    /// Parameters in state_dict order (without the distance head's when it is left out; its
    /// layers are still drawn at init so that the other layers' initial weights do not change).
    public var parameters: [Parameter] {
        convs.flatMap { [$0.weight, $0.bias] }
            + [classHidden.weight, classHidden.bias, classOut.weight, classOut.bias]
            + (architecture.hasDistanceHead ? [distanceHidden.weight, distanceHidden.bias, distanceOut.weight, distanceOut.bias] : [])
    }

    /// Logits and distances of a batch (N, 3, S, S). With `keepingFeatureMaps`, the convolutions'
    /// outputs stay available to `activations(block:)`; otherwise each is pooled in cache and
    /// never written whole (they are the largest tensors of a step).
    /// Runs with denormals flushed (`Denormals`), as every part of the engine does.
    public func forward(_ input: Tensor, training: Bool, keepingFeatureMaps: Bool = false) -> (logits: Tensor, distance: Tensor) {
        Denormals.flushed { forwardWithDenormalsFlushed(input, training: training, keepingFeatureMaps: keepingFeatureMaps) }
    }

    private func forwardWithDenormalsFlushed(_ input: Tensor, training: Bool, keepingFeatureMaps: Bool) -> (logits: Tensor, distance: Tensor) {
        let n = input.shape[0]
        precondition(input.shape == [n, 3, architecture.inputSize, architecture.inputSize], "SmallCNN input must be (N, 3, S, S)")
        var x: Tensor
        if !training, !keepingFeatureMaps, imageByImageInference {
            x = firstBlocksImageByImage(input)
        } else {
            x = channelMajorStandardised(input)
            for block in 0..<2 {
                // Bias, ReLU and pooling fused into the conv's bands.
                x = convs[block].forward(x, training: training, pool: pools[block], keepOutput: keepingFeatureMaps)
            }
        }
        // Inference's last block writes (N, C, h, w), the flatten order, itself.
        x = convs[2].forward(x, training: training, pool: pools[2], keepOutput: keepingFeatureMaps, imageMajor: true)
        // (C, N, h, w) → (N, C·h·w): PyTorch's flatten order.
        let flattened = !convs[2].lastPooledIsImageMajor
        var rows = flattened ? engine.timed("flatten", .forward, .layout) { x.swappingLeadingAxes(reusing: &flat, threads: engine.threads) } : x
        rows.shape = [n, architecture.flatFeatures]
        // Inference multiplies both heads' first layers in one product (the same bits).
        let hidden = training || !architecture.hasDistanceHead ? nil : hiddenLayers.inference(rows)
        classActivation = hidden?.0 ?? classHidden.forward(rows, training: training)
        engine.timed("class_head", .forward, .activation) { ReLU.forward(&classActivation) }
        let logits = classOut.forward(classActivation, training: training)
        // Kept for the next flatten to reuse; not the pool's own buffer, which it would then have to copy.
        if flattened { flat = rows }
        // Without a distance head the distance output is all zeros.
        guard architecture.hasDistanceHead else { return (logits, Tensor(zeros: [n, 1])) }
        distanceActivation = hidden?.1 ?? distanceHidden.forward(rows, training: training)
        engine.timed("dist_head", .forward, .activation) { ReLU.forward(&distanceActivation) }
        let distance = distanceOut.forward(distanceActivation, training: training)
        return (logits, distance)
    }

    /// The batch (N, 3, S, S) as (3, N, S, S), standardised: the first conv's input.
    private func channelMajorStandardised(_ input: Tensor) -> Tensor {
        engine.timed("input", .forward, .input) {
            channelMajorInput = input.swappingLeadingAxes(reusing: &channelMajorInput, threads: engine.threads)
            if let standard = architecture.inputStandardisation {
                let plane = channelMajorInput.count / 3
                channelMajorInput.data.withUnsafeMutableBufferPointer { x in
                    Self.standardise(x.baseAddress!, plane: plane, standard)
                }
            }
        }
        return channelMajorInput
    }

    /// (x − mean) / std in place, channel by channel, over three planes of `plane` floats.
    private static func standardise(_ x: UnsafeMutablePointer<Float>, plane: Int, _ standard: InputStandardisation) {
        for c in 0..<3 {
            let (mean, scale) = (standard.mean[c], 1 / standard.std[c])
            for i in (c * plane)..<((c + 1) * plane) { x[i] = (x[i] - mean) * scale }
        }
    }

    /// Inference's first two blocks, image by image on every worker (see `imageByImageInference`):
    /// the second block's pooled output for the batch, (C, N, S/4, S/4).
    private func firstBlocksImageByImage(_ input: Tensor) -> Tensor {
        let n = input.shape[0], side = architecture.inputSize, imageSize = 3 * side * side
        let (k, outPlane) = (architecture.channels[1], (side / 4) * (side / 4))
        var out = Tensor.take(&blockTwoOutput, [k, n, side / 4, side / 4])
        while imageLanes.count < min(engine.threads, n) {
            imageLanes.append(ImageLane(convs: convs[0..<2], pools: pools[0..<2], side: side, engine: engine.singleThreaded))
        }
        let standard = architecture.inputStandardisation
        nonisolated(unsafe) let lanes = imageLanes
        input.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { o in
                nonisolated(unsafe) let (s, op) = (src.baseAddress!, o.baseAddress!)
                // One image a part, taken by whichever worker is free.
                Parallel.forEachPart(n, threads: engine.threads) { worker, i in
                    let lane = lanes[worker]
                    lane.engine.timed("input", .forward, .input) {
                        // (3, S, S) of one image is (3, 1, S, S): channel-major as it is.
                        lane.image.data.withUnsafeMutableBufferPointer { image in
                            image.baseAddress!.update(from: s + i * imageSize, count: imageSize)
                            if let standard { Self.standardise(image.baseAddress!, plane: side * side, standard) }
                        }
                    }
                    let x = lane.convs[0].forward(lane.image, training: false, pool: lane.pools[0])
                    // Straight into the image's place in the batch.
                    _ = lane.convs[1].forward(x, training: false, pool: lane.pools[1],
                                              pooledInto: .init(start: op + i * outPlane, channelStride: n * outPlane))
                }
            }
        }
        blockTwoOutput = out
        return out
    }

    /// The post-ReLU class_head.0 activations of the last forward, (N, classHidden).
    public var lastClassEmbedding: Tensor { classActivation }

    /// Post-ReLU, pre-pool feature maps of conv block 0, 1 or 2 from the last forward, (N, C, H, W);
    /// that forward must have kept them (`keepingFeatureMaps`).
    public func activations(block: Int) -> Tensor { convs[block].lastOutput.swappingLeadingAxes(threads: engine.threads) }

    /// Backpropagates from the loss gradients of the last training forward, accumulating every
    /// parameter's gradient, or with `replacingGradients` setting them: the same bits as
    /// `zeroGradients()` first, without a pass that writes zeros over the linear layers' 50 MB
    /// of weight gradients and one that reads them back. With `inputGradient`, also returns
    /// d loss / d input (N, 3, S, S), for saliency. Runs with denormals flushed (`Denormals`).
    public func backward(logitsGradient: Tensor, distanceGradient: Tensor, inputGradient: Bool = false,
                         replacingGradients replacing: Bool = false) -> Tensor? {
        Denormals.flushed {
            backwardWithDenormalsFlushed(logitsGradient: logitsGradient, distanceGradient: distanceGradient, inputGradient: inputGradient,
                                         replacing: replacing)
        }
    }

    private func backwardWithDenormalsFlushed(logitsGradient: Tensor, distanceGradient: Tensor, inputGradient: Bool, replacing: Bool) -> Tensor? {
        var dClass = classOut.backward(logitsGradient, replacing: replacing)!
        engine.timed("class_head", .backward, .activation) { ReLU.backward(&dClass, output: classActivation) }
        var dFlat = classHidden.backward(dClass, replacing: replacing)!
        var dFlatDistance: Tensor?
        if architecture.hasDistanceHead {
            var dDistance = distanceOut.backward(distanceGradient, replacing: replacing)!
            engine.timed("dist_head", .backward, .activation) { ReLU.backward(&dDistance, output: distanceActivation) }
            dFlatDistance = distanceHidden.backward(dDistance, replacing: replacing)!
        }
        engine.timed("flatten", .backward, .layout) {
            if let dFlatDistance {
                // Element by element, so any split over the threads gives the same bits.
                dFlat.data.withUnsafeMutableBufferPointer { sum in
                    dFlatDistance.data.withUnsafeBufferPointer { term in
                        nonisolated(unsafe) let (s, t) = (sum.baseAddress!, term.baseAddress!)
                        Parallel.shares(sum.count, threads: engine.threads, minimumPerPart: 1 << 16) { range in
                            for i in range { s[i] += t[i] }
                        }
                    }
                }
            }
            // (N, C·h·w) → (C, N, h, w)
            let c = architecture.channels[2], side = architecture.inputSize / 8
            dFlat.shape = [dFlat.shape[0], c, side, side]
            flatGradient = dFlat.swappingLeadingAxes(reusing: &flatGradient, threads: engine.threads)
        }
        var dx = flatGradient
        for block in stride(from: 2, through: 0, by: -1) {
            // The pool's backward (with ReLU's: its output was 0 where no gradient passes) fused into the conv's.
            let needInput = block > 0 || inputGradient
            guard let next = convs[block].backward(pooledGradient: dx, pool: pools[block], needInput: needInput, replacing: replacing)
            else { return nil }
            dx = next
        }
        if let standard = architecture.inputStandardisation {
            // d loss / d x = d loss / d x' · (1 / std) for each channel.
            let plane = dx.count / 3
            for c in 0..<3 {
                let scale = 1 / standard.std[c]
                for i in (c * plane)..<((c + 1) * plane) { dx.data[i] *= scale }
            }
        }
        return dx.swappingLeadingAxes(threads: engine.threads)
    }

    public func zeroGradients() {
        let threads = engine.threads
        engine.timed("optimizer", .backward, .zeroing) {
            for p in parameters {
                p.grad.data.withUnsafeMutableBufferPointer { grad in
                    nonisolated(unsafe) let g = grad.baseAddress!
                    Parallel.shares(grad.count, threads: threads, minimumPerPart: 1 << 16) { range in
                        (g + range.lowerBound).update(repeating: 0, count: range.count)
                    }
                }
            }
        }
    }

    /// The model as the original SmallCNN on [0, 1] input: the architecture without input
    /// standardisation, and the state_dict with it folded into features.0. With
    /// x' = (x − m)/s: W = W' / s (per input channel), b = b' − Σ W' · m / s.
    public func exportedState() -> (architecture: SmallCNNArchitecture, tensors: [(name: String, tensor: Tensor)]) {
        var plain = architecture
        plain.inputStandardisation = nil
        guard let standard = architecture.inputStandardisation else { return (plain, stateTensors()) }
        let conv = convs[0], perChannel = conv.kernel * conv.kernel
        var weight = conv.weight.value, bias = conv.bias.value
        for o in 0..<conv.outChannels {
            var shift = 0.0
            for c in 0..<conv.inChannels {
                for j in 0..<perChannel {
                    let i = (o * conv.inChannels + c) * perChannel + j
                    shift += Double(weight.data[i]) * Double(standard.mean[c]) / Double(standard.std[c])
                    weight.data[i] = Float(Double(weight.data[i]) / Double(standard.std[c]))
                }
            }
            bias.data[o] = Float(Double(bias.data[o]) - shift)
        }
        let folded = [conv.weight.name: weight, conv.bias.name: bias]
        return (plain, stateTensors().map { ($0.name, folded[$0.name] ?? $0.tensor) })
    }

    /// Every parameter under its PyTorch name, in state_dict order, as this model holds it
    /// (with input standardisation, features.0 acts on standardised input: checkpoints keep
    /// it so; `exportedState` gives the original's).
    public func stateTensors() -> [(name: String, tensor: Tensor)] {
        parameters.map { ($0.name, $0.value) }
    }

    /// Replaces the weights with `tensors`, which must hold every parameter by name with the
    /// same shape and finite values (extra entries are an error too, so a wrong file is never
    /// half-loaded); `SmallCNNArchitecture.check` says what is wrong.
    public func load(_ tensors: [String: Tensor]) throws {
        try architecture.check(tensors)
        for p in parameters { p.value = tensors[p.name]! }
    }
}
