import AtomicIO
import Digest
import FileFormats
import Foundation
import Report
import ZIPFoundation

/// `runs restore FILE.zip`: the way back from `runs archive`. The archive is checked entry by
/// entry against its `SHA256SUMS` while it is unpacked into a temporary folder beside the run
/// folders; only when everything matches, and the run's stage outputs still have the SHA-256
/// its manifest recorded, is the folder renamed into place. The data set travels inside the
/// run folder (`dataset/`), where the report looks when the cache that made it is not there.
extension RunStore {
    /// Limits on what an archive may ask to unpack (a zip that inflates without end is refused
    /// before anything is written).
    public enum RestoreLimit {
        public static let entryBytes: UInt64 = 4 << 30
        public static let totalBytes: UInt64 = 256 << 30
        public static let entries = 2_000_000
    }

    /// Restores the run in `archive` under this store's root; returns the run folder's name and
    /// a note when the archive holds no data set.
    public func restore(archive path: String) throws -> (run: String, note: String?) {
        func refuse(_ why: String) -> StorageError { .badArchive(path: path, problem: why) }
        guard FileKind(path: path) == .regular else {
            throw refuse(FileKind(path: path) == nil ? "there is no such file" : "it is not a regular file")
        }
        let zip: Archive
        do { zip = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw refuse("it is not a zip file asl-lab can read")
        }
        let (run, sums) = try Self.contents(of: zip, refuse: refuse)
        let destination = self.path(run)
        guard FileKind(path: destination) == nil else {
            throw refuse("\(destination) already exists; remove that run first (`asl-lab runs rm \(run)`) or restore into another folder with --reports")
        }
        let scratch: String
        do {
            try Folder.create(root)
            scratch = try Folder.createTemporary(beside: destination)
        } catch {
            throw StorageError.cannotWrite(path: error.path, reason: error.reason)
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for entry in zip where entry.type == .file {
            let relative = String(entry.path.dropFirst(run.count + 1))
            guard relative != "SHA256SUMS" else { continue }
            let target = ((scratch as NSString).appendingPathComponent(run) as NSString).appendingPathComponent(relative)
            var hasher = SHA256()
            var bytes = Data()
            do {
                _ = try zip.extract(entry, skipCRC32: false) { chunk in
                    hasher.update(chunk)
                    bytes.append(chunk)
                    if UInt64(bytes.count) > entry.uncompressedSize { throw StorageError.badArchive(path: path, problem: "\(entry.path) inflates beyond its recorded size") }
                }
            } catch let error as StorageError {
                throw error
            } catch {
                throw refuse("\(entry.path) cannot be read back (\((error as NSError).localizedDescription))")
            }
            guard SHA256.hexString(hasher.finalize()) == sums[entry.path] else {
                throw refuse("\(entry.path) does not match its SHA-256 in SHA256SUMS; the archive is damaged")
            }
            do {
                try Folder.create(PathText.parent(target))
                try AtomicFile.createNew(bytes, at: target)
            } catch {
                throw StorageError.cannotWrite(path: error.path, reason: error.reason)
            }
        }
        let unpacked = RunStore(root: scratch)
        guard let manifest = unpacked.manifest(run) else { throw refuse("it holds no readable \(run)/\(RunManifest.fileName), so it is not a run archive") }
        try unpacked.verifyArtifacts(of: run, manifest: manifest, files: try StageCache.files(under: unpacked.path(run)))
        do { try Folder.syncFileSystem(containing: scratch) } catch { throw StorageError.cannotWrite(path: error.path, reason: error.reason) }
        guard FileKind(path: destination) == nil, rename(unpacked.path(run), destination) == 0 else {
            throw StorageError.cannotWrite(path: destination, reason: FileKind(path: destination) == nil ? SystemReason.current(path: destination) : "it appeared while the archive was unpacked")
        }
        try writeIndex()
        let hasData = FileKind(path: (destination as NSString).appendingPathComponent(Self.archivedDataset + "/labels.csv")) == .regular
        return (run, hasData ? nil : "The archive holds no data set (it had left the cache before the run was archived), so the report shows no images; `asl-lab run --config \(destination)/config.yaml` draws it again, byte for byte.")
    }

    /// Where an archive keeps the run's data set, inside the run folder (where the report looks).
    public static let archivedDataset = RunInputs.carriedDataset

    /// The run folder's name and the SHA-256 of every entry, after checking that the archive is
    /// one run folder whose every file is listed in its `SHA256SUMS`, with safe names and sizes.
    static func contents(of zip: Archive, refuse: (String) -> StorageError) throws -> (run: String, sums: [String: String]) {
        var files: [Entry] = []
        var total: UInt64 = 0
        for entry in zip {
            guard files.count < RestoreLimit.entries else { throw refuse("it holds more than \(RestoreLimit.entries) entries") }
            switch entry.type {
            case .symlink: throw refuse("\(entry.path) is a symbolic link, which asl-lab archives never hold")
            case .directory: continue
            case .file: break
            }
            guard entry.uncompressedSize <= RestoreLimit.entryBytes else { throw refuse("\(entry.path) would inflate to \(ByteCount.text(Int(clamping: entry.uncompressedSize)))") }
            total += entry.uncompressedSize
            guard total <= RestoreLimit.totalBytes else { throw refuse("it would inflate to more than \(ByteCount.text(Int(clamping: RestoreLimit.totalBytes)))") }
            files.append(entry)
        }
        guard let sumsEntry = files.first(where: { $0.path.hasSuffix("/SHA256SUMS") && $0.path.split(separator: "/").count == 2 }) else {
            throw refuse("it has no RUN/SHA256SUMS, so it was not made by `asl-lab runs archive`")
        }
        let run = String(sumsEntry.path.split(separator: "/")[0])
        guard !run.hasPrefix("."), run != "..", !run.contains("\\") else { throw refuse("its run folder name \(run) is not one asl-lab makes") }
        var text = Data()
        do {
            guard sumsEntry.uncompressedSize <= 256 << 20 else { throw refuse("its SHA256SUMS is too large") }
            _ = try zip.extract(sumsEntry, skipCRC32: false) { text.append($0) }
        } catch let error as StorageError { throw error } catch { throw refuse("its SHA256SUMS cannot be read") }
        var sums: [String: String] = [:]
        for (number, line) in String(decoding: text, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let hex = line.prefix(64)
            guard line.count > 66, hex.allSatisfy(\.isHexDigit), line.dropFirst(64).hasPrefix("  ") else {
                throw refuse("line \(number + 1) of SHA256SUMS is not \"<sha256>  <path>\"")
            }
            sums[String(line.dropFirst(66))] = hex.lowercased()
        }
        for entry in files where entry.path != sumsEntry.path {
            guard entry.path.hasPrefix(run + "/"), StageCache.isSafeRelativePath(entry.path) else {
                throw refuse("\(entry.path) lies outside the run folder \(run)/")
            }
            guard sums[entry.path] != nil else { throw refuse("\(entry.path) is not listed in SHA256SUMS") }
        }
        let present = Set(files.map(\.path))
        if let missing = sums.keys.sorted().first(where: { !present.contains($0) }) {
            throw refuse("SHA256SUMS lists \(missing), which the archive does not hold")
        }
        return (run, sums)
    }
}
