import AtomicIO
import Foundation

/// A record kept as one JSON file under a fixed name: pretty-printed, keys sorted, so the same
/// record gives the same bytes.
public protocol JSONRecord: Codable {
    /// The file's name in its folder ("manifest.json").
    static var fileName: String { get }
    /// What the file is, for messages ("a run manifest").
    static var what: String { get }
    /// Whether "/" is written as "\/" (as files written before this module did, which keep
    /// their exact bytes).
    static var escapesSlashes: Bool { get }
}

extension JSONRecord {
    public static var escapesSlashes: Bool { false }

    /// The record as JSON text with sorted keys.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = Self.escapesSlashes ? [.prettyPrinted, .sortedKeys] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every record is plain values; encoding cannot fail.
        return try! encoder.encode(self)
    }

    /// Writes the record to `folder/fileName` atomically.
    public func write(to folder: String, durability: AtomicFile.Durability = .processCrash) throws(RecordError) {
        try write(toPath: (folder as NSString).appendingPathComponent(Self.fileName), durability: durability)
    }

    /// Writes the record to `path` atomically.
    public func write(toPath path: String, durability: AtomicFile.Durability = .processCrash) throws(RecordError) {
        do { try AtomicFile.write(encoded(), to: path, durability: durability) } catch {
            throw RecordError.cannotWrite(path: error.path, reason: error.reason)
        }
    }

    /// Reads `folder/fileName`.
    public static func read(folder: String) throws(RecordError) -> Self {
        try read(path: (folder as NSString).appendingPathComponent(fileName))
    }

    /// Reads the record at `path` through the bounded reader.
    public static func read(path: String) throws(RecordError) -> Self {
        let data: Data
        do { data = try InputFile.read(path, limit: InputFile.Limit.runRecord) } catch {
            throw RecordError.unreadable(path: path, problem: error.reason)
        }
        do {
            return try JSONDecoder().decode(Self.self, from: data)
        } catch {
            throw RecordError.unreadable(path: path, problem: "it is not \(what) (\(DecodingProblem.describe(error)))")
        }
    }

    /// The record in `folder`, or nil when it is missing or unreadable.
    public static func readIfPresent(folder: String) -> Self? {
        try? read(folder: folder)
    }
}
