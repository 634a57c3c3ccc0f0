import Analysis
import Canvas
import FileFormats
import Foundation
import Report
import Synth

/// A run folder that follows the files' contracts, with a real (small) data set and synthetic
/// training history and analyse outputs: what `asl-lab run` would leave, small enough for tests.
struct ReportFixture {
    var name = "fixture"
    var imagesPerLetter = 4
    var imageSize = 64
    var analysis = true
    var manifest = true
    /// Whether the run recorded the loss of every window of steps (runs before it did not).
    var steps = true
    /// Side of the model inputs and saliency maps in inspection/.
    var inputSize = 16

    static let letters = Letters.all

    func dataConfig() -> DataConfig {
        DataConfig(imagesPerLetter: imagesPerLetter, imageSize: imageSize, families: .asl26, distanceMin: 1, distanceMax: 5,
                   augment: AugmentConfig(rotationDegrees: 360, blurProbability: 0.2, blurRadius: 0.5...1.5, noiseSigma: 6,
                                          perlinAmplitude: 12, perlinScale: 48, backgroundBase: 200...255, backgroundJitter: 20,
                                          geometricJitter: 0.15))
    }

    /// Writes the data set to `root/data` and the run to `root/run`; returns the job.
    func make(root: String) throws -> ReportJob {
        let data = root + "/data", run = root + "/run"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        var config = dataConfig()
        var seed: UInt64 = 3
        if let json = FileManager.default.contents(atPath: data + "/dataset.json"),
           let info = try JSONSerialization.jsonObject(with: json) as? [String: Any],
           let size = info["image_size"] as? Int, let count = info["images_per_letter"] as? Int {
            // A data set already there (e.g. a real one linked in): draw its steps at its size.
            config.imageSize = size
            config.imagesPerLetter = count
            seed = (info["seed"] as? UInt64) ?? seed
        } else {
            _ = try DatasetGenerator.generate(GenerateJob(config: config, seed: seed, output: data, threads: 2,
                                                          provenance: DatasetProvenance(configHash: "fixture", configYAML: "seed: 3\n", toolVersion: "test")))
        }
        let labels = try LabelsTable.parseCSV(String(contentsOfFile: data + "/labels.csv", encoding: .utf8), file: "labels.csv")
        try write("seed: \(seed)\ndata:\n  images_per_letter: \(config.imagesPerLetter)\n  image_size: \(config.imageSize)\nreport:\n  title: Fixture report\n", run + "/config.yaml")
        var history = "epoch,train_loss,train_ce,train_mse,val_accuracy,val_mae,images_per_second,seconds\n"
        for e in 1...8 {
            let t = Double(e)
            history += String(format: "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.1f,%.2f\n", e, 3.3 * exp(-t / 3) + 0.1, 3.2 * exp(-t / 3) + 0.05,
                              0.9 * exp(-t / 2) + 0.05, 1 - 0.9 * exp(-t / 2.5), 0.1 + 0.4 * exp(-t / 3), 120 + t, 14.5)
        }
        try write(history, run + "/history.csv")
        if steps { try write(TrainingSteps.csv(Self.stepRecords(epochs: 8)), run + "/" + TrainingSteps.fileName) }
        try write("""
        {"config_hash": "abc123", "epochs": 8, "seed": 3, "test_accuracy": 0.9, "test_distance_mae": 0.21, "test_images": \(labels.count),
         "train_images": 100, "validation_images": 20, "final_validation_accuracy": 0.88, "mean_train_images_per_second": 124.0, "seconds": 120.5}
        """, run + "/training.json")
        if manifest {
            let m = RunManifest(name: name, created: "2025-11-25T10:00:00Z", configHash: "abc123", toolVersion: "0.1.0", seed: 3,
                                dataset: data, machine: .init(cores: 2, cpu: "Test CPU", memoryBytes: 8 << 30),
                                stages: [.init(name: "generate", status: .cached, seconds: 0.01), .init(name: "train", status: .run, seconds: 120.5),
                                         .init(name: "analyse", status: .run, seconds: 8), .init(name: "report", status: .run, seconds: 1)])
            try m.encoded().write(to: URL(fileURLWithPath: run + "/" + RunManifest.fileName))
        }
        if analysis { try writeAnalysis(run: run, labels: labels) }
        return ReportJob(runFolder: run, title: "Fixture report", dataConfig: config, dataSeed: seed, toolVersion: "0.1.0")
    }

