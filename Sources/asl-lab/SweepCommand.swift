import ArgumentParser
import Pipeline

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run many configs: every combination (or paired lists) of swept keys, each member an ordinary run, then a sweep report.",
        discussion: """
        A --set whose value is a comma-separated list (--set train.learning_rate=0.0005,0.001,0.002) or an integer \
        range (--set train.seed=0..4) is swept; a single value is shared by every member. Members run as `asl-lab run` \
        in one folder REPORTS/<stamp>-sweep-<name>/ and share the cache, so a data set they share is drawn once. \
        Running the same sweep again runs only the members that did not complete. The sweep report (index.html in the \
        sweep folder) shows each point's mean ± sd over seeds, metric-by-value plots, curves and per-letter accuracy. \
        With --slurm the members that are not complete go to Slurm as one job array, and a job that waits for the \
        whole array writes the sweep report. Prints the path of the sweep report last.
        """)

    @OptionGroup var options: ConfigOptions<SweepKey>

    @Flag(exclusivity: .exclusive, help: ArgumentHelp("How the swept lists combine: every combination (--grid, the default) or the n-th values together (--zip)."))
    var combine: Combine = .grid

    @Option(help: ArgumentHelp("Members run at once; the threads are split between them.", valueName: "n"))
    var jobs: Int = 1

    @Option(help: ArgumentHelp("Threads in all (default: all cores).", valueName: "n"))
    var threads: Int?

    @Option(help: ArgumentHelp("A name for the sweep, in its folder's name.", valueName: "name"))
    var name: String = "sweep"

    @Option(help: ArgumentHelp("Folder that receives the sweep folder.", valueName: "dir"))
    var reports: String = "Reports"

    @Option(help: ArgumentHelp("Folder for cached data sets and stage outputs, shared by the members.", valueName: "dir"))
    var cache: String = ".asl-cache"

    @Option(help: ArgumentHelp("A folder of Mustache templates and style.css for the sweep report (any subset).", valueName: "dir"))
    var templates: String?

    @Flag(help: "List the members and, for each, which stages the cache holds; run nothing.")
    var dryRun = false

    @Flag(help: "Run a sweep of more than \(SweepPlan.memberLimit) members.")
    var yes = false

    @OptionGroup var slurm: SlurmArguments

    @Option(help: ArgumentHelp("With --slurm: draw each data set the members need (and the cache lacks) as this many shards, a job array the members wait for.", valueName: "n"))
    var shards: Int?

    enum Combine: String, EnumerableFlag {
        case grid, zip
    }

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1, but got \(jobs).") }
        try ThreadCount.check(threads)
        if let shards {
            if !slurm.slurm { throw ValidationError("--shards is for a sweep submitted to Slurm; add --slurm, or leave --shards out.") }
            if !(1...10_000).contains(shards) { throw ValidationError("--shards must be between 1 and 10000, but got \(shards).") }
        }
        if slurm.slurm, jobs != 1 || threads != nil {
            throw ValidationError("\(jobs != 1 ? "--jobs" : "--threads") is for a sweep run here; with --slurm every member is its own job (give each --cpus-per-task CPUs).")
        }
    }

    func run() throws {
        let plan = try SweepPlan(name: name, configFile: options.file, overrides: options.overrides,
                                 mode: combine == .zip ? .zip : .grid, allowMany: yes)
        if slurm.slurm {
            print(try SweepSubmission(plan: plan, reportsRoot: reports, cacheRoot: cache, slurm: slurm.options, shards: shards).submit(dryRun: dryRun, output: .standardOutput))
            return
        }
        let sweepOptions = SweepRun.Options(reportsRoot: reports, cacheRoot: cache, jobs: jobs, threads: threads, dryRun: dryRun,
                                            executable: ToolExecutable.current, templates: templates)
        let outcome = try SweepRun.run(plan, options: sweepOptions, output: .standardOutput)
        print(outcome.summary)
    }
}

/// `sweep`'s --set example: a list of values.
enum SweepKey: SetExample {
    static let example = "train.learning_rate=0.0005,0.001,0.002"
}
