/// One of N equal parts of a data set, for generating it on several machines (`--shard K/N`).
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    /// 1-based: shard K of N.
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) {
        precondition(count >= 1 && (1...count).contains(index), "shard \(index)/\(count) out of range")
        self.index = index
        self.count = count
    }

    /// Parses "K/N" with 1 ≤ K ≤ N.
    public static func parse(_ text: String) throws -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let k = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)),
              n >= 1, n <= 100_000, (1...n).contains(k) else {
            throw SynthError.malformedShard(text)
        }
        return Shard(index: k, count: n)
    }

    /// The contiguous block of sample numbers (0 ..< total, letter-major) this shard draws.
    public func samples(of total: Int) -> Range<Int> {
        let lower = total * (index - 1) / count
        let upper = total * index / count
        return lower..<upper
    }

    public var description: String { "\(index)/\(count)" }
}

import Foundation
