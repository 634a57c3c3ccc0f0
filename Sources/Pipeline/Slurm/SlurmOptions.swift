import Foundation

/// What a job asks Slurm for: a partition, a time limit and CPUs per task (`sbatch
/// --partition`, `--time`, `--cpus-per-task`). Unset values leave Slurm's defaults (the default
/// partition, its time limit, one CPU). `asl-lab run --slurm` and `sweep --slurm` take them.
public struct SlurmOptions: Sendable, Equatable {
    /// A partition name, or several separated by commas (Slurm starts the job in the first that can).
    public var partition: String?
    /// A time limit in one of Slurm's forms: `minutes`, `minutes:seconds`, `hours:minutes:seconds`,
    /// `days-hours`, `days-hours:minutes`, `days-hours:minutes:seconds`, or `UNLIMITED`.
    public var time: String?
    /// CPUs for each task; the job runs its work with this many threads (`$SLURM_CPUS_PER_TASK`).
    public var cpusPerTask: Int?

    public init(partition: String? = nil, time: String? = nil, cpusPerTask: Int? = nil) {
        self.partition = partition
        self.time = time
        self.cpusPerTask = cpusPerTask
    }

    /// Refuses a value Slurm would not take, naming the option, before anything is written.
    public func validate() throws(PipelineError) {
        if let partition, partition.isEmpty || !partition.unicodeScalars.allSatisfy(Self.partitionCharacters.contains) {
            throw .badSlurmOption(option: "--partition", value: partition,
                                  expected: "a partition name is letters, digits, '-', '_' and '.' (several separated by commas); `sinfo` lists them")
        }
        if let time, time.range(of: Self.timePattern, options: .regularExpression) == nil
            && !["UNLIMITED", "INFINITE"].contains(time.uppercased()) {
            throw .badSlurmOption(option: "--time", value: time,
                                  expected: "a time limit is minutes, minutes:seconds, hours:minutes:seconds, days-hours, days-hours:minutes, days-hours:minutes:seconds or UNLIMITED (e.g. 90, 1:30:00, 2-00)")
        }
        if let cpusPerTask, cpusPerTask < 1 {
            throw .badSlurmOption(option: "--cpus-per-task", value: String(cpusPerTask), expected: "a job needs at least 1 CPU")
        }
    }

    /// Slurm's time forms: `[days-]hours[:minutes[:seconds]]` or `minutes[:seconds]`, all digits.
    static let timePattern = #"^([0-9]+-[0-9]+(:[0-9]+){0,2}|[0-9]+(:[0-9]+){0,2})$"#
    static let partitionCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,")
}
