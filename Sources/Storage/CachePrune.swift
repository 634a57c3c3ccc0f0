import AtomicIO
import Foundation

/// `asl-lab cache prune`: removes cache entries no run folder uses. With a size limit it stops
/// as soon as the cache fits, giving up the least recently used entries first; only then, and
/// never with `keepRuns`, entries that runs use. It holds the cache lock while it works, so an
/// entry a running `asl-lab run` is reading or writing is never touched (prune waits for it).
public enum CachePrune {
    public struct Options: Sendable {
        public var maxBytes: UInt64?
        public var keepRuns: Bool
        /// Also remove unfinished stage folders (an interrupted run then starts those stages over).
        public var unfinished: Bool
        public var dryRun: Bool

        public init(maxBytes: UInt64? = nil, keepRuns: Bool = false, unfinished: Bool = false, dryRun: Bool = false) {
            self.maxBytes = maxBytes
            self.keepRuns = keepRuns
            self.unfinished = unfinished
            self.dryRun = dryRun
        }
    }

    public struct Plan: Sendable {
        public var remove: [CacheInventory.Entry]
        public var removeUnfinished: [CacheInventory.Unfinished]
        /// Bytes the cache holds after the removals.
        public var remainingBytes: UInt64
    }

    /// What to remove, without removing it.
    public static func plan(_ inventory: CacheInventory, options: Options) -> Plan {
        let removeUnfinished = options.unfinished ? inventory.unfinished : []
        var remaining = inventory.bytes - removeUnfinished.reduce(0) { $0 + $1.bytes }
        let byAge = { (a: CacheInventory.Entry, b: CacheInventory.Entry) in (a.lastUsed, a.folder) < (b.lastUsed, b.folder) }
        let unused = inventory.entries.filter(\.usedBy.isEmpty).sorted(by: byAge)
        guard let limit = options.maxBytes else {
            return Plan(remove: unused, removeUnfinished: removeUnfinished, remainingBytes: remaining - unused.reduce(0) { $0 + $1.bytes })
        }
        var remove: [CacheInventory.Entry] = []
        let used = options.keepRuns ? [] : inventory.entries.filter { !$0.usedBy.isEmpty }.sorted(by: byAge)
        for entry in unused + used where remaining > limit {
            remove.append(entry)
            remaining -= entry.bytes
        }
        return Plan(remove: remove, removeUnfinished: removeUnfinished, remainingBytes: remaining)
    }

    /// Prunes the cache at `root` (see `Options`), writing a line per removed entry to `console`;
    /// returns the closing paragraph.
    public static func run(root: String, reportsRoots: [String], options: Options, console: @escaping (String) -> Void) throws -> String {
        guard FileKind(path: root) == .folder else { throw StorageError.cacheFolder(path: root, problem: "there is no cache folder there") }
        let lock = try CacheLock(cacheRoot: root) {
            console("A run is using the cache \(root); waiting for it to finish (and any other run using it)…\n")
        }
        defer { withExtendedLifetime(lock) {} }
        // Scanned before the leftovers go, which it does not count (temporaries, entry locks).
        let inventory = try CacheInventory.scan(root: root, reportsRoots: reportsRoots)
        // A run whose manifest cannot be read may use any entry: none can be called unused.
        guard inventory.unreadableRuns.isEmpty else { throw StorageError.unknownCacheUse(inventory.unreadableRuns) }
        if !options.dryRun {
            StageCache(root: root).removeLeftovers()
            // No run holds an entry lock while the cache is locked exclusively.
            CacheEntryLock.removeAll(cacheRoot: root)
        }
        let plan = plan(inventory, options: options)
        let verb = options.dryRun ? "would remove" : "removed"
        for entry in plan.remove {
            if !options.dryRun { try remove(entry.folder, sealed: true) }
            let users = entry.usedBy.isEmpty ? "used by no run" : "used by \(entry.usedBy.joined(separator: ", "))"
            console("\(verb)  \(entry.stage)/\(entry.key.prefix(12))  \(ByteCount.text(Int(clamping: entry.bytes)))  \(entry.what) (\(users))\n")
        }
        for folder in plan.removeUnfinished {
            if !options.dryRun { try remove(folder.folder, sealed: false) }
            console("\(verb)  \(folder.stage)/\(folder.key.prefix(12)).partial  \(ByteCount.text(Int(clamping: folder.bytes)))  unfinished stage\n")
        }
        return summary(inventory, plan: plan, options: options)
    }

    /// The seal goes first, so an entry whose removal is cut short is never trusted again.
    static func remove(_ folder: String, sealed: Bool) throws {
        if sealed { unlink((folder as NSString).appendingPathComponent(StageCache.sealName)) }
        do { try FileManager.default.removeItem(atPath: folder) } catch {
            throw StorageError.cache(path: folder, problem: "it could not be removed (\((error as NSError).localizedDescription))")
        }
    }

    static func summary(_ inventory: CacheInventory, plan: Plan, options: Options) -> String {
        let freed = inventory.bytes - plan.remainingBytes
        let count = plan.remove.count + plan.removeUnfinished.count
        var text = options.dryRun
            ? "Would remove \(count) of \(inventory.entries.count + inventory.unfinished.count) entries, \(ByteCount.text(Int(clamping: freed))); nothing was removed (dry run)."
            : "Removed \(Count.of(count, "entry", plural: "entries")), \(ByteCount.text(Int(clamping: freed))). "
        if !options.dryRun {
            text += "The cache \(inventory.root) now holds \(ByteCount.text(Int(clamping: plan.remainingBytes)))."
        }
        if let limit = options.maxBytes, plan.remainingBytes > limit {
            text += " It is still above \(ByteCount.text(Int(clamping: limit))): "
            text += options.keepRuns ? "the rest is used by run folders (--keep-runs keeps those)." : "the rest is unfinished stages (--unfinished removes them)."
        }
        let kept = plan.remove.contains { !$0.usedBy.isEmpty }
        if kept {
            text += " Runs whose entries were removed keep their model and analysis, but their data set is gone: `asl-lab run` with their config draws it again, byte for byte."
        }
        text += " Run folders looked at: \(inventory.reportsRoots.joined(separator: ", ")); entries used only by runs elsewhere count as unused."
        return text
    }
}

extension CachePrune {
    /// A size given on the command line (`ByteCount.parse`), or an error naming the option.
    public static func size(_ text: String, option: String) throws -> UInt64 {
        guard let bytes = ByteCount.parse(text) else { throw StorageError.notASize(option: option, text: text) }
        return bytes
    }
}
