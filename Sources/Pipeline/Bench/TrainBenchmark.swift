import Foundation
import NN

/// `asl-lab bench train`: SmallCNN training-step and inference speed (batch 32, 3×128×128,
/// random data), with one thread and with every core.
public enum TrainBenchmark {
    public struct Result: Codable, Sendable {
        public var benchmark = "train"
        public var unit = "images/s"
        public var batch: Int
        public var inputSize: Int
        /// Which kernel ran the matrix products: "avx512" (ours) or "openblas".
        public var gemm: String
        public var train: [BenchFigure]
        public var inference: [BenchFigure]

        enum CodingKeys: String, CodingKey {
            case benchmark, unit, batch, gemm, train, inference
            case inputSize = "input_size"
        }
    }

    public static func run(steps: Int = 6, runs: Int = 3) -> Result {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var train: [BenchFigure] = [], inference: [BenchFigure] = []
        for threads in Array(Set([1, cores])).sorted() {
            let t = (0..<runs).map { _ in NNBenchmark.trainImagesPerSecond(batch: 32, steps: steps, threads: threads) }
            train.append(BenchFigure(threads: threads, median: GenerateBenchmark.median(t), runs: t))
            let i = (0..<runs).map { _ in NNBenchmark.inferenceImagesPerSecond(batch: 32, steps: steps * 2, threads: threads) }
            inference.append(BenchFigure(threads: threads, median: GenerateBenchmark.median(i), runs: i))
        }
        Threads.set(cores)
        return Result(batch: 32, inputSize: 128, gemm: GEMMKernel.current.rawValue, train: train, inference: inference)
    }
}
