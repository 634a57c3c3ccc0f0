import FileFormats
import Foundation
import NN
import Training

/// Evaluation under shift: the model on every image of each shifted set, beside its test split.
/// Writes `generalisation.json` (accuracy, macro F1, distance MAE and per-class accuracy of each
/// set), `generalisation_points.csv` (the points of the joint map: set, path, class, distance,
/// predicted, correct) and `generalisation_tsne.npy` (one t-SNE map of in-distribution and
/// shifted embeddings together, so the reader sees where shifted images land).
enum ShiftEvaluation {
    static let metrics = GeneralisationMetrics.fileName
    static let points = "generalisation_points.csv"
    static let tsne = "generalisation_tsne.npy"
    /// At most this many points of each set go into the joint t-SNE map (spread evenly).
    static let mapPointsPerSet = 400

    /// One evaluated set's predictions, in its row order.
    struct Evaluated {
        var name: String
        var summary: String
        var folder: String
        var paths: [String]
        var truth: [Int]
        var predicted: [Int]
        var trueDistance: [Double]
        var predictedDistance: [Double]
        var embeddings: [Float]
        var hasDistance: Bool
    }

    static func run(model: SmallCNN, classes: [String], job: AnalysisJob, test: Evaluated, output: OutputFolder) throws {
        var sets = [test]
        for shift in job.shifts {
            if job.stop.isRequested { throw AnalysisError.interrupted }
            let dataset = try ImageDataset(folder: shift.folder, inputSize: model.architecture.inputSize, threads: job.threads)
            let truth = try ClassMapping.modelLabels(of: dataset, modelClasses: classes, modelPath: job.modelPath)
            let all = Array(dataset.samples.indices)
            let predictions = Evaluation.predict(model, dataset: dataset, indices: all, batchSize: job.batchSize, keepEmbeddings: true)
            sets.append(Evaluated(name: shift.name, summary: shift.summary, folder: shift.folder, paths: dataset.samples.map(\.path), truth: truth,
                                  predicted: all.indices.map { predictions.predictedLetter($0) },
                                  trueDistance: dataset.samples.map { Double($0.distance) }, predictedDistance: predictions.distances.map(Double.init),
                                  embeddings: predictions.embeddings, hasDistance: dataset.hasDistance && model.architecture.hasDistanceHead))
        }
        let record = GeneralisationMetrics(classes: classes, sets: sets.map { metrics(of: $0, classCount: classes.count) })
        try output.write(record.encoded(), metrics)

        // The joint map: up to `mapPointsPerSet` evenly spread points of each set.
        let hidden = model.architecture.classHidden
        var table = "set,path,letter,distance,predicted,correct\n"
        var vectors: [Float] = []
        var rows = 0
        for set in sets {
            for i in Analyser.mapRows(count: set.truth.count, limit: mapPointsPerSet) {
                vectors += set.embeddings[(i * hidden)..<((i + 1) * hidden)]
                table += "\(CSV.field(set.name)),\(CSV.field(set.paths[i])),\(CSV.field(classes[set.truth[i]])),\(set.trueDistance[i]),"
                    + "\(CSV.field(classes[set.predicted[i]])),\(set.truth[i] == set.predicted[i])\n"
                rows += 1
            }
        }
        var options = TSNE.Options(perplexity: job.tsnePerplexity, iterations: job.tsneIterations, seed: job.seed, threads: job.threads)
        options.stop = job.stop
        let map: TSNE.Result
        do { map = try TSNE.embed(vectors, rows: rows, columns: hidden, options: options) } catch TSNEError.interrupted { throw AnalysisError.interrupted }
        try output.write(Data(table.utf8), points)
        try NumPyArray(shape: [rows, 2], floats: map.embedding).write(to: output.path(tsne))
    }

    /// Accuracy, macro F1, distance MAE and per-class accuracy of one set.
    static func metrics(of set: Evaluated, classCount: Int) -> EvaluationSetMetrics {
        let labels = (0..<classCount).map(String.init)
        let scores = EvaluationMetrics.classification(truth: set.truth, predicted: set.predicted, labels: labels)
        let mae = set.hasDistance && !set.truth.isEmpty ? EvaluationMetrics.distance(truth: set.trueDistance, predicted: set.predictedDistance).mae : nil
        return EvaluationSetMetrics(name: set.name, summary: set.summary, folder: set.folder, images: set.truth.count, accuracy: scores.accuracy,
                                    macroF1: scores.macroF1, distanceMAE: mae,
                                    classAccuracy: scores.perClass.map { $0.support > 0 ? $0.recall : nil })
    }
}
