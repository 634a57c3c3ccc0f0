/// SplitMix64 (Steele, Lea and Flood): a small, fast generator whose stream is the same on
/// every platform. The project's seeded choices (weight initialisation, seed expansion for
/// per-sample generators, t-SNE's tie-breaking, test data) all draw from it, so one seed gives
/// the same bytes everywhere. Not for anything that must be unpredictable.
public struct SplitMix64: Sendable {
    public var state: UInt64

    /// A generator whose next output is the mix of `state` advanced once.
    public init(state: UInt64) {
        self.state = state
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) from the top 53 bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Mixes `value` into the state (for seeds built from several numbers).
    public mutating func absorb(_ value: UInt64) {
        state = next() ^ value
    }
}
