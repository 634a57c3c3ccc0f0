import ArgumentParser
import Foundation
import Pipeline

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed (median of several runs) on this machine.",
        subcommands: [Generate.self, Train.self, Tsne.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Images per second for generating the default 256-px data set (PNG + labels), 1 thread and all cores.")

        @OptionGroup var options: ConfigOptions

        @Flag(help: "Print one JSON object on standard output instead of a table.")
        var json = false

        @Option(help: ArgumentHelp("Images per letter in each timed run.", valueName: "n"))
        var imagesPerLetter = 40

        @Option(help: ArgumentHelp("Timed runs per thread count.", valueName: "n"))
        var runs = 3

        func validate() throws {
            guard imagesPerLetter >= 1 else { throw ValidationError("--images-per-letter must be at least 1.") }
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1.") }
        }

        func run() throws {
            let result = try GenerateBenchmark.run(config: try options.load(), imagesPerLetter: imagesPerLetter, runs: runs)
            if json {
                try BenchCommand.printJSON(result)
            } else {
                print("generate: \(result.images) images of \(result.imageSize) px per run, \(result.bytesPerImage / 1024) KB per PNG")
                for figure in result.figures {
                    let runs = figure.runs.map { String(format: "%.0f", $0) }.joined(separator: ", ")
                    print("  \(figure.threads) thread\(figure.threads == 1 ? " " : "s"): median \(String(format: "%.0f", figure.median)) images/s  (runs: \(runs))")
                }
            }
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "SmallCNN training-step and inference images per second (batch 32, 3×128×128), 1 thread and all cores.")

        @Flag(help: "Print one JSON object on standard output instead of a table.")
        var json = false

        @Option(help: ArgumentHelp("Timed batches per run.", valueName: "n"))
        var steps = 6

        @Option(help: ArgumentHelp("Timed runs per thread count.", valueName: "n"))
        var runs = 3

        func validate() throws {
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1.") }
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1.") }
        }

        func run() throws {
            let result = TrainBenchmark.run(steps: steps, runs: runs)
            if json {
                try BenchCommand.printJSON(result)
            } else {
                let kernel = result.gemm == "avx512" ? "our AVX-512 GEMM (ASL_LAB_GEMM=openblas for OpenBLAS's)" : "OpenBLAS GEMM"
                print("train: SmallCNN, batch \(result.batch), 3×\(result.inputSize)×\(result.inputSize), random data, \(kernel)")
                for (name, figures) in [("train step", result.train), ("inference", result.inference)] {
                    for figure in figures {
                        let runs = figure.runs.map { String(format: "%.0f", $0) }.joined(separator: ", ")
                        print("  \(name), \(figure.threads) thread\(figure.threads == 1 ? " " : "s"): median \(String(format: "%.0f", figure.median)) images/s  (runs: \(runs))")
                    }
                }
            }
        }
    }

    struct Tsne: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seconds for a t-SNE map of 10 000 × 256 clustered points, 1 thread and all cores, with its trustworthiness (k = 10).")

        @Flag(help: "Print one JSON object on standard output instead of a table.")
        var json = false

        @Option(help: ArgumentHelp("Points to map.", valueName: "n"))
        var points = 10_000

        @Option(help: ArgumentHelp("Also write the generated points as a float32 .npy (to run another t-SNE on the same input).", valueName: "file"))
        var saveInput: String?

        @Option(help: ArgumentHelp("Timed runs per thread count.", valueName: "n"))
        var runs = 3

        @Option(help: ArgumentHelp("Nearest-neighbour search: auto (exact up to 20 000 points), exact or approximate.", valueName: "search"))
        var neighbours: NeighbourSearch = .auto

        func validate() throws {
            guard points >= 100 else { throw ValidationError("--points must be at least 100.") }
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1.") }
        }

        func run() throws {
            let result = try TSNEBenchmark.run(points: points, runs: runs, saveInput: saveInput, neighbours: neighbours)
            if json {
                try BenchCommand.printJSON(result)
            } else {
                let recall = result.neighbourRecall.map { String(format: " (%.2f %% of the exact ones)", 100 * $0) } ?? ""
                print("tsne: \(result.points) × \(result.dimensions) points, \(result.iterations) iterations, \(result.neighbours) neighbours\(recall); trustworthiness(k=10) \(String(format: "%.4f", result.trustworthiness)), KL \(String(format: "%.3f", result.klDivergence))")
                for figure in result.figures {
                    let runs = figure.runs.map { String(format: "%.1f", $0) }.joined(separator: ", ")
                    print("  \(figure.threads) thread\(figure.threads == 1 ? " " : "s"): median \(String(format: "%.1f", figure.median)) s  (runs: \(runs))")
                }
            }
        }
    }

    /// `--json`: one JSON object with sorted keys on standard output.
    static func printJSON(_ result: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}
