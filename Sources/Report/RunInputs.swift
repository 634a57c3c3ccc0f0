import Analysis
import AtomicIO
import FileFormats
import Foundation
import Synth
import Training

/// Everything the report reads from a run folder, each part optional: a page shows what is
/// there and says what is missing. `problems` collects files that exist but cannot be read.
public struct RunInputs: Sendable {
    public let folder: String
    public var manifest: RunManifest?
    public var configText: String?
    public var history: [EpochRecord]
    /// The loss of every window of training steps (`steps.csv`); nil for a run made before
    /// steps were recorded, or one not trained yet.
    public var steps: [StepRecord]?
    /// What the run's `status.json` says (a `running` run whose process is gone reads as
    /// interrupted); nil for a folder without one.
    public var status: RunStatus?
    public var training: TrainingSummary?
    public var metrics: AnalysisMetrics?
    /// The evaluation under shift (`generalisation.json`), when the analysis made one.
    public var generalisation: GeneralisationMetrics?
    /// The data set folder (from the manifest), when it exists.
    public var datasetFolder: String?
    public var labels: [LabelRow]
    /// The data set's class names and whether its labels carry distances (nil when unknown).
    public var classes: [String]?
    public var hasDistance: Bool?
    /// Files present but unreadable, as sentences.
    public var problems: [String] = []

    /// Where a restored run folder holds the data set its archive carried (`runs archive` puts it
    /// there, `runs restore` unpacks it there).
    public static let carriedDataset = "dataset"

    public func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
    public func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// Reads the run folder. Throws only when the folder is not a run folder at all. Without
    /// `labels`, the data set's labels.csv is not read (pages that show no image need none).
    public static func read(folder: String, labels readLabels: Bool = true) throws -> RunInputs {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportError.missingFile(folder)
        }
        var inputs = RunInputs(folder: folder, history: [], labels: [])
        let known = [RunManifest.fileName, TrainingHistory.fileName, TrainingSummary.fileName, "config.yaml", AnalysisMetrics.fileName]
        guard known.contains(where: inputs.exists) else { throw ReportError.notARunFolder(folder) }

        // Each record is optional; one that is there but unreadable becomes a problem sentence.
        func record<T>(_ name: String, _ read: () throws -> T) -> T? {
            guard inputs.exists(name) else { return nil }
            do { return try read() } catch {
                inputs.problems.append("\(error)")
                return nil
            }
        }
        inputs.manifest = record(RunManifest.fileName) { try RunManifest.read(folder: folder) }
        inputs.configText = try? InputFile.readText(inputs.path("config.yaml"), limit: InputFile.Limit.config)
        inputs.history = record(TrainingHistory.fileName) { try TrainingHistory.read(folder: folder) } ?? []
        inputs.steps = record(TrainingSteps.fileName) { try TrainingSteps.read(folder: folder) }
        inputs.status = RunStatus.read(runFolder: folder)?.effective
        inputs.training = record(TrainingSummary.fileName) { try TrainingSummary.read(folder: folder) }
        inputs.metrics = record(AnalysisMetrics.fileName) { try AnalysisMetrics.read(folder: folder) }
        inputs.generalisation = record(GeneralisationMetrics.fileName) { try GeneralisationMetrics.read(folder: folder) }
        if readLabels, var dataset = inputs.manifest?.dataset {
            // A run restored from an archive carries its data set inside its folder; the cache
            // folder the manifest names is on the machine that ran it.
            let carried = inputs.path(Self.carriedDataset)
            func hasLabels(_ folder: String) -> Bool {
                ["labels.csv", "labels.xlsx"].contains { FileKind(path: (folder as NSString).appendingPathComponent($0)) == .regular }
            }
            if !hasLabels(dataset), hasLabels(carried) { dataset = carried }
            if hasLabels(dataset) {
                inputs.datasetFolder = dataset
                do {
                    let table = try DatasetLabels.read(folder: dataset)
                    inputs.labels = table.labelRows
                    inputs.classes = table.classes
                    inputs.hasDistance = table.hasDistance
                } catch { inputs.problems.append("\(error)") }
            } else {
                inputs.problems.append("The data set \(dataset) named in manifest.json is not there (no labels.csv or labels.xlsx).")
            }
        }
        return inputs
    }
}

/// A small RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF or LF) for the run's tables.
public struct CSVFile: Sendable {
    public var header: [String]
    public var rows: [[String]]

    public static func read(path: String) throws -> CSVFile {
        let text: String
        do {
            text = try InputFile.readText(path, limit: InputFile.Limit.runRecord)
        } catch {
            throw error.problem == .missing ? ReportError.missingFile(path) : ReportError.unreadable(path: path, reason: error.reason)
        }
        return parse(text)
    }

    public static func parse(_ text: String) -> CSVFile {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",": record.append(field); field = ""
            case "\r": continue
            case "\n":
                record.append(field); field = ""
                records.append(record); record = []
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        guard let header = records.first else { return CSVFile(header: [], rows: []) }
        return CSVFile(header: header, rows: Array(records.dropFirst()))
    }

    /// The values of a named column (empty when the column is missing).
    public func column(_ name: String) -> [String] {
        guard let i = header.firstIndex(of: name) else { return [] }
        return rows.map { i < $0.count ? $0[i] : "" }
    }

    public func numbers(_ name: String) -> [Double] {
        column(name).map { Double($0) ?? .nan }
    }
}
