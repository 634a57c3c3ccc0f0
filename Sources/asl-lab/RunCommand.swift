import ArgumentParser
import Pipeline

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the whole pipeline (generate → train → analyse → report) on the effective config.")

    @OptionGroup var options: ConfigOptions<AnyKey>

    @Option(help: ArgumentHelp("Train on your own data set folder instead of generated images: labels.csv (or labels.xlsx) with filepath, label and optionally distance, and the PNG images it names (the same as --set data.source=folder --set data.folder=DIR).", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("Folder that receives run folders.", valueName: "dir"))
    var reports: String = "Reports"

    @Option(help: ArgumentHelp("Folder for cached data sets and stage outputs.", valueName: "dir"))
    var cache: String = ".asl-cache"

    @Option(help: ArgumentHelp("A name for this run, appended to its folder name.", valueName: "name"))
    var name: String = "run"

    @Option(help: ArgumentHelp("A sentence on why this run exists, shown in `runs list`, the index and the report.", valueName: "text"))
    var note: String?

    @Option(help: ArgumentHelp("A label for finding and grouping runs (repeatable), e.g. --tag baseline.", valueName: "tag"))
    var tag: [String] = []

    @Option(help: ArgumentHelp("Threads (default: all cores).", valueName: "n"))
    var threads: Int?

    @Option(name: .customLong("force"),
            help: ArgumentHelp("Rerun this stage and every later one even if cached; a bare --force reruns every stage.", valueName: "stage"))
    var force: String?

    @Option(help: ArgumentHelp("Stop after this stage (generate, train, analyse or report).", valueName: "stage"))
    var until: String = "report"

    @Flag(help: "Print for each stage whether the cache holds its output (cached) or it will run, and the config keys changed since the last run; run nothing. With --slurm: print the batch script and submit nothing.")
    var dryRun = false

    @OptionGroup var slurm: SlurmArguments

    /// What a bare `--force` stands for (see `RunCommand.normalise`).
    static let allStages = "all"

    /// `--force` takes an optional stage, which ArgumentParser cannot express: a `--force` not
    /// followed by a stage name becomes `--force all`.
    static func normalise(_ arguments: [String]) -> [String] {
        guard arguments.first == "run" else { return arguments }
        var result: [String] = []
        for (i, argument) in arguments.enumerated() {
            result.append(argument)
            if argument == "--force" {
                let next = i + 1 < arguments.count ? arguments[i + 1] : nil
                if next == nil || next!.hasPrefix("-") { result.append(allStages) }
            }
        }
        return result
    }

    func validate() throws {
        try ThreadCount.check(threads)
        if slurm.slurm, threads != nil {
            throw ValidationError("--threads does not go with --slurm: a Slurm job runs as many threads as it has CPUs; ask for them with --cpus-per-task.")
        }
    }

    func run() throws {
        let config = try options.load(data: data)
        let force = try force.map { try PipelineRun.forcedStage(named: $0, all: RunCommand.allStages) }
        let options = PipelineRun.Options(reportsRoot: reports, cacheRoot: cache, name: name, threads: threads,
                                          force: force, until: try PipelineRun.stage(named: until), dryRun: dryRun,
                                          command: CommandLineText.current, note: note, tags: tag)
        if slurm.slurm {
            // The config was loaded above so that a bad one is refused now, not in the job.
            let dataOverrides = data.map { PipelineRun.dataOverrides(folder: $0) } ?? []
            let job = SlurmRunJob(configFile: self.options.file, overrides: self.options.overrides + dataOverrides, run: options, slurm: slurm.options)
            try job.submit(dryRun: dryRun, output: .standardOutput)
            return
        }
        let outcome = try PipelineRun.run(config: config, options: options, output: .standardOutput)
        print(outcome.summary)
    }
}
