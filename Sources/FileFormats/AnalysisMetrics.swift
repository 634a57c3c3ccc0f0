/// `metrics.json`: everything the analysis measured. Keys are snake_case in the file.
public struct AnalysisMetrics: JSONRecord, Equatable, Sendable {
    public static let fileName = "metrics.json"
    public static let what = "an analysis's metrics"
    public static let escapesSlashes = true

    public var testImages: Int
    public var accuracy: Double
    public var macroF1: Double
    public var distance: DistanceMetrics
    /// One entry per class, in label order (A … Z for a generated data set).
    public var perClass: [ClassMetrics]
    /// `confusion[true][predicted]` counts, classes × classes.
    public var confusion: [[Int]]
    /// Accuracy and distance error by true-distance bin, nearest first.
    public var distanceBins: [DistanceBinMetrics]
    /// Wrong predictions with the highest probability, most confident first.
    public var confidentMistakes: [ConfidentMistake]
    /// Class separation of the embeddings by true-distance bin (same bins as `distanceBins`).
    public var separation: [SeparationBin]
    public var tsne: TSNESummary
    /// Fraction of the embeddings' variance along the two principal components of `pca.npy`.
    public var pcaExplainedVariance: [Double]
    /// The class names in label order (absent in files written before it was recorded: A–Z).
    public var classes: [String]?
    /// false when the data set has no distances (every distance figure is then empty and the
    /// distance metrics 0); absent when it has them.
    public var distanceLabelled: Bool?

    /// Whether the distance numbers mean anything.
    public var hasDistance: Bool { distanceLabelled ?? true }

    public init(testImages: Int, accuracy: Double, macroF1: Double, distance: DistanceMetrics, perClass: [ClassMetrics],
                confusion: [[Int]], distanceBins: [DistanceBinMetrics], confidentMistakes: [ConfidentMistake],
                separation: [SeparationBin], tsne: TSNESummary, pcaExplainedVariance: [Double]) {
        self.testImages = testImages
        self.accuracy = accuracy
        self.macroF1 = macroF1
        self.distance = distance
        self.perClass = perClass
        self.confusion = confusion
        self.distanceBins = distanceBins
        self.confidentMistakes = confidentMistakes
        self.separation = separation
        self.tsne = tsne
        self.pcaExplainedVariance = pcaExplainedVariance
    }

    enum CodingKeys: String, CodingKey {
        case accuracy, distance, confusion, separation, tsne
        case testImages = "test_images", macroF1 = "macro_f1", perClass = "per_class", distanceBins = "distance_bins"
        case confidentMistakes = "confident_mistakes", pcaExplainedVariance = "pca_explained_variance"
        case classes, distanceLabelled = "distance_labelled"
    }
}

/// The distance head on the test split.
public struct DistanceMetrics: Codable, Equatable, Sendable {
    public var mae: Double
    public var rmse: Double
    /// 1 − SS_res / SS_tot.
    public var r2: Double

    public init(mae: Double, rmse: Double, r2: Double) {
        self.mae = mae
        self.rmse = rmse
        self.r2 = r2
    }
}

/// One letter's scores on the test split.
public struct ClassMetrics: Codable, Equatable, Sendable {
    public var letter: String
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Test images of this letter.
    public var support: Int
    /// Distance MAE over this letter's test images.
    public var distanceMAE: Double

    public init(letter: String, precision: Double, recall: Double, f1: Double, support: Int, distanceMAE: Double) {
        self.letter = letter
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
        self.distanceMAE = distanceMAE
    }

    enum CodingKeys: String, CodingKey {
        case letter, precision, recall, f1, support
        case distanceMAE = "distance_mae"
    }
}

/// Test images whose true distance lies in [lower, upper).
public struct DistanceBinMetrics: Codable, Equatable, Sendable {
    public var lower: Double
    public var upper: Double
    public var count: Int
    public var accuracy: Double
    public var mae: Double

    public init(lower: Double, upper: Double, count: Int, accuracy: Double, mae: Double) {
        self.lower = lower
        self.upper = upper
        self.count = count
        self.accuracy = accuracy
        self.mae = mae
    }
}

/// A wrong prediction made with high confidence.
public struct ConfidentMistake: Codable, Equatable, Sendable {
    /// Relative to the data set folder.
    public var path: String
    public var letter: String
    public var predicted: String
    /// Probability of the predicted letter.
    public var probability: Double
    public var distance: Double

    public init(path: String, letter: String, predicted: String, probability: Double, distance: Double) {
        self.path = path
        self.letter = letter
        self.predicted = predicted
        self.probability = probability
        self.distance = distance
    }
}

/// How far apart the classes are among test images of one distance bin.
public struct SeparationBin: Codable, Equatable, Sendable {
    public var lower: Double
    public var upper: Double
    public var count: Int
    /// Mean silhouette (−1 … 1) of the embeddings, by true letter.
    public var silhouetteEmbedding: Double
    /// Mean silhouette of the t-SNE map, by true letter.
    public var silhouetteTSNE: Double
    /// Mean Euclidean distance between class centroids of the embeddings.
    public var centroidDistance: Double
    /// Mean distance of an embedding to its own class centroid.
    public var withinClassSpread: Double

    public init(lower: Double, upper: Double, count: Int, silhouetteEmbedding: Double, silhouetteTSNE: Double,
                centroidDistance: Double, withinClassSpread: Double) {
        self.lower = lower
        self.upper = upper
        self.count = count
        self.silhouetteEmbedding = silhouetteEmbedding
        self.silhouetteTSNE = silhouetteTSNE
        self.centroidDistance = centroidDistance
        self.withinClassSpread = withinClassSpread
    }

    enum CodingKeys: String, CodingKey {
        case lower, upper, count
        case silhouetteEmbedding = "silhouette_embedding", silhouetteTSNE = "silhouette_tsne"
        case centroidDistance = "centroid_distance", withinClassSpread = "within_class_spread"
    }
}

/// How the t-SNE map was made.
public struct TSNESummary: Codable, Equatable, Sendable {
    public var points: Int
    /// The perplexity used (lower than configured when there are too few points).
    public var perplexity: Double
    public var iterations: Int
    public var klDivergence: Double
    public var seconds: Double
    /// "exact" or "approximate" nearest neighbours (absent in files written before it was recorded).
    public var neighbours: String?

    public init(points: Int, perplexity: Double, iterations: Int, klDivergence: Double, seconds: Double, neighbours: String? = nil) {
        self.points = points
        self.perplexity = perplexity
        self.iterations = iterations
        self.klDivergence = klDivergence
        self.seconds = seconds
        self.neighbours = neighbours
    }

    enum CodingKeys: String, CodingKey {
        case points, perplexity, iterations, seconds, neighbours
        case klDivergence = "kl_divergence"
    }
}
