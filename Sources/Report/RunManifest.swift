import AtomicIO
import Foundation

/// `manifest.json` of a run folder: what the pipeline ran, with what, where and how long.
/// The pipeline writes it with this type; the report reads it (and copes without it for a
/// hand-made run folder). Keys are snake_case in the file.
public struct RunManifest: Codable, Equatable, Sendable {
    /// The run's name (`--name`), free text from the user.
    public var name: String
    /// When the run started, ISO 8601.
    public var created: String
    /// SHA-256 of the effective config.
    public var configHash: String
    public var toolVersion: String
    public var seed: UInt64
    /// Absolute path of the data set folder (labels.csv, dataset.json, A/A_00000.png …).
    public var dataset: String
    public var machine: Machine
    /// Stages in the order they ran.
    public var stages: [Stage]

    /// The computer a run ran on.
    public struct Machine: Codable, Equatable, Sendable {
        public var cores: Int
        /// CPU model name, as the OS reports it.
        public var cpu: String
        public var memoryBytes: UInt64

        public init(cores: Int, cpu: String, memoryBytes: UInt64) {
            self.cores = cores
            self.cpu = cpu
            self.memoryBytes = memoryBytes
        }

        enum CodingKeys: String, CodingKey {
            case cores, cpu
            case memoryBytes = "memory_bytes"
        }
    }

    /// One pipeline stage: whether it ran or came from the cache, and its wall time.
    public struct Stage: Codable, Equatable, Sendable {
        public var name: String
        /// "run" or "cached".
        public var status: String
        public var seconds: Double

        public init(name: String, status: String, seconds: Double) {
            self.name = name
            self.status = status
            self.seconds = seconds
        }
    }

    public init(name: String, created: String, configHash: String, toolVersion: String, seed: UInt64, dataset: String,
                machine: Machine, stages: [Stage]) {
        self.name = name
        self.created = created
        self.configHash = configHash
        self.toolVersion = toolVersion
        self.seed = seed
        self.dataset = dataset
        self.machine = machine
        self.stages = stages
    }

    enum CodingKeys: String, CodingKey {
        case name, created, seed, dataset, machine, stages
        case configHash = "config_hash", toolVersion = "tool_version"
    }

    public static let fileName = "manifest.json"

    /// Reads `manifest.json`; unknown keys (artifact hashes, metrics …) are ignored.
    public static func read(path: String) throws -> RunManifest {
        let data = try InputFile.read(path, limit: InputFile.Limit.runRecord) { ReportError.unreadable(path: path, reason: $0) }
        do {
            return try JSONDecoder().decode(RunManifest.self, from: data)
        } catch {
            throw ReportError.unreadable(path: path, reason: "it is not a run manifest (\(DecodingProblem.describe(error)))")
        }
    }

    /// The manifest as pretty-printed JSON with sorted keys.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
