import AtomicIO

/// Checks of an architecture and a tensor set read from a file, made before anything is
/// allocated for them: a model file's header can claim any numbers, and `SmallCNN.init`
/// allocates (and randomly fills) every weight its architecture names.
extension SmallCNNArchitecture {
    /// Largest input side a model may have (a multiple of 8).
    public static let maximumInputSize = 4096
    /// Largest channel count of a conv block.
    public static let maximumChannels = 4096
    /// Largest hidden layer of a head.
    public static let maximumHidden = 65536
    /// Largest number of weights in all: 2³¹ floats are 8 GB.
    public static let maximumParameters = 1 << 31

    /// Why this architecture cannot be built, or nil: every number positive and bounded, the
    /// input side a multiple of 8, three conv blocks, a standardisation of 3 finite means and 3
    /// positive stds, and a weight count that fits.
    public var problem: String? {
        guard inputSize >= 8, inputSize <= Self.maximumInputSize, inputSize % 8 == 0 else {
            return "its input size \(inputSize) is not a multiple of 8 between 8 and \(Self.maximumInputSize)"
        }
        guard channels.count == 3 else { return "it has \(channels.count) conv blocks; a SmallCNN has 3" }
        guard channels.allSatisfy({ (1...Self.maximumChannels).contains($0) }) else {
            return "its channels \(channels) are not 3 counts between 1 and \(Self.maximumChannels)"
        }
        for (name, value) in [("class_hidden", classHidden), ("distance_hidden", distanceHidden)] where !(1...Self.maximumHidden).contains(value) {
            return "its \(name) \(value) is not between 1 and \(Self.maximumHidden)"
        }
        guard (1...Self.maximumHidden).contains(classes) else { return "its class count \(classes) is not between 1 and \(Self.maximumHidden)" }
        if let standard = inputStandardisation {
            guard standard.mean.count == 3, standard.std.count == 3 else {
                return "its input standardisation has \(standard.mean.count) means and \(standard.std.count) standard deviations; it needs 3 of each"
            }
            // A std of 0 divides by zero; one far from the [0, 1] pixels' spread of about 0.3
            // only ever comes from a damaged file.
            guard standard.mean.allSatisfy({ $0.isFinite && abs($0) <= 1e4 }),
                  standard.std.allSatisfy({ $0.isFinite && $0 >= 1e-4 && $0 <= 1e4 }) else {
                return "its input standardisation (mean \(standard.mean), std \(standard.std)) is not finite, or has a standard deviation outside [0.0001, 10000]"
            }
        }
        guard let count = parameterCount, count <= Self.maximumParameters else {
            return "it would have more than \(Self.maximumParameters) weights"
        }
        return nil
    }

    /// Every parameter's PyTorch name and shape, in state_dict order; nil when a size overflows.
    public var parameterShapes: [(name: String, shape: [Int])]? {
        guard channels.count == 3, let flat = ByteCount.product([channels[2], inputSize / 8, inputSize / 8]) else { return nil }
        let c = channels
        return [
            ("features.0.weight", [c[0], 3, 3, 3]), ("features.0.bias", [c[0]]),
            ("features.3.weight", [c[1], c[0], 3, 3]), ("features.3.bias", [c[1]]),
            ("features.6.weight", [c[2], c[1], 3, 3]), ("features.6.bias", [c[2]]),
            ("class_head.0.weight", [classHidden, flat]), ("class_head.0.bias", [classHidden]),
            ("class_head.2.weight", [classes, classHidden]), ("class_head.2.bias", [classes]),
        ] + (hasDistanceHead ? [
            ("dist_head.0.weight", [distanceHidden, flat]), ("dist_head.0.bias", [distanceHidden]),
            ("dist_head.2.weight", [1, distanceHidden]), ("dist_head.2.bias", [1]),
        ] : [])
    }

    /// The number of weights, or nil when it overflows.
    public var parameterCount: Int? {
        guard let shapes = parameterShapes else { return nil }
        var total = 0
        for (_, shape) in shapes {
            guard let n = ByteCount.product(shape), let sum = ByteCount.sum([total, n]) else { return nil }
            total = sum
        }
        return total
    }

    /// Checks `tensors` against this architecture: the architecture itself, every name present
    /// and none extra, every shape, and every value finite (NaN weights make every prediction
    /// NaN). The one check behind `SmallCNN.load`, model files and checkpoints.
    public func check(_ tensors: [String: Tensor]) throws(ModelLoadError) {
        if let problem { throw ModelLoadError(description: problem) }
        let shapes = parameterShapes ?? []
        let expected = Set(shapes.map(\.name))
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw ModelLoadError(description: "it holds a tensor \"\(extra)\" that SmallCNN does not have")
        }
        for (name, shape) in shapes {
            guard let t = tensors[name] else { throw ModelLoadError(description: "it has no tensor \"\(name)\"") }
            guard t.shape == shape else { throw ModelLoadError(description: "\"\(name)\" has shape \(t.shape), but this model needs \(shape)") }
        }
        for (name, _) in shapes {
            if let bad = tensors[name]!.data.firstIndex(where: { !$0.isFinite }) {
                throw ModelLoadError(description: "\"\(name)\" holds a value that is not a finite number (\(tensors[name]!.data[bad]) at index \(bad))")
            }
        }
    }

    /// Bytes of memory a forward pass over `batch` images needs (activations, the lowered
    /// columns of the widest conv and the weights), and with `training` also gradients, Adam's
    /// two moments and the buffers backward keeps. An estimate within a small factor, in
    /// `Double` so absurd architectures cannot overflow it.
    public func memoryEstimate(batch: Int, training: Bool) -> Double {
        let n = Double(batch), s = Double(inputSize), c = channels.map(Double.init)
        guard c.count == 3 else { return .infinity }
        let side = [s, s / 2, s / 4]
        var activations = 2 * 3 * n * s * s // the NCHW input and its channel-major copy
        for block in 0..<3 {
            let plane = n * side[block] * side[block]
            activations += c[block] * plane + c[block] * plane / 4 // conv output, pooled output
        }
        activations += 2 * c[2] * n * (s / 8) * (s / 8) + n * Double(classHidden + distanceHidden + classes + 1)
        let weights = Double(parameterCount ?? Int.max)
        // Training keeps a gradient of about every activation; each weight has a gradient and
        // Adam's two moments, and a checkpoint's bytes are built beside them.
        let floats = training ? 2 * activations + 5 * weights : activations + weights
        return 4 * floats
    }
}
