import Foundation
import NN

/// `asl-lab bench train`: SmallCNN training-step and inference speed (batch 32 unless asked,
/// 3×128×128, random data), with one thread and with every core, in a chosen precision; optionally a
/// profile of where a training step's time goes.
public enum TrainBenchmark {
    public struct Result: Codable, Sendable {
        public var benchmark = "train"
        public var unit = "images/s"
        public var batch: Int
        public var inputSize: Int
        /// The precision asked for and the one that ran (fp32 where bf16 cannot run).
        public var precision: String
        /// Which kernel ran the matrix products: "avx512" or "openblas" (fp32), "avx512-bf16" or "amx-bf16".
        public var gemm: String
        /// How the second and third convolutions computed: "winograd", "winograd-2x2" or "direct" (added key).
        public var convolution: String
        public var train: [BenchFigure]
        public var inference: [BenchFigure]
        /// With `--profile`: one training step's phases at the largest thread count.
        public var profile: [ProfileRow]?
        /// With `--profile`: one inference batch's phases at the largest thread count (added key).
        public var inferenceProfile: [ProfileRow]?
        /// With `--profile`: the same step's wall-clock milliseconds per direction (forward with
        /// the loss; backward with zeroing the gradients; update).
        public var wall: [WallRow]?
        /// With `--profile`: one core's ceiling for products in this precision (GFLOP/s of
        /// register-only multiply-adds, one thread; see `CorePeak`), nil without AVX-512.
        public var peakGflopsPerThread: Double?
        public var note: String?
        /// Where it ran (added key).
        public var machine = BenchMachine.current

        enum CodingKeys: String, CodingKey {
            case benchmark, unit, batch, precision, gemm, convolution, train, inference, profile, wall, note, machine
            case peakGflopsPerThread = "peak_gflops_per_thread"
            case inputSize = "input_size"
            case inferenceProfile = "inference_profile"
        }
    }

    /// One phase of a profiled training step: milliseconds per step (time summed over the
    /// threads, divided by the thread count) and GFLOP/s where it does arithmetic.
    public struct ProfileRow: Codable, Sendable {
        public var layer: String
        public var direction: String
        public var phase: String
        public var milliseconds: Double
        public var gflops: Double?
    }

    /// Wall-clock milliseconds of one direction of a profiled training step.
    public struct WallRow: Codable, Sendable {
        public var direction: String
        public var milliseconds: Double
    }

    public static func run(steps: Int = 6, runs: Int = 3, batch: Int = 32, precision: Precision = .fp32,
                           convolution: ConvolutionAlgorithm = .winograd, profile: Bool = false,
                           threadCounts: [Int]? = nil) -> Result {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let counts = threadCounts ?? Array(Set([1, cores])).sorted()
        var train: [BenchFigure] = [], inference: [BenchFigure] = []
        for threads in counts {
            let engine = Engine(threads: threads, precision: precision, convolution: convolution)
            let t = (0..<runs).map { _ in NNBenchmark.trainImagesPerSecond(batch: batch, steps: steps, engine: engine) }
            train.append(BenchFigure(threads: threads, median: GenerateBenchmark.median(t), runs: t))
            let i = (0..<runs).map { _ in NNBenchmark.inferenceImagesPerSecond(batch: batch, steps: steps * 2, engine: engine) }
            inference.append(BenchFigure(threads: threads, median: GenerateBenchmark.median(i), runs: i))
        }
        let engine = Engine(threads: counts.last ?? cores, precision: precision, convolution: convolution)
        var rows: [ProfileRow]?, inferenceRows: [ProfileRow]?, wall: [WallRow]?, peak: Double?
        if profile {
            peak = CorePeak.gigaflops(engine.precision)
            let recorder = EngineProfile()
            let profiled = Engine(threads: engine.threads, precision: precision, profile: recorder, convolution: convolution)
            _ = NNBenchmark.trainImagesPerSecond(batch: batch, steps: steps, engine: profiled)
            rows = profileRows(recorder, threads: engine.threads, batches: steps)
            wall = recorder.wall.map { WallRow(direction: $0.direction.rawValue, milliseconds: $0.seconds / Double(steps) * 1000) }
            recorder.reset()
            _ = NNBenchmark.inferenceImagesPerSecond(batch: batch, steps: steps * 2, engine: profiled)
            inferenceRows = profileRows(recorder, threads: engine.threads, batches: steps * 2)
        }
        return Result(batch: batch, inputSize: 128, precision: engine.precision.rawValue, gemm: engine.kernel.rawValue, convolution: convolution.rawValue,
                      train: train, inference: inference, profile: rows, inferenceProfile: inferenceRows, wall: wall, peakGflopsPerThread: peak,
                      note: engine.note)
    }

    /// A recorder's phases as milliseconds per batch (thread time ÷ threads) with GFLOP/s.
    private static func profileRows(_ recorder: EngineProfile, threads: Int, batches: Int) -> [ProfileRow] {
        recorder.report.map { key, entry in
            let seconds = entry.threadSeconds / Double(threads) / Double(batches)
            return ProfileRow(layer: key.layer, direction: key.direction.rawValue, phase: key.phase.rawValue, milliseconds: seconds * 1000,
                              gflops: entry.operations > 0 ? entry.operations / entry.threadSeconds * Double(threads) / 1e9 : nil)
        }
    }
}
