import Synth

/// The fuzzer's random numbers: the data set's own seeded generator (xoshiro256**), one stream
/// per run, so a seed and a run number always give the same input on every machine.
typealias FuzzRandom = SampleRandom

extension SampleRandom {
    /// The stream of run `run` under `seed`: each run can be made again on its own.
    init(seed: UInt64, run: Int) {
        self.init(seed: seed, letter: 0, index: run, stream: 0x6675_7A7A) // "fuzz"
    }

    /// A number in 0..<n (0 when n ≤ 1).
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : int(0, n - 1) }
}
