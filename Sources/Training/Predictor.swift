import Canvas
import Foundation
import NN
import Synth

/// What the model says about one image.
public struct ImagePrediction: Codable, Equatable, Sendable {
    public struct Candidate: Codable, Equatable, Sendable {
        /// The class name (kept under this key for models of letters, which came first).
        public var letter: String
        public var probability: Double
    }

    public var image: String
    /// The most probable class name (a letter for a model of A–Z).
    public var letter: String
    /// The three most probable classes, most probable first.
    public var top3: [Candidate]
    /// nil for a model without a distance head.
    public var distance: Double?
}

/// `asl-lab predict`: a saved model applied to image files.
public enum Predictor {
    public static func predict(modelPath: String, images: [String]) throws -> [ImagePrediction] {
        let (model, _, classes) = try ModelFile.loadNamed(path: modelPath)
        let size = model.architecture.inputSize
        return try images.map { path in
            let image: RGBImage
            do {
                image = try PNG.read(path: path)
            } catch {
                throw TrainingError.unreadableImage(path: path, reason: reasonText(error))
            }
            let planes = ImageResize.planarRGB(image, size: size)
            let input = Tensor(shape: [1, 3, size, size], data: planes.map { Float($0) / 255 })
            let (logits, distance) = model.forward(input, training: false)
            let probabilities = Evaluation.softmax(logits.data[...])
            let ranked = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
            let top3 = ranked.prefix(3).map { ImagePrediction.Candidate(letter: classes[$0], probability: Double(probabilities[$0])) }
            return ImagePrediction(image: path, letter: top3[0].letter, top3: top3,
                                   distance: model.architecture.hasDistanceHead ? Double(distance.data[0]) : nil)
        }
    }

    private static func reasonText(_ error: Error) -> String {
        if case .unreadablePNG(_, let reason)? = error as? CanvasError { return reason }
        if case .io(_, let reason)? = error as? CanvasError { return reason }
        return "\(error)"
    }
}
