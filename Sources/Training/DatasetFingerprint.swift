import AtomicIO
import Digest
import Foundation

/// The content hash of a user's data set folder: SHA-256 over its label file's bytes and, in
/// row order, every image's path and the SHA-256 of its bytes. It is the generate stage's key
/// for `data.source: folder`, so editing one image (or one label) retrains the model.
///
/// Hashing a large folder every run would be slow, so each file's hash is remembered in a
/// record file beside the cache, with its size and modification time, and is read again only
/// when either changed; `verify` rehashes every file regardless.
public enum DatasetFingerprint {
    /// What the record file holds: per relative path, its size, modification time and hash.
    struct Record: Codable {
        var files: [String: FileHash]
    }

    struct FileHash: Codable, Equatable {
        var size: UInt64
        var modified: Double
        var sha256: String
    }

    public struct Outcome: Sendable {
        /// The data set's hash (hex).
        public var hash: String
        public var images: Int
        /// Files whose bytes were read this time (the rest came from the record).
        public var hashed: Int
        /// Groups of images (relative paths) whose bytes are identical: a copy listed under two
        /// names can fall into both the training and the test split.
        public var duplicates: [[String]]
    }

    /// Fingerprints the data set in `folder`, remembering file hashes in `recordFile` (nil:
    /// none). Throws what reading the labels throws, or `TrainingError.unreadableImage` for an
    /// image that cannot be read.
    public static func compute(folder: String, recordFile: String?, verify: Bool = false) throws -> Outcome {
        try compute(labels: try DatasetLabels.read(folder: folder), folder: folder, recordFile: recordFile, verify: verify)
    }

    /// `compute` for labels already read from `folder`.
    public static func compute(labels: DatasetLabels, folder: String, recordFile: String?, verify: Bool = false) throws -> Outcome {
        let samples = try ImageDataset.checkImages(labels, folder: folder)
        var old: [String: FileHash] = [:]
        if !verify, let recordFile, let data = try? InputFile.read(recordFile, limit: 256 << 20),
           let record = try? JSONDecoder().decode(Record.self, from: data) {
            old = record.files
        }
        var files: [String: FileHash] = [:]
        var hashed = 0
        func hash(_ relative: String) throws -> String {
            let path = (folder as NSString).appendingPathComponent(relative)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = (attributes[.size] as? NSNumber)?.uint64Value,
                  let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 else {
                throw TrainingError.unreadableImage(path: path, reason: "it cannot be read")
            }
            if let known = old[relative], known.size == size, known.modified == modified {
                files[relative] = known
                return known.sha256
            }
            guard let digest = SHA256.hex(fileAt: path) else { throw TrainingError.unreadableImage(path: path, reason: "it cannot be read") }
            hashed += 1
            files[relative] = FileHash(size: size, modified: modified, sha256: digest)
            return digest
        }
        var total = SHA256()
        total.update("labels \((labels.file as NSString).lastPathComponent) \(try hash((labels.file as NSString).lastPathComponent))\n")
        var byContent: [String: [String]] = [:]
        for sample in samples {
            let digest = try hash(sample.path)
            total.update("\(sample.path)\n\(digest)\n")
            byContent[digest, default: []].append(sample.path)
        }
        if let recordFile {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            // A record that cannot be written only costs hashing again next time.
            if let data = try? encoder.encode(Record(files: files)) {
                try? Folder.create(PathText.parent(recordFile))
                try? AtomicFile.write(data, to: recordFile)
            }
        }
        let duplicates = byContent.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
        return Outcome(hash: SHA256.hexString(total.finalize()), images: samples.count, hashed: hashed, duplicates: duplicates)
    }
}
