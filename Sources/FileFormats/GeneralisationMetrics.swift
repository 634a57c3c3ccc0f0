/// `generalisation.json`: the model on its in-distribution test split beside each shifted
/// evaluation set (`analyse.shifts`, or a whole other data set). Keys are snake_case.
public struct GeneralisationMetrics: JSONRecord, Equatable, Sendable {
    public static let fileName = "generalisation.json"
    public static let what = "an evaluation under shift"

    /// The model's class names, in label order.
    public var classes: [String]
    /// The in-distribution test split first, then every shifted set in config order.
    public var sets: [EvaluationSetMetrics]

    public init(classes: [String], sets: [EvaluationSetMetrics]) {
        self.classes = classes
        self.sets = sets
    }
}

/// How the model does on one evaluation set.
public struct EvaluationSetMetrics: Codable, Equatable, Sendable {
    /// "test" for the in-distribution test split, else the shift's name.
    public var name: String
    /// What the set changes ("data.distance.min = 5.0, …"), empty for the test split.
    public var summary: String
    /// The data set folder its images are in.
    public var folder: String
    public var images: Int
    public var accuracy: Double
    public var macroF1: Double
    /// Distance MAE, nil when the model or the set has no distances.
    public var distanceMAE: Double?
    /// Per class (model order): the share of its images labelled right, nil for a class
    /// without images in the set.
    public var classAccuracy: [Double?]

    public init(name: String, summary: String, folder: String, images: Int, accuracy: Double, macroF1: Double, distanceMAE: Double?,
                classAccuracy: [Double?]) {
        self.name = name
        self.summary = summary
        self.folder = folder
        self.images = images
        self.accuracy = accuracy
        self.macroF1 = macroF1
        self.distanceMAE = distanceMAE
        self.classAccuracy = classAccuracy
    }

    enum CodingKeys: String, CodingKey {
        case name, summary, folder, images, accuracy
        case macroF1 = "macro_f1", distanceMAE = "distance_mae", classAccuracy = "class_accuracy"
    }
}
