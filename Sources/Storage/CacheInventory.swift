import AtomicIO
import FileFormats
import Foundation
import Report

/// What a cache holds and which run folders use it: `asl-lab cache list` and `cache size`, and
/// the basis of `cache prune`. An entry is *used* when a run folder's manifest (in one of the
/// reports folders looked at) records its key: the data set a run names, its model and
/// analysis, the figures its report reuses. Keys are SHA-256 of everything a stage's output
/// depends on, stage name included, so a key alone names an entry.
public struct CacheInventory: Sendable {
    public struct Entry: Equatable, Sendable {
        public var stage: String
        public var key: String
        public var folder: String
        /// Bytes of every file in the entry's folder (seal included), as on disk now.
        public var bytes: UInt64
        public var files: Int
        /// Sealed and readable; else the reason it is not trustworthy (a later run recomputes it).
        public var damage: String?
        /// When it was sealed (the seal's modification time).
        public var sealed: Date?
        /// Run folders (reports-root relative names) whose manifest records this key.
        public var usedBy: [String]
        /// The newest start time of a run using it, else when it was sealed: the order in which
        /// `prune --max-size` gives entries up (least recently used first).
        public var lastUsed: Date
        /// One phrase on what it is ("data set of 11 700 images").
        public var what: String
    }

    /// An unfinished stage folder (`<key>.partial`): what an interrupted run resumes from.
    public struct Unfinished: Equatable, Sendable {
        public var stage: String
        public var key: String
        public var folder: String
        public var bytes: UInt64
    }

    /// A run folder whose manifest is there but cannot be read: which entries it uses is unknown.
    public struct UnreadableRun: Equatable, Sendable {
        /// As in `Entry.usedBy`.
        public var run: String
        /// What is wrong, naming the file.
        public var problem: String
    }

    public let root: String
    public let reportsRoots: [String]
    public var entries: [Entry]
    public var unfinished: [Unfinished]
    /// Runs counted as using nothing because their manifests cannot be read (see `UnreadableRun`).
    public var unreadableRuns: [UnreadableRun] = []

    public var bytes: UInt64 { entries.reduce(0) { $0 + $1.bytes } + unfinished.reduce(0) { $0 + $1.bytes } }
    public var unusedBytes: UInt64 { entries.filter(\.usedBy.isEmpty).reduce(0) { $0 + $1.bytes } }

    /// Looks through the cache at `root` and the run folders under `reportsRoots`.
    public static func scan(root: String, reportsRoots: [String]) throws -> CacheInventory {
        guard FileKind(path: root) == .folder else {
            throw StorageError.cacheFolder(path: root, problem: FileKind(path: root) == nil ? "there is no cache folder there" : "it is not a folder")
        }
        let (users, unreadable) = try usage(reportsRoots: reportsRoots)
        let cache = StageCache(root: root)
        var entries: [Entry] = []
        for (stage, key) in cache.entries() {
            let folder = cache.folder(stage: stage, key: key)
            let size = Self.size(of: folder)
            let seal = cache.seal(stage: stage, key: key)
            let sealed = Self.modified(folder + "/" + CacheSeal.fileName)
            var damage: String?
            if seal == nil || seal?.key != key {
                damage = "it has no readable seal"
            } else if case .corrupt(let why) = cache.state(stage: stage, key: key, verify: .metadata) {
                damage = why
            }
            let using = users[key] ?? []
            let lastUsed = using.compactMap(\.started).max() ?? sealed ?? .distantPast
            entries.append(Entry(stage: stage, key: key, folder: folder, bytes: size.bytes, files: size.files, damage: damage,
                                 sealed: sealed, usedBy: using.map(\.run).sorted(), lastUsed: lastUsed,
                                 what: Self.describe(stage: stage, folder: folder, files: size.files, seal: seal)))
        }
        var unfinished: [Unfinished] = []
        for stage in cache.stageFolders() {
            let stageFolder = (root as NSString).appendingPathComponent(stage)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: stageFolder)) ?? []).sorted() where name.hasSuffix(".partial") {
                let folder = (stageFolder as NSString).appendingPathComponent(name)
                unfinished.append(Unfinished(stage: stage, key: String(name.dropLast(".partial".count)), folder: folder,
                                             bytes: Self.size(of: folder).bytes))
            }
        }
        return CacheInventory(root: root, reportsRoots: reportsRoots, entries: entries, unfinished: unfinished, unreadableRuns: unreadable)
    }

    /// For each cache key, the runs under `reportsRoots` whose manifests record it (and when each
    /// started); and the runs whose manifests cannot be read.
    private static func usage(reportsRoots: [String]) throws -> (users: [String: [(run: String, started: Date?)]], unreadable: [UnreadableRun]) {
        for reports in reportsRoots { try RunStore(root: reports).requireRoot() }
        var users: [String: [(run: String, started: Date?)]] = [:]
        var unreadable: [UnreadableRun] = []
        for reports in reportsRoots {
            let store = RunStore(root: reports)
            for run in store.runs() {
                let label = reportsRoots.count == 1 ? run : (reports as NSString).appendingPathComponent(run)
                let recorded: RunManifest?
                do { recorded = try store.recordedManifest(run) } catch {
                    unreadable.append(UnreadableRun(run: label, problem: error.description))
                    continue
                }
                guard let manifest = recorded else { continue }
                let started = ISO8601DateFormatter().date(from: manifest.created)
                var keys = Set(manifest.stages.compactMap(\.key))
                keys.insert((manifest.dataset as NSString).lastPathComponent)
                for key in keys { users[key, default: []].append((label, started)) }
            }
        }
        return (users, unreadable)
    }

    /// Bytes and regular files under `folder`, links not followed.
    static func size(of folder: String) -> (bytes: UInt64, files: Int) {
        var bytes: UInt64 = 0, files = 0
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return (0, 0) }
        while let relative = walker.nextObject() as? String {
            if let facts = FileFacts(path: (folder as NSString).appendingPathComponent(relative)) {
                bytes += facts.size
                files += 1
            }
        }
        return (bytes, files)
    }

    static func modified(_ path: String) -> Date? {
        FileFacts(path: path).map { Date(timeIntervalSince1970: Double($0.modified) / 1e9) }
    }

    /// A phrase on an entry, from what it holds.
    static func describe(stage: String, folder: String, files: Int, seal: CacheSeal?) -> String {
        switch stage {
        case PipelineStage.generate.rawValue:
            let images = seal?.files.filter { $0.path.hasSuffix(".png") }.count ?? 0
            return "data set of \(Count.of(images, "image"))"
        case PipelineStage.train.rawValue:
            guard let summary = try? TrainingSummary.read(folder: folder) else { return "model" }
            var text = "model"
            if let epochs = summary.epochs { text += ", " + Count.of(epochs, "epoch") }
            if let accuracy = summary.testAccuracy { text += String(format: ", test accuracy %.2f %%", accuracy * 100) }
            return text
        case PipelineStage.analyse.rawValue:
            return "analysis: metrics, embeddings, t-SNE and PCA maps"
        default:
            return stage == ReportFiles.figuresCacheStage ? "report figures, reused by cached runs" : Count.of(files, "file")
        }
    }

}

