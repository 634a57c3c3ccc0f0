import SeededRandom
/// PyTorch's default initialisation for Conv2d and Linear, seeded: weights and biases drawn
/// from U(−1/√fan_in, 1/√fan_in) (kaiming_uniform with a = √5 gives exactly that bound).
public struct Initializer {
    private var random: SplitMix64

    public init(seed: UInt64) {
        random = SplitMix64(state: seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    mutating func next() -> UInt64 { random.next() }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { random.unit() }

    /// A tensor of `shape` with entries U(±1/√fanIn).
    mutating func uniform(shape: [Int], fanIn: Int) -> Tensor {
        let bound = 1 / Double(fanIn).squareRoot()
        var t = Tensor(zeros: shape)
        for i in t.data.indices { t.data[i] = Float((unit() * 2 - 1) * bound) }
        return t
    }
}
