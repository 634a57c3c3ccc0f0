import AtomicIO
import Foundation
import NN
import Synth

/// `model.safetensors`: SmallCNN weights under the original PyTorch `state_dict` names, so
/// `SmallCNN().load_state_dict(safetensors.torch.load_file(path))` works in the original
/// code; the header's metadata says how to rebuild the model here.
public enum ModelFile {
    public static let format = "asl-lab SmallCNN"

    /// Writes `model` to `path` atomically, with the config hash and class order: `classes`
    /// holds A–Z as "ABC…Z" (as every model has), any other class list goes into
    /// `class_names` as a JSON array.
    public static func save(_ model: SmallCNN, to path: String, configHash: String, classes: [String] = Letters.all,
                            extra: [String: String] = [:]) throws {
        precondition(classes.count == model.architecture.classes, "one name per class")
        var metadata = extra
        metadata["format"] = format
        metadata["config_hash"] = configHash
        metadata["input_size"] = String(model.architecture.inputSize)
        if ClassNames.areLetters(classes) {
            metadata["classes"] = Letters.all.joined()
        } else {
            metadata["class_names"] = ClassNames.json(classes)
        }
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
        let loaded = try loadNamed(path: path)
        return (loaded.model, loaded.metadata)
    }

    /// `load`, with the class names the file records (A–Z for a model that names none).
    public static func loadNamed(path: String) throws -> (model: SmallCNN, metadata: [String: String], classes: [String]) {
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
        let classes: [String]
        if let text = metadata["class_names"] {
            guard let names = ClassNames.parse(json: text) else {
                throw TrainingError.model(path: path, problem: "its class_names metadata is not a JSON array of names")
            }
            classes = names
        } else {
            classes = Letters.all
        }
        guard architecture.classes == classes.count else {
            throw TrainingError.model(path: path, problem: "its architecture has \(architecture.classes) classes but its header names \(classes.count)\(metadata["class_names"] == nil ? " (A–Z)" : "")")
        }
        do {
            try architecture.check(tensors)
        } catch {
            throw TrainingError.model(path: path, problem: error.description)
        }
        try checkMemory(architecture, path: path)
        let model = SmallCNN(architecture: architecture, seed: 0)
        try model.load(tensors)
        return (model, metadata, classes)
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
