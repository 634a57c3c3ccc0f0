import Foundation

/// `manifest.json` of a run folder: what the pipeline ran, with what, where and how long, and
/// everything needed to reproduce or audit it (the effective config, each stage's key and
/// cache status, the SHA-256 of every artifact, the git state, headline metrics). The pipeline
/// writes it from the start of a run and after every stage; the report, `runs list`,
/// `compare` and `archive` read it. A hand-made manifest needs only the first eight keys.
public struct RunManifest: JSONRecord, Equatable, Sendable {
    public static let fileName = "manifest.json"
    public static let what = "a run manifest"

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
    public var stages: [StageRecord]
    /// Every effective config key with its canonical value (as `config show` prints it).
    public var config: [String: String]

    /// Config keys the tool gained after manifests were first written, with the value that
    /// stands for what older runs did: their manifests lack the key.
    public static let configKeysAddedLater: [String: String] = ["data.seed": "null", "train.seed": "null"]

    /// The value of a config key as YAML text, also for a manifest written before the key existed.
    public func configValue(_ key: String) -> String? {
        config[key] ?? Self.configKeysAddedLater[key]
    }
    /// The source the tool was built from.
    public var git: Git?
    /// Run-folder files (relative path) → SHA-256.
    public var artifacts: [String: String]
    public var metrics: Metrics
    /// Wall time of the run so far.
    public var seconds: Double
    /// The user's words on the run (`run --note`), shown in lists and its report.
    public var note: String?
    /// Labels for finding and grouping runs (`run --tag`, repeatable).
    public var tags: [String]
    /// The Slurm job the run ran in (none outside Slurm, and in manifests written before this
    /// was recorded).
    public var slurm: Slurm?

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

    /// A git commit and whether its checkout had changes.
    public struct Git: Codable, Equatable, Sendable {
        public var commit: String
        public var dirty: Bool

        public init(commit: String, dirty: Bool) {
            self.commit = commit
            self.dirty = dirty
        }
    }

    /// A Slurm job's identity, as Slurm hands it to the job (`SLURM_JOB_ID`, and for a task of
    /// a job array `SLURM_ARRAY_JOB_ID` and `SLURM_ARRAY_TASK_ID`), kept as text as Slurm gives it.
    public struct Slurm: Codable, Equatable, Sendable {
        public var jobID: String
        public var arrayJobID: String?
        public var arrayTaskID: String?

        public init(jobID: String, arrayJobID: String? = nil, arrayTaskID: String? = nil) {
            self.jobID = jobID
            self.arrayJobID = arrayJobID
            self.arrayTaskID = arrayTaskID
        }

        enum CodingKeys: String, CodingKey {
            case jobID = "job_id", arrayJobID = "array_job_id", arrayTaskID = "array_task_id"
        }
    }

    /// The headline results, copied from training.json.
    public struct Metrics: Codable, Equatable, Sendable {
        public var testAccuracy: Double?
        public var testDistanceMAE: Double?
        public var epochs: Int?

        public init(testAccuracy: Double? = nil, testDistanceMAE: Double? = nil, epochs: Int? = nil) {
            self.testAccuracy = testAccuracy
            self.testDistanceMAE = testDistanceMAE
            self.epochs = epochs
        }

        enum CodingKeys: String, CodingKey {
            case epochs
            case testAccuracy = "test_accuracy", testDistanceMAE = "test_distance_mae"
        }
    }

    public init(name: String, created: String, configHash: String, toolVersion: String, seed: UInt64, dataset: String,
                machine: Machine, stages: [StageRecord], config: [String: String] = [:], git: Git? = nil,
                artifacts: [String: String] = [:], metrics: Metrics = Metrics(), seconds: Double = 0,
                note: String? = nil, tags: [String] = [], slurm: Slurm? = nil) {
        self.name = name
        self.created = created
        self.configHash = configHash
        self.toolVersion = toolVersion
        self.seed = seed
        self.dataset = dataset
        self.machine = machine
        self.stages = stages
        self.config = config
        self.git = git
        self.artifacts = artifacts
        self.metrics = metrics
        self.seconds = seconds
        self.note = note
        self.tags = tags
        self.slurm = slurm
    }

    enum CodingKeys: String, CodingKey {
        case name, created, seed, dataset, machine, stages, config, git, artifacts, metrics, seconds, note, tags, slurm
        case configHash = "config_hash", toolVersion = "tool_version"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        created = try c.decode(String.self, forKey: .created)
        configHash = try c.decode(String.self, forKey: .configHash)
        toolVersion = try c.decode(String.self, forKey: .toolVersion)
        seed = try c.decode(UInt64.self, forKey: .seed)
        dataset = try c.decode(String.self, forKey: .dataset)
        machine = try c.decode(Machine.self, forKey: .machine)
        stages = try c.decode([StageRecord].self, forKey: .stages)
        config = try c.decodeIfPresent([String: String].self, forKey: .config) ?? [:]
        git = try c.decodeIfPresent(Git.self, forKey: .git)
        artifacts = try c.decodeIfPresent([String: String].self, forKey: .artifacts) ?? [:]
        metrics = try c.decodeIfPresent(Metrics.self, forKey: .metrics) ?? Metrics()
        seconds = try c.decodeIfPresent(Double.self, forKey: .seconds) ?? 0
        note = try c.decodeIfPresent(String.self, forKey: .note)
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        slurm = try c.decodeIfPresent(Slurm.self, forKey: .slurm)
    }
}

/// What happened to one stage of a run.
public struct StageRecord: Codable, Equatable, Sendable {
    public var name: String
    public var status: StageStatus
    public var seconds: Double
    /// The stage's cache key (for the report, which is drawn into every run folder, the key of
    /// the figures it keeps in the cache; none in manifests written before that was recorded).
    public var key: String?

    public init(name: String, status: StageStatus, seconds: Double, key: String? = nil) {
        self.name = name
        self.status = status
        self.seconds = seconds
        self.key = key
    }
}

/// Whether a stage ran or came from the cache (or, in a dry run, would run).
public enum StageStatus: String, Codable, Sendable, CustomStringConvertible {
    case run
    case cached
    case wouldRun = "would run"

    public var description: String { rawValue }
}
