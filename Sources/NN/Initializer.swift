/// PyTorch's default initialisation for Conv2d and Linear, seeded: weights and biases drawn
/// from U(−1/√fan_in, 1/√fan_in) (kaiming_uniform with a = √5 gives exactly that bound).
public struct Initializer {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed ^ 0x5DEE_CE66_D1CE_4E5B
    }

    /// SplitMix64: small, fast, and the same stream on every platform.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    /// Uniform in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A tensor of `shape` with entries U(±1/√fanIn).
    mutating func uniform(shape: [Int], fanIn: Int) -> Tensor {
        let bound = 1 / Double(fanIn).squareRoot()
        var t = Tensor(zeros: shape)
        for i in t.data.indices { t.data[i] = Float((unit() * 2 - 1) * bound) }
        return t
    }
}
