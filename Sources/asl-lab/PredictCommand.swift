import ArgumentParser
import Foundation
import Pipeline
import Training

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict the letter (top 3 with probabilities) and distance of PNG images with a trained model.")

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
        let predictions = try Predictor.predict(modelPath: model, images: images)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(predictions), as: UTF8.self))
        } else {
            for p in predictions {
                let others = p.top3.dropFirst().map { String(format: "%@ %.1f %%", $0.letter, $0.probability * 100) }.joined(separator: ", ")
                print(String(format: "%@: %@ (%.1f %%; then %@), distance %.2f", p.image, p.letter, p.top3[0].probability * 100, others, p.distance))
            }
        }
    }
}
