import Foundation
import Report
import Training

/// `manifest.json` as the pipeline writes it: the keys the report reads (name, created,
/// config_hash, tool_version, seed, dataset, machine, stages) and everything needed to
/// reproduce or audit the run: the effective config, each stage's key and cache status,
/// the sha256 of every artifact, the git state, timings and headline metrics.
struct PipelineManifest: Codable, Equatable {
    var name: String
    var created: String
    var configHash: String
    var toolVersion: String
    var seed: UInt64
    /// The data set folder in the cache.
    var dataset: String
    var machine: RunManifest.Machine
    var stages: [PipelineRun.StageRecord]
    /// Every effective config key with its canonical value.
    var config: [String: String]
    var git: GitState?
    /// Run-folder files (relative path) → sha256.
    var artifacts: [String: String]
    var metrics: Metrics
    var seconds: Double

    struct Metrics: Codable, Equatable {
        var testAccuracy: Double?
        var testDistanceMAE: Double?
        var epochs: Int?

        enum CodingKeys: String, CodingKey {
            case epochs
            case testAccuracy = "test_accuracy", testDistanceMAE = "test_distance_mae"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, created, seed, dataset, machine, stages, config, git, artifacts, metrics, seconds
        case configHash = "config_hash", toolVersion = "tool_version"
    }

    static let fileName = "manifest.json"

    init(name: String, created: Date, config: EffectiveConfig, keys: StageKeys, stages: [PipelineRun.StageRecord],
         dataset: String, runFolder: String, cache: StageCache, seconds: Double) {
        self.name = name
        self.created = ISO8601DateFormatter().string(from: created)
        configHash = config.hash
        toolVersion = ToolInfo.version
        seed = Config(config).seed
        self.dataset = dataset
        machine = .current
        self.stages = stages
        self.config = Self.canonicalValues(config)
        git = GitState.current(in: FileManager.default.currentDirectoryPath)
        // Files linked from sealed cache entries already have a checked sha256 in the seal;
        // only the run's own files (config, report) are hashed here.
        var known: [String: String] = [:]
        for stage in [PipelineStage.train, .analyse] {
            if let key = keys.key(of: stage), let seal = cache.seal(stage: stage.rawValue, key: key) {
                for file in seal.files { known[file.path] = file.sha256 }
            }
        }
        var artifacts: [String: String] = [:]
        // The manifest, the log and the status change after the manifest is written.
        for file in (try? StageCache.files(under: runFolder)) ?? [] where ![Self.fileName, "log.txt", RunStatus.fileName].contains(file) {
            artifacts[file] = known[file] ?? StageCache.sha256(path: (runFolder as NSString).appendingPathComponent(file))
        }
        self.artifacts = artifacts
        metrics = Metrics(testAccuracy: nil, testDistanceMAE: nil, epochs: nil)
        if let data = FileManager.default.contents(atPath: (runFolder as NSString).appendingPathComponent(Trainer.summaryName)),
           let summary = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            metrics.testAccuracy = summary["test_accuracy"] as? Double
            metrics.testDistanceMAE = summary["test_distance_mae"] as? Double
            metrics.epochs = summary["epochs"] as? Int
        }
        self.seconds = seconds
    }

    /// Every key's value as YAML text (what `config show` prints for it).
    static func canonicalValues(_ config: EffectiveConfig) -> [String: String] {
        Dictionary(uniqueKeysWithValues: ConfigSchema.fields.map { ($0.key, config[$0.key].yaml) })
    }

    /// Config keys under `prefixes` whose value differs in `config`, as "key: old → new".
    func changedKeys(comparedWith config: EffectiveConfig, under prefixes: [String]) -> [String] {
        let now = Self.canonicalValues(config)
        return now.keys.sorted().filter { key in
            prefixes.contains { key == $0 || key.hasPrefix($0 + ".") } && self.config[key] != now[key]
        }.map { "\($0): \(self.config[$0] ?? "–") → \(now[$0] ?? "–")" }
    }

    func write(to runFolder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try PipelineFile.write(try encoder.encode(self), to: (runFolder as NSString).appendingPathComponent(Self.fileName))
    }

    static func read(runFolder: String) -> PipelineManifest? {
        FileManager.default.contents(atPath: (runFolder as NSString).appendingPathComponent(fileName))
            .flatMap { try? JSONDecoder().decode(PipelineManifest.self, from: $0) }
    }
}
