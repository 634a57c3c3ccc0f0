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
    public var value: Tensor
    public var grad: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.grad = Tensor(zeros: value.shape)
    }
}
