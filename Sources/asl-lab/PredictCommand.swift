import ArgumentParser
import Pipeline

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict the class (top 3 with probabilities) and, when the model has a distance head, the distance of PNG images with a trained model.")

    @Option(help: ArgumentHelp("A model.safetensors written by `asl-lab train`.", valueName: "file"))
    var model: String

    @Flag(help: "Print a JSON array instead of text.")
    var json = false

    @Argument(help: ArgumentHelp("PNG images to classify.", valueName: "image"))
    var images: [String]

    func validate() throws {
        if images.isEmpty { throw ValidationError("Give at least one image to predict.") }
    }

    func run() throws {
        print(try PredictStage.run(model: model, images: images, json: json))
    }
}
