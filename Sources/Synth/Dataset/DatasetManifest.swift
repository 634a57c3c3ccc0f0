import AtomicIO
import Digest
import Foundation

/// `dataset.json`: what a finished data set holds and how it was made. Its presence marks a
/// complete data set (it is written last, inside a folder that is renamed into place), so a
/// later stage never mistakes an interrupted run for data.
public struct DatasetManifest: Codable, Equatable, Sendable {
    public static let fileName = "dataset.json"
    public static let formatName = "asl-lab dataset"

    public var format: String
    public var formatVersion: Int
    public var toolVersion: String
    public var seed: UInt64
    /// SHA-256 of the config keys the generator reads (`seed` and `data.*`).
    public var configHash: String
    /// Those keys as YAML.
    public var config: String
    public var families: String
    public var letters: [String]
    public var imagesPerLetter: Int
    public var imageSize: Int
    public var images: Int
    public var labelsSHA256: String

    enum CodingKeys: String, CodingKey {
        case format, seed, config, families, letters, images
        case formatVersion = "format_version"
        case toolVersion = "tool_version"
        case configHash = "config_hash"
        case imagesPerLetter = "images_per_letter"
        case imageSize = "image_size"
        case labelsSHA256 = "labels_csv_sha256"
    }

    /// Stable JSON: sorted keys, so the same data set gives the same bytes.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Reads the manifest of the data set in `folder`, or explains why it is not one.
    public static func load(folder: String) throws -> DatasetManifest {
        let path = (folder as NSString).appendingPathComponent(fileName)
        let data: Data
        do {
            data = try InputFile.read(path, limit: InputFile.Limit.runRecord)
        } catch {
            throw SynthError.notADataset(path: folder, reason: error.problem == .missing ? "it has no \(fileName)" : "\(fileName) cannot be read: \(error.reason)")
        }
        guard let manifest = try? JSONDecoder().decode(DatasetManifest.self, from: data), manifest.format == formatName else {
            throw SynthError.notADataset(path: folder, reason: "\(fileName) is not an asl-lab data set description")
        }
        return manifest
    }

    /// Loads the manifest and checks that labels.csv is the one it describes.
    public static func verify(folder: String) throws -> DatasetManifest {
        let manifest = try load(folder: folder)
        let labels = (folder as NSString).appendingPathComponent("labels.csv")
        let data: Data
        do {
            data = try InputFile.read(labels, limit: InputFile.Limit.labelsCSV)
        } catch {
            throw SynthError.notADataset(path: folder, reason: error.problem == .missing ? "labels.csv is missing" : "labels.csv cannot be read: \(error.reason)")
        }
        guard SHA256.hex(data) == manifest.labelsSHA256 else {
            throw SynthError.notADataset(path: folder, reason: "labels.csv does not match the checksum in \(fileName) (was it edited?)")
        }
        return manifest
    }
}
