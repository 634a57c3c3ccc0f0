import ArgumentParser
import Pipeline

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the whole pipeline (generate → train → analyse → report) on the effective config.")

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("Folder that receives run folders.", valueName: "dir"))
    var reports: String = "Reports"

    @Option(help: ArgumentHelp("A name for this run, appended to its folder name.", valueName: "name"))
    var name: String = "run"

    func run() throws {
        let config = try options.load()
        let outcome = try PipelineRun.run(config: config, options: .init(reportsRoot: reports, name: name),
                                          output: .standardOutput)
        print(outcome.summary)
    }
}
