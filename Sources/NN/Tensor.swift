/// A float32 tensor: a shape and contiguous row-major data (N, C, H, W for images).
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "tensor data (\(data.count)) does not match shape \(shape)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }

    /// Takes `buffer`'s storage for a tensor of `shape` whose every element the caller
    /// overwrites, leaving `buffer` empty; allocates only when the size changed. Layers keep
    /// their big activations (up to 67 MB a batch) this way: store the result back into the
    /// buffer after writing it, and the next step reuses the memory instead of getting fresh
    /// pages zeroed by the kernel. Storage still shared with a caller is copied on write, so
    /// reuse is an optimisation, never a correctness risk.
    static func take(_ buffer: inout Tensor, _ shape: [Int]) -> Tensor {
        var t = buffer
        buffer = Tensor(shape: [0], data: [])
        if t.count == shape.reduce(1, *) {
            t.shape = shape
        } else {
            t = uninitialized(shape)
        }
        return t
    }

    /// A tensor whose every element the caller overwrites before reading: skips zero-filling
    /// (tens of megabytes per layer and batch).
    static func uninitialized(_ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        let data = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        return Tensor(shape: shape, data: data)
    }
}

/// A trainable tensor and its gradient, shared by the layer that uses it and the optimiser.
public final class Parameter: @unchecked Sendable {
    /// The PyTorch state_dict name, e.g. "features.0.weight".
    public let name: String
    /// Every change to it (assignment, or writing its elements in place) counts in `version`.
    public var value: Tensor { didSet { version &+= 1 } }
    public var grad: Tensor
    /// Changes to `value` so far: what a layer compares to know whether a copy it made of the
    /// weights (packed for its products) is still current.
    public private(set) var version: UInt64 = 0

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.grad = Tensor(zeros: value.shape)
    }
}
