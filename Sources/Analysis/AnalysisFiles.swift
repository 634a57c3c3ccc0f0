/// The files `asl-lab analyse` writes into its output folder (the run folder in a pipeline
/// run), and the Codable shape of `metrics.json`. The report reads exactly these; other tools
/// (numpy, pandas) can too. Row order of every per-sample file is the test split's order
/// (ascending data set index), the same in `embeddings.npy`, `embeddings.csv`, `tsne.npy`,
/// `pca.npy` and `predictions.csv`.
public enum AnalysisFiles {
    /// `AnalysisMetrics` as JSON.
    public static let metrics = "metrics.json"
    /// path,letter,distance,predicted,probability,predicted_distance,correct — one row per test image.
    public static let predictions = "predictions.csv"
    /// float32 (N, classHidden): post-ReLU class_head.0 activations of every test image.
    public static let embeddings = "embeddings.npy"
    /// path,letter,distance,predicted — the rows of `embeddings.npy`.
    public static let embeddingsTable = "embeddings.csv"
    /// float32 (M, 2): the t-SNE map of the rows of `embeddings.npy` listed in `tsne_rows.npy`
    /// (all N rows, or `analyse.tsne.max_points` spread evenly).
    public static let tsne = "tsne.npy"
    /// int32 (M): which rows of `embeddings.npy` the rows of `tsne.npy` map.
    public static let tsneRows = "tsne_rows.npy"
    /// float32 (N, 2): the first two principal components of `embeddings.npy`.
    public static let pca = "pca.npy"
    /// true\predicted counts, 26 × 26, with letter headers.
    public static let confusion = "confusion.csv"
    /// name,shape,count,mean,std — one row per model tensor, state_dict order.
    public static let parameters = "parameters.csv"
    /// Folder with the look inside the model (see `InspectionFiles`).
    public static let inspection = "inspection"
}

/// Files under `inspection/`, all for the same chosen samples (a few per letter), in the
/// order of `samples.csv`.
public enum InspectionFiles {
    /// index,path,letter,distance,top1,p1,top2,p2,top3,p3 — the chosen samples and their top-3 predictions.
    public static let samples = "samples.csv"
    /// float32 (S, 3, H, W): the model's inputs (resized, in [0, 1]).
    public static let inputs = "inputs.npy"
    /// float32 (K, 3, 3, 3): conv1 weights (`features.0.weight`).
    public static let filters = "filters.npy"
    /// float32 (F, C, H, W): post-ReLU feature maps of conv block `b` (0, 1, 2), before pooling,
    /// of the first F ≤ S chosen samples (at most 6: they are 3.7 MB a sample at 128 px).
    public static func featureMaps(block: Int) -> String { "feature_maps_block\(block).npy" }
    /// float32 (S, H, W): |∂ class score / ∂ input|, max over colour channels.
    public static let saliency = "saliency.npy"
}

/// Everything `metrics.json` holds. Keys are snake_case in the file.
public struct AnalysisMetrics: Codable, Equatable, Sendable {
    public var testImages: Int
    public var accuracy: Double
    public var macroF1: Double
    public var distance: DistanceMetrics
    /// 26 entries, A … Z.
    public var perClass: [ClassMetrics]
    /// `confusion[true][predicted]` counts, 26 × 26.
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
