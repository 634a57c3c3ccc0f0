import ArgumentParser
import Pipeline

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Draw the synthetic data set: DIR/A/A_00000.png …, labels.csv, labels.xlsx, dataset.json.",
        discussion: """
        The pixels of every sample depend only on the config and seed, never on --threads or --shard.

        Shards: run `--shard K/N` for K = 1…N (on one machine or many) with the same --out; each draws \
        its part into a hidden folder beside DIR, and the last one to finish writes the label files and \
        renames the folder to DIR. The result is byte-identical to one unsharded run.
        """)

    @OptionGroup var options: ConfigOptions<DataKey>

    @Option(help: ArgumentHelp("The data set folder to create.", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Draw only part K of N of the data set (e.g. 2/4).", valueName: "K/N"))
    var shard: String?

    @Option(help: ArgumentHelp("Drawing threads (default: all cores).", valueName: "n"))
    var threads: Int?

    @Flag(help: "Draw the data set again even if --out already holds it with the same config and seed. (A folder holding files asl-lab did not write is never replaced.)")
    var force = false

    func validate() throws {
        try ThreadCount.check(threads)
    }

    func run() throws {
        let config = try options.load()
        let shard = try self.shard.map(GenerateStage.shard(named:))
        var job = GenerateStage.job(config: config, output: out, shard: shard, threads: threads, force: force)
        let outcome = try StopSignals.run(what: "generating", resume: "Run the same command again to draw it anew.") { stop in
            job.stop = stop
            return try GenerateStage.run(job)
        }
        print(GenerateStage.summary(outcome) + (outcome.result == .upToDate ? " Pass --force to draw it again." : ""))
    }
}