    /// Windows of 20, 20 and 5 steps per epoch (45 steps), the loss falling, the learning
    /// rate decaying over the last 30 % of the steps.
    static func stepRecords(epochs: Int) -> [StepRecord] {
        var records: [StepRecord] = []
        for epoch in 1...epochs {
            for (end, count) in [(20, 20), (40, 20), (45, 5)] {
                let step = (epoch - 1) * 45 + end
                let t = Double(step) / 45
                let left = Double(epochs * 45 - step + 1), decay = 0.3 * Double(epochs * 45)
                records.append(StepRecord(step: step, epoch: epoch, steps: count, loss: 3.3 * exp(-t / 3) + 0.1, crossEntropy: 3.2 * exp(-t / 3) + 0.05,
                                          meanSquaredError: 0.9 * exp(-t / 2) + 0.05, learningRate: left < decay ? 0.001 * left / decay : 0.001))
            }
        }
        return records
    }

    func writeAnalysis(run: String, labels: [LabelRow]) throws {
        var random = FixtureRandom(seed: 11)
        let n = labels.count
        let truth = labels.map { Self.letters.firstIndex(of: $0.letter)! }
        // Every 7th image is mistaken for the next letter.
        let predicted = truth.indices.map { $0 % 7 == 3 ? (truth[$0] + 1) % 26 : truth[$0] }
        let probability = truth.indices.map { _ in 0.5 + 0.5 * random.uniform() }
        let predictedDistance = labels.map { $0.distance + 0.2 * random.normal() }

        var predictions = "path,letter,distance,predicted,probability,predicted_distance,correct\n"
        var embeddings = "path,letter,distance,predicted\n"
        for i in 0..<n {
            predictions += "\(labels[i].filepath),\(labels[i].letter),\(labels[i].distance),\(Self.letters[predicted[i]]),\(probability[i]),\(predictedDistance[i]),\(predicted[i] == truth[i])\n"
            embeddings += "\(labels[i].filepath),\(labels[i].letter),\(labels[i].distance),\(Self.letters[predicted[i]])\n"
        }
        try write(predictions, run + "/" + AnalysisFiles.predictions)
        try write(embeddings, run + "/" + AnalysisFiles.embeddingsTable)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: 26), count: 26)
        for i in 0..<n { confusion[truth[i]][predicted[i]] += 1 }
        try write("true," + Self.letters.joined(separator: ",") + "\n" + (0..<26).map { Self.letters[$0] + "," + confusion[$0].map(String.init).joined(separator: ",") }.joined(separator: "\n") + "\n",
                  run + "/" + AnalysisFiles.confusion)

        let tsne = (0..<n).flatMap { i -> [Float] in
            let angle = Double(truth[i]) / 26 * 2 * .pi
            return [Float(30 * cos(angle) + 2 * random.normal()), Float(30 * sin(angle) + 2 * random.normal())]
        }
        try NumPyArray(shape: [n, 2], floats: tsne).write(to: run + "/" + AnalysisFiles.tsne)
        try NumPyArray(shape: [n, 2], floats: tsne.map { $0 * 0.1 + Float(random.normal()) }).write(to: run + "/" + AnalysisFiles.pca)
        try NumPyArray(shape: [n, 4], floats: (0..<(4 * n)).map { _ in Float(random.uniform()) }).write(to: run + "/" + AnalysisFiles.embeddings)

        let perClass = (0..<26).map { k -> ClassMetrics in
            let support = truth.filter { $0 == k }.count
            let hits = truth.indices.filter { truth[$0] == k && predicted[$0] == k }.count
            let claimed = predicted.filter { $0 == k }.count
            let recall = support > 0 ? Double(hits) / Double(support) : 0
            let precision = claimed > 0 ? Double(hits) / Double(claimed) : 0
            return ClassMetrics(letter: Self.letters[k], precision: precision, recall: recall,
                                f1: precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0, support: support, distanceMAE: 0.2)
        }
        let accuracy = Double(truth.indices.filter { truth[$0] == predicted[$0] }.count) / Double(n)
        let bins = (1...4).map { (b: Int) -> DistanceBinMetrics in
            let d = Double(b)
            return DistanceBinMetrics(lower: d, upper: d + 1, count: n / 4, accuracy: 1 - 0.05 * d, mae: 0.1 * d)
        }
        let mistakes = truth.indices.filter { truth[$0] != predicted[$0] }.sorted { probability[$0] > probability[$1] }.map {
            ConfidentMistake(path: labels[$0].filepath, letter: labels[$0].letter, predicted: Self.letters[predicted[$0]],
                             probability: probability[$0], distance: labels[$0].distance)
        }
        let separation = (1...4).map { (b: Int) -> SeparationBin in
            let d = Double(b)
            return SeparationBin(lower: d, upper: d + 1, count: n / 4, silhouetteEmbedding: 0.6 - 0.1 * d,
                                 silhouetteTSNE: 0.7 - 0.1 * d, centroidDistance: 5 - 0.5 * d, withinClassSpread: 1 + 0.3 * d)
        }
        let metrics = AnalysisMetrics(testImages: n, accuracy: accuracy, macroF1: perClass.map(\.f1).reduce(0, +) / 26,
                                      distance: DistanceMetrics(mae: 0.16, rmse: 0.2, r2: 0.97), perClass: perClass, confusion: confusion,
                                      distanceBins: bins, confidentMistakes: mistakes, separation: separation,
                                      tsne: TSNESummary(points: n, perplexity: 30, iterations: 750, klDivergence: 0.81, seconds: 1.2, neighbours: "exact"),
                                      pcaExplainedVariance: [0.31, 0.12])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(metrics).write(to: URL(fileURLWithPath: run + "/" + AnalysisFiles.metrics))

        try write("name,shape,count,mean,std\nfeatures.0.weight,32x3x3x3,864,0.001,0.11\nfeatures.0.bias,32,32,0.01,0.02\nclass_head.0.weight,256x32768,8388608,0,0.005\nclass_head.2.weight,26x256,6656,0,0.06\n",
                  run + "/" + AnalysisFiles.parameters)

        let inspection = run + "/" + AnalysisFiles.inspection
        try FileManager.default.createDirectory(atPath: inspection, withIntermediateDirectories: true)
        let chosen = (0..<26).map { k in truth.firstIndex(of: k)! }
        let s = chosen.count, h = inputSize
        var samples = "index,path,letter,distance,top1,p1,top2,p2,top3,p3\n"
        for i in chosen {
            samples += "\(i),\(labels[i].filepath),\(labels[i].letter),\(labels[i].distance),\(Self.letters[predicted[i]]),0.9,\(Self.letters[(predicted[i] + 1) % 26]),0.06,\(Self.letters[(predicted[i] + 2) % 26]),0.02\n"
        }
        try write(samples, inspection + "/" + InspectionFiles.samples)
        var inputs: [Float] = []
        for i in chosen {
            let image = try PNG.read(path: (run as NSString).deletingLastPathComponent + "/data/" + labels[i].filepath)
            for c in 0..<3 { for y in 0..<h { for x in 0..<h {
                let p = image[x * image.width / h, y * image.height / h]
                inputs.append(Float(c == 0 ? p.r : c == 1 ? p.g : p.b) / 255)
            } } }
        }
        try NumPyArray(shape: [s, 3, h, h], floats: inputs).write(to: inspection + "/" + InspectionFiles.inputs)
        try NumPyArray(shape: [32, 3, 3, 3], floats: (0..<864).map { _ in Float(random.normal()) }).write(to: inspection + "/" + InspectionFiles.filters)
        for (b, channels) in [8, 16, 32].enumerated() {
            let side = h >> b
            let values = (0..<(s * channels * side * side)).map { i in Float(max(0, sin(Double(i % (side * side)) / Double(3 + b)) + 0.3 * random.normal())) }
            try NumPyArray(shape: [s, channels, side, side], floats: values).write(to: inspection + "/" + InspectionFiles.featureMaps(block: b))
        }
        try NumPyArray(shape: [s, h, h], floats: (0..<(s * h * h)).map { _ in Float(abs(random.normal())) }).write(to: inspection + "/" + InspectionFiles.saliency)
    }

    func write(_ text: String, _ path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}

struct FixtureRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E3779B97F4A7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func normal() -> Double {
        (-2 * log(max(uniform(), 1e-300))).squareRoot() * cos(2 * .pi * uniform())
    }
}
