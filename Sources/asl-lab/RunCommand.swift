import ArgumentParser
import Pipeline

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the whole pipeline (generate → train → analyse → report) on the effective config.")

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("Folder that receives run folders.", valueName: "dir"))
    var reports: String = "Reports"

    @Option(help: ArgumentHelp("Folder for cached data sets and stage outputs.", valueName: "dir"))
    var cache: String = ".asl-cache"

    @Option(help: ArgumentHelp("A name for this run, appended to its folder name.", valueName: "name"))
    var name: String = "run"

    @Option(help: ArgumentHelp("Threads (default: all cores).", valueName: "n"))
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, but got \(threads).") }
    }

    func run() throws {
        let config = try options.load()
        let outcome = try PipelineRun.run(config: config, options: .init(reportsRoot: reports, cacheRoot: cache, name: name, threads: threads),
                                          output: .standardOutput)
        print(outcome.summary)
    }
}
