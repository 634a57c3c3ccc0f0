import ArgumentParser
import Foundation
import Pipeline

extension NeighbourSearch: ExpressibleByArgument {}

struct TSNECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsne",
        abstract: "Map the rows of a float32 matrix (.npy, N × D) to 2-D with t-SNE; writes a float32 N × 2 .npy.",
        discussion: """
        openTSNE's defaults: perplexity 30, PCA initialisation, early exaggeration 12 for 250 iterations, \
        Barnes-Hut repulsion (θ = 0.5). Nearest neighbours are exact up to 20 000 rows and approximate above \
        (k-means cells, each searched together with its 12 nearest cells; 99.9 % of the exact neighbours on \
        50 000 clustered 256-d points). The same input, seed and thread count give the same bytes. With fewer \
        than 3·perplexity + 1 rows the perplexity is lowered, and the tool says so.
        """)

    @Option(help: ArgumentHelp("The input matrix: a float32 (or int32) .npy with 2 dimensions.", valueName: "file"))
    var input: String

    @Option(help: ArgumentHelp("Where to write the N × 2 map (float32 .npy).", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("Effective number of neighbours each point's bandwidth is fitted to.", valueName: "p"))
    var perplexity: Double = 30

    @Option(help: ArgumentHelp("Iterations, the 250 of early exaggeration included.", valueName: "n"))
    var iterations: Int = 750

    @Option(help: ArgumentHelp("Seed of the initialisation's tie-breaking.", valueName: "s"))
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Threads (default: all cores).", valueName: "n"))
    var threads: Int?

    @Option(help: ArgumentHelp("Nearest-neighbour search: auto (exact up to 20 000 rows), exact or approximate.", valueName: "search"))
    var neighbours: NeighbourSearch = .auto

    func validate() throws {
        guard perplexity > 0, perplexity.isFinite else { throw ValidationError("--perplexity must be a positive number, but got \(perplexity).") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, but got \(iterations).") }
        try ThreadCount.check(threads)
    }

    func run() throws {
        let result = try StopSignals.run(what: "t-SNE", resume: "Run the same command again: it starts over.") { stop in
            try TSNEStage.run(input: input, output: output, perplexity: perplexity, iterations: iterations, seed: seed, threads: threads,
                              neighbours: neighbours, stop: stop)
        }
        print(result)
    }
}
