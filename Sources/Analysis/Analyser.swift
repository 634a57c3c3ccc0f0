import AtomicIO
import FileFormats
import Foundation
import Interrupt
import NN
import Synth
import Training

/// The analyse stage's work: evaluate a model on the test split, keep its embeddings, map
/// them to 2-D, measure class separation by distance and look inside the model. Writes every
/// result as a file (see `AnalysisFiles`) into a temporary folder that replaces `outFolder`
/// only when complete.
public enum Analyser {
    public struct Outcome: Sendable {
        public var metrics: AnalysisMetrics
        public var seconds: Double
        public var folder: String
    }

    public static func run(_ job: AnalysisJob, expected: SmallCNNArchitecture? = nil) throws -> Outcome {
        let started = Date()
        let (model, _, modelClasses) = try ModelFile.loadNamed(path: job.modelPath)
        model.engine = Engine(threads: job.threads)
        // The config knows the model's shape, not its classes: those come from the data set.
        var expected = expected
        expected?.classes = model.architecture.classes
        expected?.distanceHead = model.architecture.distanceHead
        if let expected, expected != model.architecture {
            throw AnalysisError.modelMismatch(path: job.modelPath, problem: "it is a SmallCNN with input \(model.architecture.inputSize) px, channels \(model.architecture.channels), heads \(model.architecture.classHidden)/\(model.architecture.distanceHidden), but the config asks for input \(expected.inputSize) px, channels \(expected.channels), heads \(expected.classHidden)/\(expected.distanceHidden)")
        }
        // Only the test split is evaluated (or, with `whole`, every image): only those are decoded.
        var picked: DataSplit?
        let dataset = try ImageDataset(folder: job.dataFolder, inputSize: model.architecture.inputSize, threads: job.threads) { samples in
            picked = job.whole ? DataSplit(train: [], validation: [], test: Array(samples.indices))
                : DataSplit.stratified(letters: samples.map(\.label), fractions: job.split, seed: job.seed)
            return picked!.test
        }
        let split = picked! // the reader picks once, from the checked labels
        if job.stop.isRequested { throw AnalysisError.interrupted }
        // Classes by name: a data set may hold a subset of the model's classes.
        let letters = try ClassMapping.modelLabels(of: dataset, modelClasses: modelClasses, modelPath: job.modelPath)
        let hasDistance = dataset.hasDistance && model.architecture.hasDistanceHead
        guard !split.test.isEmpty else {
            throw AnalysisError.noTestSplit(detail: "\(dataset.samples.count) images with train.split.test = \(job.split.test)")
        }
        let test = split.test
        let predictions = Evaluation.predict(model, dataset: dataset, indices: test, batchSize: job.batchSize, keepEmbeddings: true)
        let labels = modelClasses
        let truth = test.map { letters[$0] }
        let predicted = test.indices.map { predictions.predictedLetter($0) }
        let probability = test.indices.map { Double(predictions.probabilities[$0 * predictions.classes + predicted[$0]]) }
        let trueDistance = test.map { Double(dataset.samples[$0].distance) }
        let predictedDistance = predictions.distances.map(Double.init)
        let paths = test.map { dataset.samples[$0].path }

        var classification = EvaluationMetrics.classification(truth: truth, predicted: predicted, labels: labels)
        let perClassMAE = EvaluationMetrics.distanceMAEPerClass(truth: trueDistance, predicted: predictedDistance, classes: truth, classCount: labels.count)
        for c in classification.perClass.indices { classification.perClass[c].distanceMAE = perClassMAE[c] }
        let correct = zip(truth, predicted).map { $0 == $1 }
        // A user's data set is binned over its own distances; a generated one over the config's range.
        let distances = dataset.samples.map { Double($0.distance) }
        let (lower, upper): (Double, Double) = dataset.generated ? (job.distanceRange.min, job.distanceRange.max)
            : (distances.min() ?? 0, max((distances.max() ?? 1), (distances.min() ?? 0) + 1e-9))

        // The 2-D maps: t-SNE on at most tsneMaxPoints evenly spread test images, PCA on all.
        let hidden = model.architecture.classHidden
        let n = test.count
        let mapRows = Self.mapRows(count: n, limit: job.tsneMaxPoints)
        let subset = mapRows.flatMap { predictions.embeddings[($0 * hidden)..<(($0 + 1) * hidden)] }
        let tsneStarted = Date()
        if job.stop.isRequested { throw AnalysisError.interrupted }
        var tsneOptions = TSNE.Options(perplexity: job.tsnePerplexity, iterations: job.tsneIterations, seed: job.seed, threads: job.threads)
        tsneOptions.stop = job.stop
        let tsne: TSNE.Result
        do {
            tsne = try TSNE.embed(subset, rows: mapRows.count, columns: hidden, options: tsneOptions)
        } catch TSNEError.interrupted {
            throw AnalysisError.interrupted
        }
        let tsneMap = tsne.embedding
        let summary = TSNESummary(points: mapRows.count, perplexity: tsne.perplexity, iterations: tsne.iterations,
                                  klDivergence: tsne.klDivergence, seconds: Date().timeIntervalSince(tsneStarted), neighbours: tsne.neighbours.rawValue)
        let pca = PCA.project2(predictions.embeddings, rows: n, columns: hidden)
        // Separation: the embedding of every test image; the t-SNE silhouette over the mapped rows.
        var separation = !hasDistance ? [] : ClassSeparation.byDistance(points: predictions.embeddings, dimensions: hidden, map: [], mapDimensions: 0,
                                                    labels: truth, distance: trueDistance, lower: lower, upper: upper, bins: job.distanceBins)
        let mapSilhouettes = !hasDistance ? [] : ClassSeparation.silhouettePerBin(points: tsneMap, dimensions: 2, labels: mapRows.map { truth[$0] },
                                                              distance: mapRows.map { trueDistance[$0] }, lower: lower, upper: upper,
                                                              bins: job.distanceBins)
        for b in separation.indices { separation[b].silhouetteTSNE = mapSilhouettes[b] }

        var metrics = AnalysisMetrics(
            testImages: n, accuracy: classification.accuracy, macroF1: classification.macroF1,
            distance: hasDistance ? EvaluationMetrics.distance(truth: trueDistance, predicted: predictedDistance) : DistanceMetrics(mae: 0, rmse: 0, r2: 0),
            perClass: classification.perClass, confusion: classification.confusion,
            distanceBins: !hasDistance ? [] : EvaluationMetrics.distanceBins(truth: trueDistance, predicted: predictedDistance, correct: correct,
                                                         lower: lower, upper: upper, bins: job.distanceBins),
            confidentMistakes: EvaluationMetrics.confidentMistakes(paths: paths, truth: truth, predicted: predicted, probability: probability,
                                                                   distances: trueDistance, labels: labels, limit: job.mistakes),
            separation: separation, tsne: summary, pcaExplainedVariance: pca.explained)
        metrics.classes = labels
        if !hasDistance { metrics.distanceLabelled = false }

        if job.stop.isRequested { throw AnalysisError.interrupted }
        let output = try OutputFolder(final: job.outFolder)
        do {
            try output.write(metrics.encoded(), AnalysisMetrics.fileName)
            var table = "path,letter,distance,predicted,probability,predicted_distance,correct\n"
            var embeddingRows = "path,letter,distance,predicted\n"
            for i in 0..<n {
                let (t, p) = (CSV.field(labels[truth[i]]), CSV.field(labels[predicted[i]]))
                table += "\(CSV.field(paths[i])),\(t),\(trueDistance[i]),\(p),\(probability[i]),\(predictedDistance[i]),\(correct[i])\n"
                embeddingRows += "\(CSV.field(paths[i])),\(t),\(trueDistance[i]),\(p)\n"
            }
            try output.write(Data(table.utf8), AnalysisFiles.predictions)
            try output.write(Data(embeddingRows.utf8), AnalysisFiles.embeddingsTable)
            try NumPyArray(shape: [n, hidden], floats: predictions.embeddings).write(to: output.path(AnalysisFiles.embeddings))
            try NumPyArray(shape: [mapRows.count, 2], floats: tsneMap).write(to: output.path(AnalysisFiles.tsne))
            try NumPyArray(shape: [mapRows.count], ints: mapRows.map(Int32.init)).write(to: output.path(AnalysisFiles.tsneRows))
            try NumPyArray(shape: [n, 2], floats: pca.map).write(to: output.path(AnalysisFiles.pca))
            var confusion = "true\\predicted," + labels.map(CSV.field).joined(separator: ",") + "\n"
            for (t, row) in classification.confusion.enumerated() { confusion += CSV.field(labels[t]) + "," + row.map(String.init).joined(separator: ",") + "\n" }
            try output.write(Data(confusion.utf8), AnalysisFiles.confusion)
            try output.write(Data(ModelInspection.parameterCSV(ModelInspection.parameterTable(model)).utf8), AnalysisFiles.parameters)
            try inspect(model, dataset: dataset, labels: letters, classes: modelClasses, test: test, job: job, output: output)
            if !job.shifts.isEmpty {
                if job.stop.isRequested { throw AnalysisError.interrupted }
                try ShiftEvaluation.run(model: model, classes: modelClasses, job: job, test: ShiftEvaluation.Evaluated(
                    name: "test", summary: "", folder: job.dataFolder, paths: paths, truth: truth, predicted: predicted,
                    trueDistance: trueDistance, predictedDistance: predictedDistance, embeddings: predictions.embeddings, hasDistance: hasDistance),
                                        output: output)
            }
            if job.stop.isRequested { throw AnalysisError.interrupted }
            try output.commit()
        } catch {
            output.discard()
            throw error
        }
        return Outcome(metrics: metrics, seconds: Date().timeIntervalSince(started), folder: job.outFolder)
    }

