import AtomicIO
import BuildInfo
import Digest
import FileFormats
import Foundation

/// The content-addressed store of stage outputs: `CACHE/<stage>/<key>/`, where the key is
/// the hash of everything the stage's output depends on. An entry is trusted only once it
/// is sealed: `entry.json`, written last and flushed to the device, lists every file with its
/// size, modification time and SHA-256. Work happens in `CACHE/<stage>/<key>.partial/` (a real
/// folder of this user, never a link), sealed and renamed into place when complete, so a stage
/// killed at any moment leaves nothing a later run would trust.
public struct StageCache: Sendable {
    public let root: String
    /// Recorded in every seal.
    let toolVersion: String

    public init(root: String, toolVersion: String = ToolInfo.version) {
        self.root = root
        self.toolVersion = toolVersion
    }
    public static let sealName = CacheSeal.fileName

    public func folder(stage: String, key: String) -> String {
        (root as NSString).appendingPathComponent("\(stage)/\(key)")
    }

    public func partialFolder(stage: String, key: String) -> String {
        folder(stage: stage, key: key) + ".partial"
    }

    /// Makes (or, for a resumed stage, re-enters) the partial folder of `key`.
    public func preparePartialFolder(stage: String, key: String) throws -> String {
        let partial = partialFolder(stage: stage, key: key)
        do { try Folder.createOwned(partial) } catch { throw StorageError.cache(path: error.path, problem: error.reason) }
        return partial
    }

    /// What is in the cache for a stage key.
    public enum EntryState: Equatable {
        case missing
        case valid
        /// Sealed, but a file changed or disappeared since (named in the reason).
        case corrupt(String)
    }

    /// How closely an entry is checked before it is trusted.
    public enum Verification {
        /// Every listed file exists with its sealed size; one whose modification time changed is
        /// hashed again. For large entries read again anyway when used (a data set that
        /// training decodes is verified by content first).
        case metadata
        /// Every file is hashed again and must match its seal: for what a run folder records
        /// (the model, the analysis, the report's figures), so that a flipped bit is never
        /// recorded under its old, now false, SHA-256.
        case content
    }

    /// Checks a sealed entry (see `Verification`).
    public func state(stage: String, key: String, verify: Verification = .content) -> EntryState {
        let folder = folder(stage: stage, key: key)
        let sealPath = (folder as NSString).appendingPathComponent(Self.sealName)
        guard FileKind(path: folder) != nil else { return .missing }
        guard FileKind(path: folder) == .folder else { return .corrupt("it is not a folder") }
        guard FileKind(path: sealPath) != nil else { return .corrupt("it has no \(Self.sealName)") }
        guard let seal = try? CacheSeal.read(path: sealPath), seal.key == key else {
            return .corrupt("its \(Self.sealName) is unreadable")
        }
        for file in seal.files {
            guard Self.isSafeRelativePath(file.path) else { return .corrupt("its \(Self.sealName) names \(file.path), outside the entry") }
            let path = (folder as NSString).appendingPathComponent(file.path)
            guard let facts = FileFacts(path: path) else { return .corrupt("\(file.path) is missing or not a file") }
            guard facts.size == file.size else { return .corrupt("\(file.path) changed size") }
            if verify == .content || facts.modified != file.modified {
                guard Self.sha256(path: path) == file.sha256 else { return .corrupt("\(file.path) changed content") }
            }
        }
        return .valid
    }

    /// Seals `partial` (hashing every file in it) and renames it to the entry's folder,
    /// replacing a corrupt entry if there is one.
    @discardableResult
    public func seal(partial: String, stage: String, key: String) throws -> CacheSeal {
        var files: [CacheSeal.File] = []
        for relative in try Self.files(under: partial) where relative != Self.sealName {
            let path = (partial as NSString).appendingPathComponent(relative)
            guard let facts = FileFacts(path: path), let sha256 = Self.sha256(path: path) else {
                throw StorageError.cache(path: path, problem: "it vanished or became unreadable while being sealed")
            }
            files.append(CacheSeal.File(path: relative, size: facts.size, modified: facts.modified, sha256: sha256))
        }
        let seal = CacheSeal(stage: stage, key: key, toolVersion: toolVersion, files: files)
        // The files, then the seal, then the rename reach the device in that order: after a
        // power loss an entry is either absent or sealed with its files whole.
        do { try Folder.syncFileSystem(containing: partial) } catch { throw StorageError.cache(path: error.path, problem: error.reason) }
        try seal.write(to: partial, durability: .powerLoss)
        let destination = folder(stage: stage, key: key)
        if FileKind(path: destination) != nil {
            try? FileManager.default.removeItem(atPath: destination)
        }
        guard rename(partial, destination) == 0 else {
            throw StorageError.cache(path: destination, problem: SystemReason.current(path: destination))
        }
        do { try Folder.sync(PathText.parent(destination)) } catch {
            throw StorageError.cache(path: destination, problem: error.reason)
        }
        return seal
    }

    /// The seal of an entry, if it has a readable one.
    public func seal(stage: String, key: String) -> CacheSeal? {
        CacheSeal.readIfPresent(folder: folder(stage: stage, key: key))
    }

    /// The stage folders of the cache (`generate`, `train`, …), sorted.
    func stageFolders() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter {
            !$0.hasPrefix(".") && FileKind(path: (root as NSString).appendingPathComponent($0)) == .folder
        }.sorted()
    }

    /// Removes the temporaries that dead processes (killed runs) left in the stage folders.
    public func removeLeftovers() {
        for stage in stageFolders() { Folder.removeLeftovers(in: (root as NSString).appendingPathComponent(stage)) }
    }

    /// Every sealed or damaged entry in the cache, as (stage, key), sorted; partial folders and
    /// temporaries are not entries.
    public func entries() -> [(stage: String, key: String)] {
        let manager = FileManager.default
        var result: [(String, String)] = []
        for stage in ((try? manager.contentsOfDirectory(atPath: root)) ?? []).sorted() where !stage.hasPrefix(".") {
            let stageFolder = (root as NSString).appendingPathComponent(stage)
            guard FileKind(path: stageFolder) == .folder else { continue }
            for key in ((try? manager.contentsOfDirectory(atPath: stageFolder)) ?? []).sorted()
            where !key.hasPrefix(".") && !key.hasSuffix(".partial") {
                result.append((stage, key))
            }
        }
        return result
    }

    /// Every regular file under `folder`, as sorted relative paths. A symbolic link anywhere
    /// inside is an error: nothing asl-lab writes is a link, so one there was planted.
    public static func files(under folder: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw StorageError.cache(path: folder, problem: "it cannot be listed")
        }
        var result: [String] = []
        while let relative = enumerator.nextObject() as? String {
            switch FileKind(path: (folder as NSString).appendingPathComponent(relative)) {
            case .regular?: result.append(relative)
            case .folder?, nil: continue
            case let kind?:
                throw StorageError.cache(path: (folder as NSString).appendingPathComponent(relative),
                                          problem: "it is \(kind.phrase), which asl-lab never writes; remove it")
            }
        }
        return result.sorted()
    }

    /// SHA-256 of a file; nil when it cannot be read.
    public static func sha256(path: String) -> String? {
        SHA256.hex(fileAt: path)
    }

    /// A seal's file name must stay inside its entry.
    public static func isSafeRelativePath(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
    }
}

/// Size and modification time of a regular file (not a link).
public struct FileFacts: Sendable {
    public var size: UInt64
    public var modified: Int64

    public init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        size = UInt64(info.st_size)
        #if os(Linux)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #else
        modified = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #endif
    }
}
