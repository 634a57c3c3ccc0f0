import Foundation
import Training

/// `asl-lab predict`: a saved model applied to PNG images, as text or JSON.
public enum PredictStage {
    /// Each image's class (a letter for a model of A–Z), top three and distance (when the model
    /// has a distance head).
    public static func run(model: String, images: [String], json: Bool) throws -> String {
        let predictions = try Predictor.predict(modelPath: model, images: images)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(predictions), as: UTF8.self)
        }
        return predictions.map { p in
            let others = p.top3.dropFirst().map { String(format: "%@ %.1f %%", $0.letter, $0.probability * 100) }.joined(separator: ", ")
            let distance = p.distance.map { String(format: ", distance %.2f", $0) } ?? ""
            return String(format: "%@: %@ (%.1f %%; then %@)", p.image, p.letter, p.top3[0].probability * 100, others) + distance
        }.joined(separator: "\n")
    }
}
