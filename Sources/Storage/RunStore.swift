import AtomicIO
import BuildInfo
import Digest
import FileFormats
import Foundation
import Report
import Synth
import ZIPFoundation

/// The run folders under a reports root: listing, finding, comparing and archiving runs,
/// and the root's `index.html`.
public struct RunStore: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// Run folders (names) that hold a status or a manifest, sorted by name (= by start time).
    /// Runs that never finished are listed too: their status says so.
    public func runs() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { !$0.hasPrefix(".") && (FileKind(path: path($0, RunStatus.fileName)) == .regular
            || FileKind(path: path($0, RunManifest.fileName)) == .regular) }.sorted()
    }

    /// What a run folder's status is now (see `RunStatus.effective`). A folder written before
    /// status files existed counts as complete when its manifest records the report stage.
    public func status(_ run: String) -> RunStatus.State {
        statusRecord(run)?.state ?? (manifest(run)?.stages.contains { $0.name == PipelineStage.report.rawValue } == true ? .complete : .interrupted)
    }

    public func statusRecord(_ run: String) -> RunStatus? {
        RunStatus.read(runFolder: path(run))?.effective
    }

    /// "complete", or "interrupted during train (resume: …)" for messages and lists.
    public func statusText(_ run: String) -> String {
        guard let record = statusRecord(run) else { return status(run).rawValue }
        return record.summary
    }

    public func path(_ run: String, _ file: String = "") -> String {
        let folder = (root as NSString).appendingPathComponent(run)
        return file.isEmpty ? folder : (folder as NSString).appendingPathComponent(file)
    }

    public func manifest(_ run: String) -> RunManifest? {
        RunManifest.readIfPresent(folder: path(run))
    }

    /// The run's manifest, nil when it has none (it stopped before recording anything); throws
    /// when `manifest.json` is there but cannot be read, so that a damaged manifest is never
    /// taken for a run that recorded nothing.
    public func recordedManifest(_ run: String) throws(RecordError) -> RunManifest? {
        let file = path(run, RunManifest.fileName)
        guard FileKind(path: file) != nil else { return nil }
        return try RunManifest.read(path: file)
    }

    public func latestManifest() -> RunManifest? {
        runs().last.flatMap(manifest)
    }

    /// Throws unless the reports root is an existing folder: a mistyped `--reports` must not
    /// read as "no runs yet".
    public func requireRoot() throws {
        guard FileKind(path: root) == .folder else {
            throw StorageError.noReportsFolder(root, exists: FileKind(path: root) != nil)
        }
    }

    /// The run folder an id names, in this order: its full folder name; the run whose name (as
    /// given to `--name`, or its folder name without the time stamp) is exactly `id`; a part of
    /// a folder name that only one run has. An exact name wins over runs that merely contain it
    /// (`small` is the run named small, not also `small-lr`).
    public func resolve(_ id: String) throws -> String {
        try requireRoot()
        let all = runs()
        if all.contains(id) { return id }
        let named = all.filter { runName($0) == id || manifest($0)?.name == id }
        if named.count == 1 { return named[0] }
        if named.count > 1 { throw StorageError.ambiguousRun(id, matches: named) }
        let matches = all.filter { $0.contains(id) }
        guard !matches.isEmpty else { throw StorageError.noSuchRun(id, reports: root) }
        guard matches.count == 1 else { throw StorageError.ambiguousRun(id, matches: matches) }
        return matches[0]
    }

    /// `runs rm ID`: removes a run folder that is not running, then rewrites the index. The
    /// folder is renamed away first, so it leaves the listings at once, whole, even if the
    /// removal of its files is cut short. Cache entries it used stay (`cache prune` removes them).
    public func remove(_ id: String) throws -> String {
        let run = try resolve(id)
        if let record = statusRecord(run), record.state == .running {
            throw StorageError.runStillRunning(run, pid: record.pid)
        }
        let doomed: String
        do { doomed = try Folder.createTemporary(beside: path(run)) } catch {
            throw StorageError.cannotWrite(path: root, reason: error.reason)
        }
        let moved = (doomed as NSString).appendingPathComponent(run)
        guard rename(path(run), moved) == 0 else {
            let reason = SystemReason.current(path: path(run))
            try? FileManager.default.removeItem(atPath: doomed)
            throw StorageError.cannotWrite(path: path(run), reason: "it could not be moved away for removal (\(reason))")
        }
        do { try FileManager.default.removeItem(atPath: doomed) } catch {
            throw StorageError.cannotWrite(path: doomed, reason: "the run left the listings, but its files could not all be removed (\((error as NSError).localizedDescription)); remove that folder by hand")
        }
        try writeIndex()
        return run
    }

    /// A run folder's name without its `YYYYmmdd-HHMMSS-` time stamp (the folder name itself
    /// when it has none).
    func runName(_ folder: String) -> String {
        let parts = folder.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 8, parts[1].count == 6, parts[0].allSatisfy(\.isNumber), parts[1].allSatisfy(\.isNumber) else { return folder }
        return String(parts[2])
    }

    /// One row per run for `runs list` and the index page.
    public struct Row: Equatable, Sendable {
        public var folder: String
        public var name: String
        public var created: String
        public var imagesPerLetter: String
        public var epochs: String
        public var accuracy: Double?
        public var mae: Double?
        public var seconds: Double
        public var hasReport: Bool
        /// "complete", "running", "interrupted during train", "failed during report".
        public var status: String
        public var note: String?
        public var tags: [String] = []
        /// Every config key with its canonical value, from the manifest (empty without one).
        public var config: [String: String] = [:]

        /// A config key's value, also for a run from before the key existed.
        public func configValue(_ key: String) -> String? {
            config[key] ?? RunManifest.configKeysAddedLater[key]
        }
    }

    public func rows() -> [Row] {
        runs().map { run in
            let hasReport = FileKind(path: path(run, ReportFiles.index)) == .regular
            let recorded: RunManifest?, damaged: String
            do { (recorded, damaged) = (try recordedManifest(run), "") } catch {
                // Its metrics are missing because the manifest is damaged, not because the run recorded none.
                (recorded, damaged) = (nil, "; its manifest.json cannot be read")
            }
            guard let m = recorded else {
                let record = statusRecord(run)
                return Row(folder: run, name: run, created: record?.started ?? "–", imagesPerLetter: "–", epochs: "–", accuracy: nil, mae: nil,
                           seconds: 0, hasReport: hasReport, status: statusText(run) + damaged, note: nil)
            }
            return Row(folder: run, name: m.name, created: m.created, imagesPerLetter: m.config["data.images_per_letter"] ?? "–",
                       epochs: m.config["train.epochs"] ?? "–", accuracy: m.metrics.testAccuracy, mae: m.metrics.testDistanceMAE,
                       seconds: m.seconds, hasReport: hasReport, status: statusText(run), note: m.note, tags: m.tags, config: m.config)
        }
    }

    /// `runs list`: an aligned text table.
    public func listText() -> String { listText(rows()) }

    /// `runs list` of chosen rows (`RunQuery`), in their order.
    public func listText(_ rows: [Row], filtered: Bool = false) -> String {
        guard !rows.isEmpty else {
            return filtered ? "No run in \(root) matches.\n" : "No runs in \(root) yet; `asl-lab run` makes one.\n"
        }
        let table = [["run", "status", "images/letter", "epochs", "test accuracy", "distance MAE", "duration", "tags", "note"]] + rows.map { row in
            [row.folder, row.status, row.imagesPerLetter, row.epochs, row.accuracy.map { String(format: "%.2f %%", $0 * 100) } ?? "–",
             row.mae.map { String(format: "%.3f", $0) } ?? "–", Self.duration(row.seconds), row.tags.joined(separator: ","),
             Self.oneLine(row.note ?? "", limit: 60)]
        }
        let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max()! }
        return table.map { row in
            let line = zip(row, widths).enumerated().map { i, cell in
                i <= 1 || i >= 7 ? cell.0.padding(toLength: cell.1, withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: cell.1 - cell.0.count) + cell.0
            }.joined(separator: "  ")
            return String(line.reversed().drop(while: { $0 == " " }).reversed())
        }.joined(separator: "\n") + "\n"
    }

    /// A note on one line of at most `limit` characters, for tables.
    static func oneLine(_ text: String, limit: Int) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1f s", seconds) : String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60)
    }

    /// Rewrites `root/index.html` (through the report's templates): every run with its status,
    /// linking to its report.
    /// A sweep folder's index is its sweep report, which `asl-lab report --sweep` writes.
    public func writeIndex() throws {
        guard !SweepRecord.isSweepFolder(root) else { return }
        let rows = rows().map { row in
            RunsIndexPage.Row(folder: row.folder, name: row.name, status: row.status, started: row.created, imagesPerLetter: row.imagesPerLetter,
                              epochs: row.epochs, accuracy: row.accuracy.map { String(format: "%.2f %%", $0 * 100) } ?? "–",
                              mae: row.mae.map { String(format: "%.3f", $0) } ?? "–", duration: Self.duration(row.seconds), hasReport: row.hasReport,
                              note: row.note ?? "", tags: row.tags.joined(separator: ", "), accuracyValue: row.accuracy)
        }
        let sweeps = SweepFolder.all(in: root).compactMap { $0.headline() }
        do { try RunsIndexPage.write(rows: rows, sweeps: sweeps, to: root, toolVersion: ToolInfo.version) } catch {
            throw StorageError.cannotWrite(path: (root as NSString).appendingPathComponent(ReportFiles.index), reason: "\(error)")
        }
    }

    /// `runs compare A B`: the config keys that differ and the metric deltas.
    public func compareText(_ a: String, _ b: String) throws -> String {
        try compareText([a, b])
    }

    /// A run being compared: the store that holds it and its folder name there.
    struct Compared {
        var store: RunStore
        var run: String
        var manifest: RunManifest
    }

    /// `runs compare A B C …`: the config keys that differ, the metrics of each run and how they
    /// moved from A, and a compare page in this reports folder. An id is a run of this folder
    /// (its name or a unique part of its folder name) or the path of a run folder anywhere.
    public func compareText(_ ids: [String]) throws -> String {
        guard (2...ComparePage.maximumRuns).contains(ids.count) else {
            throw StorageError.badQuery("`runs compare` takes 2 to \(ComparePage.maximumRuns) runs, not \(ids.count).")
        }
        var runs: [Compared] = []
        for id in ids {
            let (store, run) = try locate(id)
            let recorded: RunManifest?
            do { recorded = try store.recordedManifest(run) } catch { throw StorageError.unreadableManifest(run, problem: error.description) }
            guard let manifest = recorded else { throw StorageError.nothingRecorded(run, status: store.statusText(run)) }
            guard !runs.contains(where: { $0.store.path($0.run) == store.path(run) }) else {
                throw StorageError.badQuery("\(id) names the run \(run) a second time; compare different runs.")
            }
            runs.append(Compared(store: store, run: run, manifest: manifest))
        }
        let letters = runs.indices.map(ComparePage.letter)
        let two = runs.count == 2
        var lines = [two ? "Comparing \(runs[0].run) (A) with \(runs[1].run) (B)."
                         : "Comparing " + runs.enumerated().map { "\($1.run) (\(letters[$0]))" }.joined(separator: ", ") + "."]
        for (i, run) in runs.enumerated() where run.store.status(run.run) != .complete {
            lines.append("\(letters[i]) is not complete (\(run.store.statusText(run.run))): its metrics may be missing or from an unfinished run.")
        }
        lines.append("")
        let manifests = runs.map(\.manifest)
        let keys = manifests.reduce(Set<String>()) { $0.union($1.config.keys) }.sorted().filter { key in
            Set(manifests.map { $0.configValue(key) ?? "–" }).count > 1
        }
        if keys.isEmpty {
            lines.append("Config: identical (hash \(manifests[0].configHash.prefix(12))).")
        } else {
            lines.append("Config keys that differ:")
            let width = keys.map(\.count).max()!
            for key in keys {
                lines.append("  " + key.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                             + manifests.enumerated().map { "\(letters[$0]): \($1.configValue(key) ?? "–")" }.joined(separator: "   "))
            }
        }
        lines.append("")
        lines.append(two ? "Metrics (B − A):" : "Metrics (Δ: each run − A):")
        func metric(_ name: String, _ values: [Double?], scale: Double, unit: String, digits: Int, deltaUnit: String? = nil) {
            let f = "%.\(digits)f"
            let text = values.enumerated().map { "\(letters[$0]): " + ($1.map { String(format: f, $0 * scale) + unit } ?? "–") }
            let deltas = values.dropFirst().map { y in
                (values[0] != nil && y != nil) ? String(format: "%+.\(digits)f", (y! - values[0]!) * scale) + (deltaUnit ?? unit) : "–"
            }
            lines.append("  \(name.padding(toLength: 14, withPad: " ", startingAt: 0))  " + text.joined(separator: "   ") + "   Δ " + deltas.joined(separator: ", "))
        }
        metric("test accuracy", manifests.map(\.metrics.testAccuracy), scale: 100, unit: " %", digits: 2, deltaUnit: " points")
        metric("distance MAE", manifests.map(\.metrics.testDistanceMAE), scale: 1, unit: "", digits: 3)
        metric("duration", manifests.map(\.seconds), scale: 1, unit: " s", digits: 1)
        let page: String
        do {
            page = try ComparePage.write(runs.map { compared($0) }, root: root, toolVersion: ToolInfo.version)
        } catch {
            throw StorageError.cannotWrite(path: root, reason: "the compare page could not be written: \(error)")
        }
        // The index links every compare page of its folder.
        try writeIndex()
        lines.append("")
        lines.append("Compare page with \(two ? "both" : "all \(runs.count)") runs' training curves and figures side by side: \(page)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The store and run an id names: a path to a run folder (containing "/"), else a run here.
    func locate(_ id: String) throws -> (RunStore, String) {
        guard id.contains("/"), FileKind(path: id) == .folder else { return (self, try resolve(id)) }
        let folder = URL(fileURLWithPath: id).standardizedFileURL
        let store = RunStore(root: folder.deletingLastPathComponent().path)
        return (store, try store.resolve(folder.lastPathComponent))
    }

    /// What the compare page shows of one run; its folder is written relative to this root.
    func compared(_ run: Compared) -> ComparePage.Run {
        let folder = run.store.path(run.run)
        let figures = ((try? FileManager.default.contentsOfDirectory(atPath: (folder as NSString).appendingPathComponent(ReportFiles.figures))) ?? [])
            .filter { $0.hasSuffix(".svg") }.map { String($0.dropLast(4)) }.sorted()
        return ComparePage.Run(folder: Self.relativePath(from: root, to: folder), manifest: run.manifest,
                               history: (try? TrainingHistory.read(folder: folder)) ?? [], figures: figures, status: run.store.statusText(run.run))
    }

    /// `to` as seen from the folder `from` ("run", "../other/run").
    static func relativePath(from: String, to: String) -> String {
        let a = URL(fileURLWithPath: from).standardizedFileURL.pathComponents, b = URL(fileURLWithPath: to).standardizedFileURL.pathComponents
        let common = zip(a, b).prefix { $0 == $1 }.count
        return (Array(repeating: "..", count: a.count - common) + b[common...]).joined(separator: "/")
    }

    /// `runs archive ID`: a zip of a complete run folder and the data set it references, with a
    /// `SHA256SUMS` entry; every entry is read back and checked against it before the zip is
    /// moved into place. Only what can be verified goes in: the run's stage outputs must still
    /// match the SHA-256 its manifest recorded, and the data set must be a sealed asl-lab cache
    /// entry whose every file matches its seal. Returns the archive path, the number of files
    /// and a note when the data set is no longer in the cache (the run is archived without it).
    public func archive(_ id: String, to output: String?) throws -> (path: String, files: Int, note: String?) {
        let run = try resolve(id)
        guard status(run) == .complete else { throw StorageError.incompleteRun(run, status: statusText(run)) }
        guard let manifest = manifest(run) else { throw StorageError.noSuchRun(id, reports: root) }
        let destination = output ?? path(run) + ".zip"
        let runFiles = try StageCache.files(under: path(run))
        try verifyArtifacts(of: run, manifest: manifest, files: runFiles)
        var entries: [(name: String, source: String)] = runFiles.map { ("\(run)/\($0)", path(run, $0)) }
        var note: String?
        if FileKind(path: manifest.dataset) == nil {
            note = "The data set \(manifest.dataset) is no longer in the cache, so the archive holds the run without it; `asl-lab run` with the run's config.yaml draws it again, byte for byte."
        } else {
            try Self.verifyDataset(manifest: manifest)
            entries += try StageCache.files(under: manifest.dataset).filter { $0 != StageCache.sealName }
                .map { ("\(run)/\(Self.archivedDataset)/\($0)", (manifest.dataset as NSString).appendingPathComponent($0)) }
        }
        var sums: [String] = []
        for entry in entries {
            guard let sum = StageCache.sha256(path: entry.source) else {
                throw StorageError.cannotWrite(path: destination, reason: "\(entry.source) cannot be read")
            }
            sums.append("\(sum)  \(entry.name)")
        }
        Folder.removeLeftovers(in: (PathText.parent(destination) as NSString).standardizingPath)
        // The zip is made inside a new folder with an unpredictable name (the zip library
        // creates its file by name), then renamed over the destination.
        let scratch = try Folder.createTemporary(beside: destination)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let temporary = (scratch as NSString).appendingPathComponent("archive.zip")
        do {
            let zip = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
            for entry in entries {
                try zip.addEntry(with: entry.name, fileURL: URL(fileURLWithPath: entry.source), compressionMethod: entry.name.hasSuffix(".png") ? .none : .deflate)
            }
            let sumsData = Data((sums.joined(separator: "\n") + "\n").utf8)
            try zip.addEntry(with: "\(run)/SHA256SUMS", type: .file, uncompressedSize: Int64(sumsData.count), compressionMethod: .deflate) { position, size in
                sumsData.subdata(in: Int(position)..<(Int(position) + size))
            }
            try Self.verify(archive: temporary, sums: sums)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.cannotWrite(path: destination, reason: "the zip could not be written (\((error as NSError).localizedDescription))")
        }
        try AtomicFile.replace(destination, with: temporary, durability: .powerLoss)
        return (destination, entries.count, note)
    }

    /// The run's stage outputs (model, history, analysis) must still be the bytes the manifest
    /// recorded; report pages and figures may have been drawn again since (`asl-lab report`).
    func verifyArtifacts(of run: String, manifest: RunManifest, files: [String]) throws {
        let present = Set(files)
        for (file, expected) in manifest.artifacts.sorted(by: { $0.key < $1.key }) where !Self.isReportOutput(file) {
            guard StageCache.isSafeRelativePath(file), present.contains(file) else {
                throw StorageError.cache(path: path(run, file), problem: "the manifest lists it, but the run folder no longer holds it as a file")
            }
            guard StageCache.sha256(path: path(run, file)) == expected else {
                throw StorageError.cache(path: path(run, file), problem: "its SHA-256 no longer matches the one the run recorded in manifest.json, so the archive would not hold what the run made")
            }
        }
    }

    /// Files `asl-lab report` (re)writes in a run folder.
    public static func isReportOutput(_ file: String) -> Bool {
        file.hasSuffix(".html") || file == ReportFiles.stylesheet || file.hasPrefix(ReportFiles.figures + "/")
    }

    /// The data set a manifest names must be a sealed `generate` entry of an asl-lab cache (its
    /// folder named by the key the manifest recorded), hold an asl-lab `dataset.json`, and have
    /// every file match its seal; anything else (a manifest edited to name /etc) is refused.
    static func verifyDataset(manifest: RunManifest) throws {
        let folder = manifest.dataset
        let key = (folder as NSString).lastPathComponent
        let stageFolder = PathText.parent(folder)
        let recorded = manifest.stages.first { $0.name == PipelineStage.generate.rawValue }?.key
        func refuse(_ why: String) -> StorageError {
            .cache(path: folder, problem: "the run's manifest names it as its data set, but \(why); it is not archived")
        }
        guard FileKind(path: folder) == .folder else { throw refuse("it is not a folder (a link or a file)") }
        guard (stageFolder as NSString).lastPathComponent == PipelineStage.generate.rawValue, key == recorded else {
            throw refuse("it is not the cache entry of the data set the run used (generate key \(recorded.map { String($0.prefix(12)) } ?? "unknown"))")
        }
        let cache = StageCache(root: PathText.parent(stageFolder))
        guard let seal = cache.seal(stage: PipelineStage.generate.rawValue, key: key), seal.key == key else {
            throw refuse("it has no seal (\(StageCache.sealName)) of an asl-lab cache entry")
        }
        if case .corrupt(let why) = cache.state(stage: PipelineStage.generate.rawValue, key: key, verify: .content) {
            throw refuse("its files no longer match their seal (\(why)); `asl-lab cache verify` removes damaged entries")
        }
        let sealed = Set(seal.files.map(\.path)).union([StageCache.sealName])
        if let extra = try StageCache.files(under: folder).first(where: { !sealed.contains($0) }) {
            throw refuse("it holds \(extra), which its seal does not list")
        }
        do { _ = try DatasetManifest.verify(folder: folder) } catch { throw refuse("\(error)") }
    }

    /// Reads every entry listed in `sums` back from the zip and checks its SHA-256.
    public static func verify(archive path: String, sums: [String]) throws {
        let zip = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        for line in sums {
            let expected = String(line.prefix(64)), name = String(line.dropFirst(66))
            guard let entry = zip[name] else { throw StorageError.cannotWrite(path: path, reason: "the entry \(name) is missing from the archive") }
            var hasher = SHA256()
            _ = try zip.extract(entry, skipCRC32: false) { hasher.update($0) }
            guard SHA256.hexString(hasher.finalize()) == expected else { throw StorageError.cannotWrite(path: path, reason: "the entry \(name) does not read back intact") }
        }
    }
}
