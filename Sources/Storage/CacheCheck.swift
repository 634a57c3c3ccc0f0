import AtomicIO
import Foundation

/// `asl-lab cache verify`: every sealed entry of a cache is hashed again and compared with its
/// seal; damaged entries are removed (the next run that needs one computes it again), and the
/// temporaries of dead processes are cleaned up. Runs hold the cache lock while it works, so
/// no run is writing the entries being checked.
public enum CacheCheck {
    public struct Entry: Equatable, Sendable {
        public var stage: String
        public var key: String
        /// Nil when intact; else what is wrong with it.
        public var damage: String?
        public var bytes: UInt64
    }

    public struct Report: Sendable {
        public var entries: [Entry]
        /// Unfinished stages kept for resuming (`<key>.partial`).
        public var partial: [String]
        public var removedLeftovers: [String]
        public var damaged: [Entry] { entries.filter { $0.damage != nil } }
    }

    /// Verifies (and repairs, by removal) the cache at `root`; `progress` hears each entry.
    public static func verify(root: String, console: @escaping (String) -> Void) throws -> Report {
        guard FileKind(path: root) != nil else { throw StorageError.cacheFolder(path: root, problem: "it does not exist") }
        let lock = try CacheLock(cacheRoot: root) {
            console("A run is using the cache \(root); waiting for it to finish (and any other run using it)…\n")
        }
        defer { withExtendedLifetime(lock) {} }
        let cache = StageCache(root: URL(fileURLWithPath: root).standardizedFileURL.path)
        cache.removeLeftovers()
        var report = Report(entries: [], partial: [], removedLeftovers: [])
        for (stage, key) in cache.entries() {
            let folder = cache.folder(stage: stage, key: key)
            var damage: String?
            if case .corrupt(let why) = cache.state(stage: stage, key: key, verify: .content) { damage = why }
            let bytes = cache.seal(stage: stage, key: key)?.files.reduce(0) { $0 + $1.size } ?? 0
            if damage != nil { try? FileManager.default.removeItem(atPath: folder) }
            let entry = Entry(stage: stage, key: key, damage: damage, bytes: bytes)
            console(line(entry))
            report.entries.append(entry)
        }
        for stage in cache.stageFolders() {
            let stageFolder = (cache.root as NSString).appendingPathComponent(stage)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: stageFolder)) ?? []).sorted() where name.hasSuffix(".partial") {
                report.partial.append("\(stage)/\(name)")
            }
        }
        return report
    }

    static func line(_ entry: Entry) -> String {
        let name = "\(entry.stage)/\(entry.key.prefix(12))"
        guard let damage = entry.damage else { return "ok       \(name)  \(ByteCount.text(Int(clamping: entry.bytes)))\n" }
        return "DAMAGED  \(name)  \(damage): removed; the next run that needs it computes it again\n"
    }

    /// `verify`, then its closing paragraph; damage found is an error (exit status 1) so that
    /// scripts notice it.
    public static func verifyAndSummarise(root: String, console: @escaping (String) -> Void) throws -> String {
        let report = try verify(root: root, console: console)
        let text = summary(report, root: root)
        guard report.damaged.isEmpty else { throw StorageError.cacheDamaged(text) }
        return text
    }

    /// The closing paragraph.
    public static func summary(_ report: Report, root: String) -> String {
        var text = "Checked \(Count.of(report.entries.count, "cache entry", plural: "cache entries")) in \(root) by content: "
        text += report.damaged.isEmpty ? "all intact." : "\(report.damaged.count) damaged and removed."
        if !report.partial.isEmpty {
            text += " \(Count.of(report.partial.count, "unfinished stage folder")) (\(report.partial.joined(separator: ", "))) kept for resuming."
        }
        return text
    }
}
