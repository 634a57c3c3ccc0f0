import Foundation
import Interrupt
import NN
import Synth
import Training

/// What `asl-lab analyse` (and the pipeline's analyse stage) needs.
public struct AnalysisJob: Sendable {
    public var dataFolder: String
    public var modelPath: String
    public var outFolder: String
    public var seed: UInt64
    /// train/val/test fractions: the test split is recomputed from them and the seed, exactly as training drew it.
    public var split: (train: Double, val: Double, test: Double)
    public var batchSize: Int
    public var distanceRange: (min: Double, max: Double)
    public var tsnePerplexity: Double
    public var tsneIterations: Int
    /// At most this many test images go into the t-SNE map (nil: all).
    public var tsneMaxPoints: Int?
    public var samplesPerLetter: Int
    public var threads: Int
    /// Bins of the true distance for accuracy, MAE and separation.
    public var distanceBins = 8
    /// Feature maps are stored for at most this many chosen samples (they are large: 3.7 MB
    /// per sample at 128 px).
    public var featureMapSamples = 6
    /// How many confident mistakes to list.
    public var mistakes = 24
    /// Evaluate every image of the data set (one the model was not trained on) instead of the
    /// test split recomputed from the seed.
    public var whole = false
    /// Shifted evaluation sets to evaluate the model on in full, beside the test split
    /// (`generalisation.json`, the report's Generalisation page).
    public var shifts: [ShiftSet] = []
    /// Polled between the phases of the analysis and every t-SNE iteration; when requested,
    /// nothing is written and `AnalysisError.interrupted` is thrown.
    public var stop: StopRequest?

    public init(dataFolder: String, modelPath: String, outFolder: String, seed: UInt64, split: (train: Double, val: Double, test: Double),
                batchSize: Int, distanceRange: (min: Double, max: Double), tsnePerplexity: Double, tsneIterations: Int,
                tsneMaxPoints: Int?, samplesPerLetter: Int, threads: Int) {
        self.dataFolder = dataFolder
        self.modelPath = modelPath
        self.outFolder = outFolder
        self.seed = seed
        self.split = split
        self.batchSize = batchSize
        self.distanceRange = distanceRange
        self.tsnePerplexity = tsnePerplexity
        self.tsneIterations = tsneIterations
        self.tsneMaxPoints = tsneMaxPoints
        self.samplesPerLetter = samplesPerLetter
        self.threads = threads
    }
}

/// A shifted evaluation set: a data set folder and what it changes.
public struct ShiftSet: Equatable, Sendable {
    public var name: String
    /// What the set changes, in words ("data.distance.min = 5.0, …").
    public var summary: String
    public var folder: String

    public init(name: String, summary: String, folder: String) {
        self.name = name
        self.summary = summary
        self.folder = folder
    }
}

/// What can go wrong in the analysis; each message names the file or setting at fault.
public enum AnalysisError: Error, Equatable, CustomStringConvertible {
    case noTestSplit(detail: String)
    case modelMismatch(path: String, problem: String)
    case cannotWrite(path: String, reason: String)
    case badInput(String)
    /// Stopped on request (a signal); no result was written.
    case interrupted

    public var description: String {
        switch self {
        case .noTestSplit(let detail):
            return "There is nothing to evaluate: the test split is empty (\(detail)). Give train.split.test a share above 0 and enough images per letter."
        case .modelMismatch(let path, let problem):
            return "The model \(path) does not fit this analysis: \(problem)."
        case .cannotWrite(let path, let reason):
            return "Cannot write \(path): \(reason)."
        case .badInput(let message):
            return message
        case .interrupted:
            return "The analysis was stopped before it finished; nothing of it was written."
        }
    }
}
