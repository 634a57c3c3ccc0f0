import ArgumentParser
import Pipeline

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the HTML report of a run folder (overview, dataset, training, evaluation, model and embeddings pages), or of a sweep folder.",
        discussion: """
        Pages, style.css and figures/ (SVG, PNG, CSV) are written into the run folder; they open from disk with no \
        server or network. Parts whose inputs are missing (e.g. before `asl-lab analyse`) say so on the page. \
        Prints the path of index.html last.
        """)

    @Option(name: .customLong("run"), help: ArgumentHelp("The run folder (from `asl-lab run`, or a folder `asl-lab train --out` wrote).", valueName: "dir"))
    var runFolder: String?

    @Option(name: .customLong("sweep"), help: ArgumentHelp("A sweep folder (from `asl-lab sweep`): writes its sweep report from its members' run folders.", valueName: "dir"))
    var sweepFolder: String?

    @Option(help: ArgumentHelp("A folder of Mustache templates and style.css replacing the built-in ones (any subset).", valueName: "dir"))
    var templates: String?

    @Flag(help: "Also write the whole report as one self-contained HTML file (report-single-file.html).")
    var singleFile = false

    func validate() throws {
        if (runFolder == nil) == (sweepFolder == nil) {
            throw ValidationError("Give either --run DIR (a run folder) or --sweep DIR (a sweep folder).")
        }
    }

    func run() throws {
        if let sweepFolder {
            print(try SweepReport.write(folder: sweepFolder, templates: templates))
            return
        }
        guard let runFolder else { return }
        var job = try ReportStage.job(run: runFolder, templates: templates, singleFile: singleFile)
        let outcome = try StopSignals.run(what: "the report", resume: "Run the same command again to write it.") { stop in
            job.stop = stop
            return try ReportStage.run(job)
        }
        print(ReportStage.summary(outcome))
    }
}