extension CacheInventory {
    /// `cache list`: one line per entry, what it is and which runs use it.
    public func listText() -> String {
        guard !entries.isEmpty || !unfinished.isEmpty else { return "The cache \(root) is empty.\n" }
        let stamp = DateFormatter()
        stamp.dateFormat = "yyyy-MM-dd HH:mm"
        stamp.locale = Locale(identifier: "en_US_POSIX")
        var rows = [["entry", "size", "sealed", "used by", "what"]]
        for entry in entries {
            let users = entry.usedBy.isEmpty ? "no run" : entry.usedBy.count <= 2 ? entry.usedBy.joined(separator: ", ")
                : "\(entry.usedBy[0]) and \(entry.usedBy.count - 1) other runs"
            rows.append(["\(entry.stage)/\(entry.key.prefix(12))", ByteCount.text(Int(clamping: entry.bytes)), entry.sealed.map(stamp.string) ?? "–",
                         users, entry.damage.map { "DAMAGED (\($0)): \(entry.what)" } ?? entry.what])
        }
        for folder in unfinished {
            rows.append(["\(folder.stage)/\(folder.key.prefix(12)).partial", ByteCount.text(Int(clamping: folder.bytes)), "–", "–",
                         "unfinished stage: an interrupted run resumes from it"])
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max()! }
        let lines = rows.map { row in
            (0..<4).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row[4]
        }
        return lines.joined(separator: "\n") + "\n\n" + sizeSummary() + "\n"
    }

    /// `cache size`: the total, by stage, and how much no run uses.
    public func sizeText() -> String {
        var lines = ["The cache \(root) holds \(ByteCount.text(Int(clamping: bytes))):"]
        let stages = Set(entries.map(\.stage)).sorted()
        let width = max(10, stages.map(\.count).max() ?? 0)
        for stage in stages {
            let of = entries.filter { $0.stage == stage }
            lines.append("  " + stage.padding(toLength: width, withPad: " ", startingAt: 0)
                         + "  \(ByteCount.text(Int(clamping: of.reduce(0) { $0 + $1.bytes })))  (\(Count.of(of.count, "entry", plural: "entries")))")
        }
        if !unfinished.isEmpty {
            lines.append("  " + "unfinished".padding(toLength: width, withPad: " ", startingAt: 0)
                         + "  \(ByteCount.text(Int(clamping: unfinished.reduce(0) { $0 + $1.bytes })))  (\(Count.of(unfinished.count, "stage")) an interrupted run resumes from)")
        }
        return lines.joined(separator: "\n") + "\n" + sizeSummary() + "\n"
    }

    func sizeSummary() -> String {
        let unused = entries.filter(\.usedBy.isEmpty)
        var text = "Used by runs in \(reportsRoots.joined(separator: ", ")): \(ByteCount.text(Int(clamping: bytes - unusedBytes - unfinished.reduce(0) { $0 + $1.bytes }))). "
        let prune = unreadableRuns.isEmpty ? "`asl-lab cache prune` removes them" : "`asl-lab cache prune` removes them once every run's manifest can be read"
        text += unused.isEmpty ? "Every entry is used by a run."
            : "Used by no run: \(ByteCount.text(Int(clamping: unusedBytes))) in \(Count.of(unused.count, "entry", plural: "entries")); \(prune)."
        for run in unreadableRuns {
            text += " The run \(run.run) is counted as using nothing, but may use some: \(run.problem)"
        }
        return text
    }
}
