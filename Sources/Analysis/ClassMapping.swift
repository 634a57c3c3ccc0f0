import Training

/// A data set's labels as the model's class indices, matched by name, so that a model can be
/// evaluated on any data set whose classes it knows (all of them, or a subset).
enum ClassMapping {
    /// The model's class index of every sample of `dataset`; throws when the data set has a
    /// class the model was not trained on, naming it.
    static func modelLabels(of dataset: ImageDataset, modelClasses: [String], modelPath: String) throws -> [Int] {
        let index = Dictionary(modelClasses.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let unknown = dataset.classes.filter { index[$0] == nil }
        guard unknown.isEmpty else {
            throw AnalysisError.modelMismatch(path: modelPath, problem: "it was trained on \(ClassNames.summary(modelClasses)), but the data set \(dataset.folder) has classes it does not know: \(ClassNames.summary(unknown))")
        }
        let mapped = dataset.classes.map { index[$0]! }
        return dataset.samples.map { mapped[$0.label] }
    }
}