    /// Which of `count` rows the t-SNE map uses: all, or `limit` spread evenly.
    static func mapRows(count: Int, limit: Int?) -> [Int] {
        guard let limit, limit < count else { return Array(0..<count) }
        return (0..<limit).map { $0 * count / limit }
    }

    /// `inspection/`: chosen samples with their inputs, top-3, feature maps and saliency; conv1 filters.
    private static func inspect(_ model: SmallCNN, dataset: ImageDataset, labels: [Int], classes: [String], test: [Int], job: AnalysisJob,
                                output: OutputFolder) throws {
        let folder = AnalysisFiles.inspection
        try output.makeFolder(folder)
        var chosen = ModelInspection.chooseSamples(indices: test, letters: labels, perLetter: max(1, job.samplesPerLetter),
                                                   classes: classes.count)
        // Many classes: a fixed number of samples spread over them, so the model page stays light.
        let most = Letters.count * max(1, job.samplesPerLetter)
        if chosen.count > most { chosen = (0..<most).map { chosen[$0 * chosen.count / most] } }
        let size = dataset.inputSize
        var input = [Float](repeating: 0, count: chosen.count * dataset.imageBytes)
        input.withUnsafeMutableBufferPointer { dataset.fill(chosen, into: $0) }
        let inputs = Tensor(shape: [chosen.count, 3, size, size], data: input)
        try NumPyArray(shape: inputs.shape, floats: inputs.data).write(to: output.path(folder + "/" + InspectionFiles.inputs))
        let filters = model.stateTensors()[0].tensor
        try NumPyArray(shape: filters.shape, floats: filters.data).write(to: output.path(folder + "/" + InspectionFiles.filters))

        let (logits, _) = model.forward(inputs, training: false, keepingFeatureMaps: true)
        var rows = "index,path,letter,distance,top1,p1,top2,p2,top3,p3\n"
        var predicted: [Int] = []
        for (r, index) in chosen.enumerated() {
            let p = Evaluation.softmax(logits.data[(r * logits.shape[1])..<((r + 1) * logits.shape[1])])
            let top = p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }.prefix(3)
            predicted.append(top.first!)
            let sample = dataset.samples[index]
            rows += "\(index),\(CSV.field(sample.path)),\(CSV.field(classes[labels[index]])),\(sample.distance),"
                + top.map { "\(CSV.field(classes[$0])),\(p[$0])" }.joined(separator: ",") + "\n"
        }
        try output.write(Data(rows.utf8), folder + "/" + InspectionFiles.samples)
        let mapped = min(chosen.count, job.featureMapSamples)
        for block in 0..<3 {
            let maps = model.activations(block: block)
            let per = maps.count / max(1, maps.shape[0])
            try NumPyArray(shape: [mapped] + maps.shape.dropFirst(), floats: Array(maps.data[0..<(mapped * per)]))
                .write(to: output.path(folder + "/" + InspectionFiles.featureMaps(block: block)))
        }
        let saliency = ModelInspection.saliency(model, input: inputs, classes: predicted)
        try NumPyArray(shape: saliency.shape, floats: saliency.data).write(to: output.path(folder + "/" + InspectionFiles.saliency))
    }
}

