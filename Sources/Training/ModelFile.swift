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
        try AtomicFile.write(Data(bytes), to: path)
    }

    /// Loads a model written by `save` (or any safetensors file with the SmallCNN names, given
    /// its architecture in the metadata). Everything the file says is checked before the model
    /// is built: the architecture's numbers, every tensor's name, shape and values, and that
    /// one image fits in this machine's memory.
    public static func load(path: String) throws -> (model: SmallCNN, metadata: [String: String]) {
        let data = try InputFile.read(path, limit: InputFile.Limit.model) { TrainingError.model(path: path, problem: $0) }
        let (tensors, metadata) = try SafeTensors.decode([UInt8](data), source: path)
        guard let json = metadata["architecture"] else {
            throw TrainingError.model(path: path, problem: "its header has no SmallCNN architecture (was it written by asl-lab?)")
        }
        let architecture: SmallCNNArchitecture
        do {
            architecture = try JSONDecoder().decode(SmallCNNArchitecture.self, from: Data(json.utf8))
        } catch {
            throw TrainingError.model(path: path, problem: "its architecture metadata is not a SmallCNN architecture (\(DecodingProblem.describe(error)))")
        }
        guard architecture.classes == Letters.count else {
            throw TrainingError.model(path: path, problem: "its architecture has \(architecture.classes) classes; asl-lab models have 26 (A–Z)")
        }
        do {
            try architecture.check(tensors)
        } catch {
            throw TrainingError.model(path: path, problem: error.description)
        }
        try checkMemory(architecture, path: path)
        let model = SmallCNN(architecture: architecture, seed: 0)
        try model.load(tensors)
        return (model, metadata)
    }

    /// Refuses a model that could not run even one image in this machine's memory (a small
    /// file can describe a model with terabytes of activations).
    static func checkMemory(_ architecture: SmallCNNArchitecture, path: String) throws {
        let needed = architecture.memoryEstimate(batch: 1, training: false)
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        guard needed <= available / 2 else {
            throw TrainingError.model(path: path, problem: "its architecture (input \(architecture.inputSize) px, channels \(architecture.channels)) needs about \(ByteCount.text(needed)) of memory for one image; this machine has \(ByteCount.text(available))")
        }
    }

    static func architectureJSON(_ architecture: SmallCNNArchitecture) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(architecture), as: UTF8.self)
    }
}
