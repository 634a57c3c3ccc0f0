import ArgumentParser
import Foundation
import NN
import Pipeline

extension Precision: ExpressibleByArgument {}
extension ConvolutionAlgorithm: ExpressibleByArgument {}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed (median of several runs) on this machine.",
        subcommands: [Generate.self, Train.self, Tsne.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Images per second for generating the default 256-px data set (PNG + labels), 1 thread and all cores.")

        @OptionGroup var options: ConfigOptions<DataKey>

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
                print(result.machine.line)
                print("generate: \(result.images) images of \(result.imageSize) px per run, \(result.sizePerImage) per PNG")
                for figure in result.figures {
                    let runs = figure.runs.map { String(format: "%.0f", $0) }.joined(separator: ", ")
                    print("  \(figure.threads) thread\(figure.threads == 1 ? " " : "s"): median \(String(format: "%.0f", figure.median)) images/s  (runs: \(runs))")
                }
            }
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "SmallCNN training-step and inference images per second (batch 32 unless --batch, 3×128×128), 1 thread and all cores.")

        @Flag(help: "Print one JSON object on standard output instead of a table.")
        var json = false

        @Option(help: ArgumentHelp("Timed batches per run.", valueName: "n"))
        var steps = 6

        @Option(help: ArgumentHelp("Timed runs per thread count.", valueName: "n"))
        var runs = 3

        @Option(help: ArgumentHelp("Images per batch (train.batch_size): a step's fixed costs, such as Adam's pass over the weights, are shared by fewer images in smaller batches.",
                                   valueName: "n"))
        var batch = 32

        @Option(help: ArgumentHelp("Arithmetic of the products: fp32, or bf16 (mixed precision; fp32 with a note where the CPU has no bf16 instructions).",
                                   valueName: "fp32|bf16"))
        var precision: Precision = .fp32

        @Option(help: ArgumentHelp("How the second and third convolutions compute: winograd (as training does by default: Winograd F(4×4,3×3) in fp32, F(2×2,3×3) in bf16), winograd-2x2 (F(2×2,3×3) alone) or direct (lowering and one matrix product).",
                                   valueName: "winograd|winograd-2x2|direct"))
        var convolution: ConvolutionAlgorithm = .winograd

        @Flag(help: "Also time one training step by layer, direction and phase (lowering, GEMM, pooling, activation, loss, Adam), with GFLOP/s.")
        var profile = false

        @Option(help: ArgumentHelp("Thread counts to measure, comma-separated (default: 1 and all cores).", valueName: "n,…"))
        var threads: String?

        func validate() throws {
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1.") }
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1.") }
            guard (1...4096).contains(batch) else { throw ValidationError("--batch must be an integer from 1 to 4096 (as train.batch_size).") }
            if let threads {
                guard threadCounts(threads) != nil else {
                    throw ValidationError("--threads takes counts from 1 to \(ThreadCount.allowed.upperBound) separated by commas, e.g. 1,2, but got \(threads).")
                }
            }
        }

        private func threadCounts(_ text: String) -> [Int]? {
            let counts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !counts.isEmpty, counts.allSatisfy({ ThreadCount.allowed.contains($0 ?? 0) }) else { return nil }
            return counts.map { $0! }
        }

        func run() throws {
            let result = TrainBenchmark.run(steps: steps, runs: runs, batch: batch, precision: precision, convolution: convolution, profile: profile,
                                            threadCounts: threads.flatMap(threadCounts))
            if json {
                try BenchCommand.printJSON(result)
                return
            }
            print(result.machine.line)
            if let note = result.note { print(note) }
            let kernels = ["avx512": "our AVX-512 GEMM (ASL_LAB_GEMM=openblas for OpenBLAS's)", "openblas": "OpenBLAS GEMM",
                           "avx512-bf16": "bf16 products in our AVX512-BF16 GEMM", "amx-bf16": "bf16 products on AMX tiles (ASL_LAB_BF16=avx512 for AVX512-BF16)"]
            print("train: SmallCNN, batch \(result.batch), 3×\(result.inputSize)×\(result.inputSize), random data, \(result.precision), \(kernels[result.gemm] ?? result.gemm), \(result.convolution) convolutions")
            for (name, figures) in [("train step", result.train), ("inference", result.inference)] {
                for figure in figures {
                    let runs = figure.runs.map { String(format: "%.0f", $0) }.joined(separator: ", ")
                    print("  \(name), \(figure.threads) thread\(figure.threads == 1 ? " " : "s"): median \(String(format: "%.0f", figure.median)) images/s  (runs: \(runs))")
                }
            }
            guard let rows = result.profile else { return }
            let threads = result.train.last?.threads ?? 1
            print("\nprofile of one training step, \(threads) thread(s): ms per step (each phase's wall time, from its threads' times summed ÷ threads)")
            let total = Self.printProfile(rows)
            if let peak = result.peakGflopsPerThread {
                let convolutions = rows.filter { $0.phase == "GEMM" && $0.layer.hasPrefix("features.") }.compactMap(\.gflops)
                let instruction = result.precision == "bf16" ? "vdpbf16ps" : "vfmadd231ps"
                var line = String(format: "  ceiling: %.0f GFLOP/s per thread (%@ in registers, measured now)", peak, instruction)
                if let low = convolutions.min(), let high = convolutions.max() {
                    line += String(format: "; the convolutions' products ran at %.0f–%.0f %% of it", 100 * low / (peak * Double(threads)), 100 * high / (peak * Double(threads)))
                }
                print(line)
            }
            if let wall = result.wall, !wall.isEmpty {
                let wallTotal = wall.reduce(0) { $0 + $1.milliseconds }
                print("  wall clock: " + wall.map { String(format: "%@ %.1f ms", $0.direction, $0.milliseconds) }.joined(separator: ", ")
                      + String(format: "; step %.1f ms, of which the phases above account for %.0f %%.", wallTotal, 100 * min(1, total / max(wallTotal, 1e-9))))
                if total < 0.95 * wallTotal {
                    print(String(format: "  The other %.1f ms is threads waiting for each other at the end of parallel loops and work between the phases.",
                                 wallTotal - total))
                }
            }
            if let inferenceRows = result.inferenceProfile {
                print("\nprofile of one inference batch (\(result.batch) images, weights already packed), \(threads) thread(s): ms per batch")
                Self.printProfile(inferenceRows)
            }
        }

        /// Prints a profile's rows and the sum by phase; returns the total milliseconds.
        @discardableResult
        private static func printProfile(_ rows: [TrainBenchmark.ProfileRow]) -> Double {
            let total = rows.reduce(0) { $0 + $1.milliseconds }
            print("  " + "layer".padding(toLength: 13, withPad: " ", startingAt: 0) + "direction ".padding(toLength: 10, withPad: " ", startingAt: 0)
                  + "phase".padding(toLength: 28, withPad: " ", startingAt: 0) + "     ms   share  GFLOP/s")
            for row in rows {
                let rate = row.gflops.map { String(format: "%8.0f", $0) } ?? ""
                print("  " + row.layer.padding(toLength: 13, withPad: " ", startingAt: 0) + row.direction.padding(toLength: 10, withPad: " ", startingAt: 0)
                      + row.phase.padding(toLength: 28, withPad: " ", startingAt: 0)
                      + String(format: "%7.2f  %5.1f %%", row.milliseconds, 100 * row.milliseconds / max(total, 1e-9)) + rate)
            }
            var byPhase: [String: Double] = [:]
            for row in rows { byPhase[row.phase, default: 0] += row.milliseconds }
            print("  by phase: " + byPhase.sorted { $0.value > $1.value }.map { String(format: "%@ %.1f ms", $0.key, $0.value) }.joined(separator: ", ")
                  + String(format: "; total %.1f ms", total))
            return total
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
                print(result.machine.line)
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
