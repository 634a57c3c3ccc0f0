import Analysis
import Foundation
import NN

/// `asl-lab bench tsne`: seconds for a t-SNE map of 10 000 × 256 float32 points (26 seeded
/// Gaussian clusters of unequal spread that partly overlap), with one thread and with every
/// core, and the trustworthiness (k = 10) of the map.
public enum TSNEBenchmark {
    public struct Result: Codable, Sendable {
        public var benchmark = "tsne"
        public var unit = "seconds"
        public var points: Int
        public var dimensions: Int
        public var iterations: Int
        public var figures: [BenchFigure]
        public var trustworthiness: Double
        public var klDivergence: Double
        /// "exact" or "approximate".
        public var neighbours: String
        /// With approximate neighbours: the share of the exact neighbours found (checked outside the timed runs).
        public var neighbourRecall: Double?
        /// Where it ran (added key).
        public var machine = BenchMachine.current

        enum CodingKeys: String, CodingKey {
            case benchmark, unit, points, dimensions, iterations, figures, trustworthiness, neighbours, machine
            case klDivergence = "kl_divergence"
            case neighbourRecall = "neighbour_recall"
        }
    }

    public static func run(points: Int = 10_000, dimensions: Int = 256, runs: Int = 3, iterations: Int = 750, saveInput: String? = nil,
                           neighbours: TSNE.NeighbourSearch = .auto) throws -> Result {
        let x = clusters(points: points, dimensions: dimensions, seed: 1)
        if let saveInput { try NumPyArray(shape: [points, dimensions], floats: x).write(to: saveInput) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        Engine.configureProcess() // OpenBLAS single-threaded; t-SNE runs its own threads
        var figures: [BenchFigure] = []
        var last: TSNE.Result?
        for threads in Array(Set([1, cores])).sorted() {
            var seconds: [Double] = []
            for _ in 0..<runs {
                let start = Date()
                last = try TSNE.embed(x, rows: points, columns: dimensions, options: TSNE.Options(iterations: iterations, threads: threads, neighbours: neighbours))
                seconds.append(Date().timeIntervalSince(start))
            }
            figures.append(BenchFigure(threads: threads, median: GenerateBenchmark.median(seconds), runs: seconds))
        }
        let trust = Trustworthiness.score(input: x, columns: dimensions, map: last!.embedding, mapColumns: 2, k: 10, threads: cores)
        let recall = last!.neighbours == .approximate
            ? TSNE.neighbourRecall(x, rows: points, columns: dimensions, perplexity: last!.perplexity, threads: cores) : nil
        return Result(points: points, dimensions: dimensions, iterations: iterations, figures: figures, trustworthiness: trust,
                      klDivergence: last!.klDivergence, neighbours: last!.neighbours.rawValue, neighbourRecall: recall)
    }

    /// 26 Gaussian clusters: centres N(0, 1) per coordinate, spreads 0.5 … 1.2, sizes equal.
    public static func clusters(points: Int, dimensions: Int, seed: UInt64) -> [Float] {
        var random = Initializer(seed: seed)
        func normal() -> Double {
            let u = max(random.unit(), 1e-12), v = random.unit()
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        let centres = (0..<26).map { _ in (0..<dimensions).map { _ in normal() } }
        let spreads = (0..<26).map { 0.5 + 0.7 * Double($0) / 25 }
        var x = [Float](repeating: 0, count: points * dimensions)
        for i in 0..<points {
            let c = i % 26
            for d in 0..<dimensions { x[i * dimensions + d] = Float(centres[c][d] + spreads[c] * normal()) }
        }
        return x
    }
}
