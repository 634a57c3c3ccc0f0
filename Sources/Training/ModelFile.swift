import AtomicIO
import Foundation
import NN
import Synth

/// `model.safetensors`: SmallCNN weights under the original PyTorch `state_dict` names, so
/// `SmallCNN().load_state_dict(safetensors.torch.load_file(path))` works in the original
/// code; the header's metadata says how to rebuild the model here.
public enum ModelFile {
    public static let format = "asl-lab SmallCNN"

    /// Writes `model` to `path` atomically, with the config hash and class order.
    public static func save(_ model: SmallCNN, to path: String, configHash: String, extra: [String: String] = [:]) throws {
        var metadata = extra
        metadata["format"] = format
        metadata["config_hash"] = configHash
        metadata["input_size"] = String(model.architecture.inputSize)
        metadata["classes"] = Letters.all.joined()
        // The saved model is the original SmallCNN on [0, 1] input, standardisation folded in.
        let (architecture, tensors) = model.exportedState()
        metadata["architecture"] = try architectureJSON(architecture)
        let bytes = SafeTensors.encode(tensors, metadata: metadata)
        try FileWriting.atomically(Data(bytes), to: path)
    }

    /// Loads a model written by `save` (or any safetensors file with the SmallCNN names, given
    /// its architecture in the metadata), checking every tensor's name and shape.
    public static func load(path: String) throws -> (model: SmallCNN, metadata: [String: String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError.model(path: path, problem: FileManager.default.fileExists(atPath: path) ? "it cannot be read" : "no such file")
        }
        let (tensors, metadata) = try SafeTensors.decode([UInt8](data), source: path)
        guard let json = metadata["architecture"], let architecture = try? JSONDecoder().decode(SmallCNNArchitecture.self, from: Data(json.utf8)) else {
            throw TrainingError.model(path: path, problem: "its header has no SmallCNN architecture (was it written by asl-lab?)")
        }
        guard architecture.classes == Letters.count, architecture.channels.count == 3, architecture.inputSize % 8 == 0,
              architecture.inputSize >= 8, architecture.inputSize <= 4096 else {
            throw TrainingError.model(path: path, problem: "its architecture is not a 26-class SmallCNN")
        }
        let model = SmallCNN(architecture: architecture, seed: 0)
        do {
            try model.load(tensors)
        } catch {
            throw TrainingError.model(path: path, problem: "\(error)")
        }
        return (model, metadata)
    }

    static func architectureJSON(_ architecture: SmallCNNArchitecture) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(architecture), as: UTF8.self)
    }
}

/// Atomic file writes (`AtomicFile`) with failures as `TrainingError`.
enum FileWriting {
    static func atomically(_ data: Data, to path: String) throws {
        do { try AtomicFile.write(data, to: path) } catch { throw TrainingError.cannotWrite(path: error.path, reason: error.reason) }
    }
}
