import ArgumentParser
import Foundation
import Pipeline

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train SmallCNN on a generated data set; writes model.safetensors, history.csv, steps.csv, checkpoint and summary.",
        discussion: """
        After every epoch a checkpoint is written atomically; --resume continues from it and ends with the \
        same weights as an uninterrupted run. model.safetensors uses the original PyTorch state_dict names.
        """)

    @OptionGroup var options: ConfigOptions<TrainKey>

    @Option(help: ArgumentHelp("The data set folder (from `asl-lab generate`).", valueName: "dir"))
    var data: String

    @Option(help: ArgumentHelp("Folder for the model, history and checkpoint.", valueName: "dir"))
    var out: String

    @Flag(help: "Continue from the checkpoint in --out if there is one.")
    var resume = false

    @Option(help: ArgumentHelp("Threads for training and loading the images (default: all cores; any count trains the same weights).", valueName: "n"))
    var threads: Int?

    func validate() throws {
        try ThreadCount.check(threads)
    }

    func run() throws {
        let config = try options.load()
        var job = TrainStage.job(config: config, data: data, out: out, threads: threads, resume: resume)
        let outcome = try StopSignals.run(what: "training", resume: TrainStage.resumeAdvice(alreadyResuming: resume)) { stop in
            job.stop = stop
            return try TrainStage.run(job)
        }
        print(TrainStage.summary(outcome, job: job))
    }
}
