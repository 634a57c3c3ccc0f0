import Foundation

/// `sweep.json` in a sweep folder (`REPORTS/<stamp>-sweep-<name>/`): what was swept and the
/// members it makes, written when the sweep starts. Each member is an ordinary run in the
/// sweep folder whose manifest carries the member's config hash; the sweep's state is read
/// from those run folders, never kept here, so a member finished by any means (locally, by
/// Slurm, by hand with `asl-lab run`) counts.
public struct SweepRecord: JSONRecord, Equatable, Sendable {
    /// One swept key and its values, as YAML text, in the order given.
    public struct Axis: Codable, Equatable, Sendable {
        public var key: String
        public var values: [String]

        public init(key: String, values: [String]) {
            self.key = key
            self.values = values
        }
    }

    /// One run of the sweep.
    public struct Member: Codable, Equatable, Sendable {
        /// 1-based, in the order members run.
        public var index: Int
        /// The run's name (`--name`), also in its folder's name.
        public var name: String
        /// Swept key → value (YAML text) for this member.
        public var values: [String: String]
        /// SHA-256 of the member's effective config (its manifest's `config_hash`).
        public var configHash: String
        /// The member's whole effective config, relative to the sweep folder.
        public var configFile: String

        public init(index: Int, name: String, values: [String: String], configHash: String, configFile: String) {
            self.index = index
            self.name = name
            self.values = values
            self.configHash = configHash
            self.configFile = configFile
        }

        enum CodingKeys: String, CodingKey {
            case index, name, values
            case configHash = "config_hash", configFile = "config_file"
        }
    }

    /// The Slurm jobs of the sweep's latest submission (`sweep --slurm`).
    public struct SlurmJobs: Codable, Equatable, Sendable {
        /// The array job whose tasks run the members that were not complete.
        public var arrayJob: String
        /// The job that writes the sweep report once every task has ended.
        public var reportJob: String?
        /// The tasks' log files, with `%A` standing for the array job and `%a` for the task.
        public var logPattern: String
        /// Member name → its task in the array (1…N).
        public var tasks: [String: Int]

        public init(arrayJob: String, reportJob: String?, logPattern: String, tasks: [String: Int]) {
            self.arrayJob = arrayJob
            self.reportJob = reportJob
            self.logPattern = logPattern
            self.tasks = tasks
        }

        /// The log of `member`'s task, if it ran in this submission.
        public func log(of member: String) -> String? {
            tasks[member].map { logPattern.replacingOccurrences(of: "%A", with: arrayJob).replacingOccurrences(of: "%a", with: String($0)) }
        }

        enum CodingKeys: String, CodingKey {
            case arrayJob = "array_job", reportJob = "report_job", logPattern = "log_pattern", tasks
        }
    }

    public var name: String
    public var created: String
    /// "grid" (every combination) or "zip" (the n-th value of every key together).
    public var mode: String
    public var axes: [SweepRecord.Axis]
    /// The config file and `--set` overrides every member shares.
    public var baseConfig: String?
    public var fixedOverrides: [String]
    public var members: [Member]
    /// SHA-256 of the sweep's name and its members' config hashes in order: the same sweep run
    /// again has the same one, and reuses its folder.
    public var hash: String
    public var toolVersion: String
    public var slurm: SlurmJobs?

    /// Keys that only change a seed: a sweep's report averages over them, and its config
    /// points are the combinations of the other swept keys.
    public static let seedKeys: Set<String> = ["seed", "data.seed", "train.seed"]

    public static let fileName = "sweep.json"
    public static let what = "a sweep record"

    public init(name: String, created: String, mode: String, axes: [Axis], baseConfig: String?, fixedOverrides: [String],
                members: [Member], hash: String, toolVersion: String, slurm: SlurmJobs? = nil) {
        self.name = name
        self.created = created
        self.mode = mode
        self.axes = axes
        self.baseConfig = baseConfig
        self.fixedOverrides = fixedOverrides
        self.members = members
        self.hash = hash
        self.toolVersion = toolVersion
        self.slurm = slurm
    }

    enum CodingKeys: String, CodingKey {
        case name, created, mode, axes, members, hash, slurm
        case baseConfig = "base_config", fixedOverrides = "fixed_overrides", toolVersion = "tool_version"
    }

    /// The sweep record of `folder`, or nil when it is not a sweep folder.
    public static func read(sweepFolder: String) -> SweepRecord? {
        readIfPresent(folder: sweepFolder)
    }

    /// Whether `folder` is a sweep folder (it holds a sweep record).
    public static func isSweepFolder(_ folder: String) -> Bool {
        FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(fileName))
    }
}
