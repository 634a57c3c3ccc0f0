import ArgumentParser
import Foundation
import Pipeline

struct AnalyseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyse",
        abstract: "Evaluate a trained model on the test split; write metrics, embeddings, 2-D maps and a look inside the model.",
        discussion: """
        The test split is drawn again from the config's seed and train.split, exactly as training drew it, so use \
        the same --config/--set as for training. Writes metrics.json, predictions.csv, confusion.csv, \
        embeddings.npy/.csv, tsne.npy, pca.npy, parameters.csv and inspection/ into --out.
        """)

    @OptionGroup var options: ConfigOptions<AnalyseKey>

    @Option(help: ArgumentHelp("The data set folder the model was trained on (with --whole: any data set of its classes).", valueName: "dir"))
    var data: String

    @Option(help: ArgumentHelp("The model (model.safetensors from `asl-lab train`).", valueName: "file"))
    var model: String

    @Option(help: ArgumentHelp("Folder for the results.", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Threads (default: all cores).", valueName: "n"))
    var threads: Int?

    @Flag(help: "Evaluate every image of --data, a data set the model was not trained on (e.g. shifted, or your own), instead of its test split; classes are matched by name, and the data set may hold a subset of the model's.")
    var whole = false

    func validate() throws {
        try ThreadCount.check(threads)
    }

    func run() throws {
        let config = try options.load()
        var job = AnalyseStage.job(config: config, data: data, model: model, out: out, threads: threads)
        job.whole = whole
        let outcome = try StopSignals.run(what: "the analysis", resume: "Run the same command again: the analysis starts over.") { stop in
            job.stop = stop
            return try AnalyseStage.run(job, expected: AnalyseStage.architecture(config: config))
        }
        print(AnalyseStage.summary(outcome))
    }
}
