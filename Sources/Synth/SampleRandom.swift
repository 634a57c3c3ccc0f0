/// The random stream of one sample: xoshiro256** seeded from (seed, letter, index) through
/// SplitMix64, so a sample's pixels never depend on thread count, order or sharding.
public struct SampleRandom: Sendable {
    private var s0, s1, s2, s3: UInt64

    /// The stream for sample `index` of `letter` (0…25) under `seed`; `stream` separates
    /// independent uses of the same sample (drawing, noise, …).
    public init(seed: UInt64, letter: Int, index: Int, stream: UInt64 = 0) {
        var mix = SplitMix64(state: seed ^ 0x9E37_79B9_7F4A_7C15)
        mix.absorb(UInt64(letter))
        mix.absorb(UInt64(index))
        mix.absorb(stream)
        s0 = mix.next(); s1 = mix.next(); s2 = mix.next(); s3 = mix.next()
    }

    /// A generator seeded from one number (e.g. for shuffles); same seed, same stream.
    public init(seed: UInt64) {
        var mix = SplitMix64(state: seed)
        s0 = mix.next(); s1 = mix.next(); s2 = mix.next(); s3 = mix.next()
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotatedLeft(7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3.rotatedLeft(45)
        return result
    }

    /// Uniform in [0, 1), 53 bits.
    @inline(__always)
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * unit()
    }

    /// Uniform over the closed integer range (as Python's `randint(a, b)`).
    public mutating func int(_ lower: Int, _ upper: Int) -> Int {
        precondition(lower <= upper)
        let span = UInt64(upper - lower) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) } // the full 64-bit range
        // Lemire's multiply-shift with rejection: unbiased.
        while true {
            let r = next()
            let (high, low) = r.multipliedFullWidth(by: span)
            if low >= (0 &- span) % span { return lower + Int(high) }
        }
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// Standard normal (Box–Muller; one of the pair is discarded so the stream stays simple).
    public mutating func normal() -> Double {
        let u1 = 1 - unit() // (0, 1]
        let u2 = unit()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// An element of a non-empty array, uniformly.
    public mutating func pick<T>(_ items: [T]) -> T {
        items[int(0, items.count - 1)]
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}

import Foundation
import SeededRandom

@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }
