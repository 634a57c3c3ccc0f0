import AtomicIO
import Analysis
import Foundation
import Interrupt
import NN

extension TSNEError: UserFacingError {}

/// How t-SNE finds nearest neighbours (`--neighbours auto|exact|approximate`).
public typealias NeighbourSearch = TSNE.NeighbourSearch

/// `asl-lab tsne`: a .npy matrix in, its t-SNE map out.
public enum TSNEStage {
    /// Embeds the rows of `input` and writes the map to `output`; returns one sentence on it.
    public static func run(input: String, output: String, perplexity: Double, iterations: Int, seed: UInt64, threads: Int?,
                           neighbours: TSNE.NeighbourSearch = .auto, stop: StopRequest? = nil) throws -> String {
        let array = try NumPyArray.read(path: input)
        guard array.shape.count == 2 else {
            throw NumPyError(path: input, problem: "it has shape \(array.shape), but t-SNE needs a 2-dimensional matrix (rows × columns)")
        }
        let cores = threads ?? ProcessInfo.processInfo.activeProcessorCount
        Engine.configureProcess()
        let start = Date()
        let result: TSNE.Result
        var options = TSNE.Options(perplexity: perplexity, iterations: iterations, seed: seed, threads: cores, neighbours: neighbours)
        options.stop = stop
        do {
            result = try TSNE.embed(array.floats, rows: array.shape[0], columns: array.shape[1], options: options)
        } catch TSNEError.interrupted {
            throw TSNEError.interrupted
        } catch let error as TSNEError {
            throw NumPyError(path: input, problem: error.description.prefix(1).lowercased() + error.description.dropFirst().dropLast())
        }
        try NumPyArray(shape: [array.shape[0], 2], floats: result.embedding).write(to: output)
        var text = String(format: "Mapped %@ of %@ in %.1f s (perplexity %.2f, %@ neighbours, %@, KL divergence %.4f): %@",
                          Count.of(array.shape[0], "point"), Count.of(array.shape[1], "dimension"), Date().timeIntervalSince(start), result.perplexity,
                          result.neighbours.rawValue, Count.of(result.iterations, "iteration"), result.klDivergence, output)
        if let note = result.note { text += "\nnote: " + note }
        return text
    }
}
