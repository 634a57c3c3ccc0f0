import AtomicIO
import Configuration
import Digest
import Foundation
import Training

/// The generate stage for `data.source: folder`: nothing is drawn; the user's folder is checked
/// (labels, classes, every image present) and fingerprinted by content (`DatasetFingerprint`),
/// and that fingerprint is the stage's key, so a changed image or label retrains the model.
/// The cache entry holds only `data-source.json`, naming the folder and its fingerprint; the
/// stages after it read the images from the folder itself.
enum FolderDataStage {
    static let recordName = "data-source.json"

    /// What the cache entry records.
    struct Source: Codable {
        var folder: String
        var fingerprint: String
        var images: Int
    }

    /// The folder `config` names, absolute, or nil for a generated data set.
    static func folder(of config: EffectiveConfig) -> String? {
        Config(config).dataFolder.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    /// Where the file hashes of `folder` are remembered: in the cache's hidden `.fingerprints`
    /// folder (hidden, so `cache list`, `verify` and `prune` do not take it for a stage).
    static func recordFile(cacheRoot: String, folder: String) -> String {
        ((cacheRoot as NSString).appendingPathComponent(".fingerprints") as NSString)
            .appendingPathComponent(String(SHA256.hex(folder).prefix(24)) + ".json")
    }

    /// The fingerprint of the configured folder (nil for a generated data set); `verify`
    /// rehashes every file instead of trusting sizes and times.
    static func fingerprint(config: EffectiveConfig, cacheRoot: String, verify: Bool) throws -> DatasetFingerprint.Outcome? {
        guard let folder = folder(of: config) else { return nil }
        guard FileKind(path: folder) == .folder else {
            throw PipelineError.missingInput(path: folder, problem: FileKind(path: folder) == nil ? "it does not exist" : "it is not a folder",
                                             advice: "data.folder (or run --data) takes a folder of images with a labels.csv or labels.xlsx (columns filepath, label and optionally distance)")
        }
        guard ["labels.csv", "labels.xlsx"].contains(where: { FileKind(path: (folder as NSString).appendingPathComponent($0)) == .regular }) else {
            throw PipelineError.missingInput(path: folder, problem: "it holds neither labels.csv nor labels.xlsx",
                                             advice: "data.folder (or run --data) takes a folder of images with a label table: labels.csv with the header filepath,label (and optionally distance), one row per image")
        }
        // Classes too small for the split are named before a run folder exists.
        let labels = try DatasetLabels.read(folder: folder)
        try labels.checkClassSizes(fractions: Config(config).train.split)
        return try DatasetFingerprint.compute(labels: labels, folder: folder, recordFile: recordFile(cacheRoot: cacheRoot, folder: folder), verify: verify)
    }

    /// Checks and fingerprints the folder, records it in the entry `partial`; returns the line
    /// for the log.
    static func perform(config: EffectiveConfig, cacheRoot: String, partial: String) throws -> String {
        guard let folder = folder(of: config), let outcome = try fingerprint(config: config, cacheRoot: cacheRoot, verify: false) else {
            preconditionFailure("FolderDataStage runs only for data.source: folder")
        }
        // The labels were read by the fingerprint; reading them again costs little and gives the classes.
        let labels = try DatasetLabels.read(folder: folder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(Source(folder: folder, fingerprint: outcome.hash, images: outcome.images)),
                             to: (partial as NSString).appendingPathComponent(recordName))
        var line = "Using the data set \(folder): \(Count.of(outcome.images, "image")), \(Count.of(labels.classes.count, "class", plural: "classes"))"
            + (labels.hasDistance ? " with distances" : ", no distance column (the model is trained without its distance head)")
            + "; content hash \(outcome.hash.prefix(12))."
        if !labels.ignoredColumns.isEmpty {
            line += "\nnote: \(labels.ignoredColumns.count == 1 ? "the column" : "the columns") \(labels.ignoredColumns.map { InputText.quoted($0) }.joined(separator: ", ")) of \(labels.file) \(labels.ignoredColumns.count == 1 ? "is" : "are") ignored (only filepath, label and distance are read)."
        }
        if !outcome.duplicates.isEmpty {
            let shown = outcome.duplicates.prefix(3).map { $0.map { InputText.quoted($0) }.joined(separator: " = ") }.joined(separator: "; ")
            line += "\nnote: \(Count.of(outcome.duplicates.count, "group")) of images have identical bytes (\(shown)\(outcome.duplicates.count > 3 ? "; …" : "")); copies can land in both the training and the test split and flatter the test accuracy."
        }
        return line
    }
}

extension PipelineRun {
    /// The `--set` overrides `run --data DIR` stands for: `data.source=folder` and
    /// `data.folder` with the folder made absolute (a text key's override is taken literally,
    /// so any path survives).
    public static func dataOverrides(folder: String) -> [String] {
        ["data.source=folder", "data.folder=" + URL(fileURLWithPath: folder).standardizedFileURL.path]
    }
}
