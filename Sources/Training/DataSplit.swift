import Synth

/// Which samples train, validate and test: stratified by letter, so every split holds each
/// letter in the configured proportions, and fixed by the seed.
public struct DataSplit: Equatable, Sendable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]

    public init(train: [Int], validation: [Int], test: [Int]) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// Splits sample indices by `fractions` (train, val, test; summing to 1) within each class
    /// (`letters` holds each sample's class index: letters for a generated data set).
    /// Per letter, val and test get ⌊n·fraction⌉ samples (at least one when their fraction is
    /// positive and the letter has enough samples) and train the rest.
    public static func stratified(letters: [Int], fractions: (train: Double, val: Double, test: Double), seed: UInt64) -> DataSplit {
        var split = DataSplit(train: [], validation: [], test: [])
        // At least A–Z, so that a generated data set's splits stay as they always were.
        for letter in 0..<max(Letters.count, (letters.max() ?? -1) + 1) {
            var members = letters.indices.filter { letters[$0] == letter }
            var random = SampleRandom(seed: seed, letter: letter, index: 0, stream: 0x5311_7000)
            shuffle(&members, &random)
            let n = members.count
            func share(_ fraction: Double) -> Int {
                guard fraction > 0, n >= 3 else { return 0 }
                return max(1, Int((Double(n) * fraction).rounded()))
            }
            let test = min(share(fractions.test), max(0, n - 1))
            let val = min(share(fractions.val), max(0, n - 1 - test))
            split.test += members[0..<test]
            split.validation += members[test..<(test + val)]
            split.train += members[(test + val)...]
        }
        split.train.sort(); split.validation.sort(); split.test.sort()
        return split
    }

    /// The fewest images a class needs so that every split with a positive fraction gets one
    /// of them (see `stratified`).
    public static func imagesNeeded(fractions: (train: Double, val: Double, test: Double)) -> Int {
        fractions.val > 0 || fractions.test > 0 ? 3 : 1
    }

    /// Fisher–Yates with the given stream.
    public static func shuffle<T>(_ items: inout [T], _ random: inout SampleRandom) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, random.int(0, i))
        }
    }

    /// The training order of `epoch` (1-based): a permutation of `train` that depends only on
    /// the seed and the epoch, so a resumed run sees exactly the batches of an uninterrupted one.
    public func trainingOrder(epoch: Int, seed: UInt64) -> [Int] {
        var order = train
        var random = SampleRandom(seed: seed, letter: 0, index: epoch, stream: 0xE90C)
        Self.shuffle(&order, &random)
        return order
    }
}
