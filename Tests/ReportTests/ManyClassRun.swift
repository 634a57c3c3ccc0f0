import Analysis
import Canvas
import FileFormats
import Foundation
import Report
import Training

/// A real run of a user's data set with many classes: a folder of tiny flat-coloured PNGs and
/// a labels.csv (class names with spaces, accents, "<" and "&"), trained for one epoch and
/// analysed by the real stages, with a manifest naming the data set: what `asl-lab run --data`
/// leaves, in a few seconds.
enum ManyClassRun {
    static func names(_ count: Int) -> [String] {
        (0..<count).map { $0 % 10 == 0 ? "clàss <\($0)> & co" : "class \($0)" }
    }

    static func writeData(_ data: String, classes: Int, perClass: Int, distance: Bool, darken: Int) throws {
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        var text = distance ? "filepath,label,distance\n" : "filepath,label\n"
        for (c, name) in names(classes).enumerated() {
            for k in 0..<perClass {
                let file = "\(c)_\(k).png"
                let v = UInt8(max(0, (c * 37) % 256 - darken)), w = UInt8(max(0, (c * 11 + 40 * k) % 256 - darken))
                try PNG.write(RGBImage(width: 16, height: 16, fill: (v, w, UInt8(max(0, 255 - Int(v) - darken)))), to: data + "/" + file)
                text += "\(file),\"\(name)\"" + (distance ? ",\(1 + Double(k))" : "") + "\n"
            }
        }
        try text.write(toFile: data + "/labels.csv", atomically: true, encoding: .utf8)
    }

    /// Writes the data set to `root/data` and the run to `root/run`; returns the report job.
    /// With `shifted`, a second folder of the same classes drawn darker is evaluated as the
    /// shifted set "dark" (the Generalisation page).
    static func make(root: String, classes: Int, perClass: Int = 3, distance: Bool = false, shifted: Bool = false) throws -> ReportJob {
        let data = root + "/data", run = root + "/run"
        try writeData(data, classes: classes, perClass: perClass, distance: distance, darken: 0)
        if shifted { try writeData(root + "/dark", classes: classes, perClass: 2, distance: distance, darken: 60) }
        let split = (train: 1.0 / 3, val: 1.0 / 3, test: 1.0 / 3)
        let config = TrainConfig(inputSize: 8, batchSize: 32, epochs: 1, learningRate: 0.003, distanceLossWeight: 0.25, split: split,
                                 channels: [4, 4, 4], classHidden: 8, distanceHidden: 4)
        _ = try Trainer.run(TrainJob(dataFolder: data, outFolder: run, config: config, seed: 1, threads: 2, resume: false, configHash: "many"))
        let job = AnalysisJob(dataFolder: data, modelPath: run + "/model.safetensors", outFolder: run, seed: 1, split: split, batchSize: 32,
                              distanceRange: (1, 5), tsnePerplexity: 10, tsneIterations: 60, tsneMaxPoints: nil, samplesPerLetter: 1, threads: 2)
        var analysis = job
        if shifted { analysis.shifts = [ShiftSet(name: "dark", summary: "every pixel 60 levels darker", folder: root + "/dark")] }
        _ = try Analyser.run(analysis)
        let manifest = RunManifest(name: "\(classes) classes", created: "2026-01-01T10:00:00Z", configHash: "many", toolVersion: "0.1.0", seed: 1,
                                   dataset: data, machine: .init(cores: 2, cpu: "Test CPU", memoryBytes: 8 << 30),
                                   stages: [.init(name: "generate", status: .run, seconds: 0.1), .init(name: "train", status: .run, seconds: 1)])
        try manifest.encoded().write(to: URL(fileURLWithPath: run + "/" + RunManifest.fileName))
        return ReportJob(runFolder: run, title: "\(classes) classes", toolVersion: "0.1.0")
    }
}
