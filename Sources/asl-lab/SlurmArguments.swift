import ArgumentParser
import Pipeline

/// `--slurm [--partition P] [--time T] [--cpus-per-task C]`, shared by the commands that can
/// submit their work to Slurm instead of doing it here (`run`, `sweep`).
struct SlurmArguments: ParsableArguments {
    @Flag(help: "Submit the work to Slurm as a batch job instead of running it here (needs sbatch on PATH, e.g. on a cluster's login node).")
    var slurm = false

    @Option(help: ArgumentHelp("With --slurm: the partition to run in (default: the cluster's default partition).", valueName: "partition"))
    var partition: String?

    @Option(help: ArgumentHelp("With --slurm: the job's time limit, e.g. 90 (minutes), 1:30:00 or 2-00 (days-hours).", valueName: "time"))
    var time: String?

    @Option(name: .customLong("cpus-per-task"),
            help: ArgumentHelp("With --slurm: CPUs for the job (each task of an array); its threads (default: 1).", valueName: "n"))
    var cpusPerTask: Int?

    /// What the job asks Slurm for.
    var options: SlurmOptions { SlurmOptions(partition: partition, time: time, cpusPerTask: cpusPerTask) }

    func validate() throws {
        if !slurm, let given = [partition.map { _ in "--partition" }, time.map { _ in "--time" }, cpusPerTask.map { _ in "--cpus-per-task" }].compactMap({ $0 }).first {
            throw ValidationError("\(given) is for a job submitted to Slurm; add --slurm to submit one, or leave \(given) out to run here.")
        }
        try ThreadCount.check(cpusPerTask, option: "--cpus-per-task")
    }
}