/// A folder written in full under a temporary name (created exclusively, unpredictable), whose
/// files are then renamed into the final one.
final class OutputFolder {
    let final: String
    let temporary: String

    init(final: String) throws {
        self.final = (final as NSString).standardizingPath
        try Folder.create(self.final)
        Folder.removeLeftovers(in: PathText.parent(self.final))
        temporary = try Folder.createTemporary(beside: self.final)
    }

    func path(_ name: String) -> String { (temporary as NSString).appendingPathComponent(name) }

    /// Failures name the file's final place, not the temporary folder.
    func write(_ data: Data, _ name: String) throws {
        do { try AtomicFile.createNew(data, at: path(name)) } catch {
            throw AnalysisError.cannotWrite(path: (final as NSString).appendingPathComponent(name), reason: error.reason)
        }
    }

    func makeFolder(_ name: String) throws {
        do { try Folder.create(path(name)) } catch { throw AnalysisError.cannotWrite(path: (final as NSString).appendingPathComponent(name), reason: error.reason) }
    }

    /// Moves every file into the final folder (files of the same name replaced).
    func commit() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: temporary)
        for name in names {
            let destination = (final as NSString).appendingPathComponent(name)
            if FileKind(path: destination) == .folder { try? FileManager.default.removeItem(atPath: destination) }
            guard rename(path(name), destination) == 0 else {
                throw AnalysisError.cannotWrite(path: destination, reason: SystemReason.current(path: destination))
            }
        }
        try? FileManager.default.removeItem(atPath: temporary)
    }

    func discard() {
        try? FileManager.default.removeItem(atPath: temporary)
    }
}

/// CSV quoting for paths (they may hold commas or quotes).
enum CSV {
    static func field(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
