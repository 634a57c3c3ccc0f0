import AtomicIO
import Digest
import Foundation

/// The content-addressed store of stage outputs: `CACHE/<stage>/<key>/`, where the key is
/// the hash of everything the stage's output depends on. An entry is trusted only once it
/// is sealed: `entry.json`, written last, lists every file with its size, modification time
/// and SHA-256. Work happens in `CACHE/<stage>/<key>.partial/`, sealed and renamed into place
/// when complete, so a stage killed at any moment leaves nothing a later run would trust.
struct StageCache {
    let root: String
    static let sealName = "entry.json"

    func folder(stage: String, key: String) -> String {
        (root as NSString).appendingPathComponent("\(stage)/\(key)")
    }

    func partialFolder(stage: String, key: String) -> String {
        folder(stage: stage, key: key) + ".partial"
    }

    /// What is in the cache for a stage key.
    enum EntryState: Equatable {
        case missing
        case valid
        /// Sealed, but a file changed or disappeared since (named in the reason).
        case corrupt(String)
    }

    /// Checks a sealed entry: every listed file exists with its sealed size; a file whose
    /// modification time changed is hashed again and must still match.
    func state(stage: String, key: String) -> EntryState {
        let folder = folder(stage: stage, key: key)
        let sealPath = (folder as NSString).appendingPathComponent(Self.sealName)
        guard let data = FileManager.default.contents(atPath: sealPath) else {
            return FileManager.default.fileExists(atPath: folder) ? .corrupt("it has no \(Self.sealName)") : .missing
        }
        guard let seal = try? JSONDecoder().decode(Seal.self, from: data), seal.key == key else {
            return .corrupt("its \(Self.sealName) is unreadable")
        }
        for file in seal.files {
            let path = (folder as NSString).appendingPathComponent(file.path)
            guard let facts = FileFacts(path: path) else { return .corrupt("\(file.path) is missing") }
            guard facts.size == file.size else { return .corrupt("\(file.path) changed size") }
            if facts.modified != file.modified {
                guard (try? Self.sha256(path: path)) == file.sha256 else { return .corrupt("\(file.path) changed content") }
            }
        }
        return .valid
    }

    /// Seals `partial` (hashing every file in it) and renames it to the entry's folder,
    /// replacing a corrupt entry if there is one.
    @discardableResult
    func seal(partial: String, stage: String, key: String) throws -> Seal {
        var files: [Seal.File] = []
        for relative in try Self.files(under: partial) where relative != Self.sealName {
            let path = (partial as NSString).appendingPathComponent(relative)
            guard let facts = FileFacts(path: path) else { throw PipelineError.cache(path: path, problem: "it vanished while being sealed") }
            files.append(Seal.File(path: relative, size: facts.size, modified: facts.modified, sha256: try Self.sha256(path: path)))
        }
        let seal = Seal(stage: stage, key: key, toolVersion: ToolInfo.version, files: files)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try PipelineFile.write(try encoder.encode(seal), to: (partial as NSString).appendingPathComponent(Self.sealName))
        let destination = folder(stage: stage, key: key)
        if FileManager.default.fileExists(atPath: destination) {
            try? FileManager.default.removeItem(atPath: destination)
        }
        guard rename(partial, destination) == 0 else {
            throw PipelineError.cache(path: destination, problem: String(cString: strerror(errno)).lowercased())
        }
        return seal
    }

    /// The seal of a valid entry.
    func seal(stage: String, key: String) -> Seal? {
        let path = (folder(stage: stage, key: key) as NSString).appendingPathComponent(Self.sealName)
        return FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(Seal.self, from: $0) }
    }

    /// Every regular file under `folder`, as sorted relative paths.
    static func files(under folder: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw PipelineError.cache(path: folder, problem: "it cannot be listed")
        }
        var result: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(relative), isDirectory: &isDirectory),
               !isDirectory.boolValue {
                result.append(relative)
            }
        }
        return result.sorted()
    }

    /// SHA-256 of a file, read in 1 MB blocks.
    static func sha256(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw PipelineError.cache(path: path, problem: "it cannot be read") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
            hasher.update(block)
        }
        return SHA256.hexString(hasher.finalize())
    }

    /// `entry.json`: what a finished entry holds.
    struct Seal: Codable, Equatable {
        var stage: String
        var key: String
        var toolVersion: String
        var files: [File]

        struct File: Codable, Equatable {
            var path: String
            var size: UInt64
            /// Nanoseconds since 1970.
            var modified: Int64
            var sha256: String
        }
    }
}

/// Size and modification time of a regular file.
struct FileFacts {
    var size: UInt64
    var modified: Int64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        size = UInt64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }
}

/// Writes through a temporary file and a rename.
enum PipelineFile {
    /// `AtomicFile.write` with failures as `PipelineError`.
    static func write(_ data: Data, to path: String) throws {
        do { try AtomicFile.write(data, to: path) } catch { throw PipelineError.cannotWrite(path: error.path, reason: error.reason) }
    }
}
