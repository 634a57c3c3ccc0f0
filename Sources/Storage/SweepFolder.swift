import AtomicIO
import FileFormats
import Foundation
import Report

/// A sweep's folder, `REPORTS/<stamp>-sweep-<name>/`: `sweep.json`, `members/<member>.yaml`
/// (each member's whole config), the members' run folders and the sweep report. The same
/// sweep run again (the same member configs in the same order) finds its folder by the
/// sweep's hash and carries on in it.
public struct SweepFolder: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The folder of the sweep with `hash` under `reportsRoot`, the latest if several.
    public static func existing(hash: String, reportsRoot: String) -> SweepFolder? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: reportsRoot)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().reversed().lazy
            .map { SweepFolder(path: (reportsRoot as NSString).appendingPathComponent($0)) }
            .first { $0.record?.hash == hash }
    }

    public var record: SweepRecord? { SweepRecord.read(sweepFolder: path) }

    /// The sweep folders directly under `reportsRoot`, sorted by name (= by start time).
    public static func all(in reportsRoot: String) -> [SweepFolder] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: reportsRoot)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
            .map { SweepFolder(path: (reportsRoot as NSString).appendingPathComponent($0)) }
            .filter { SweepRecord.isSweepFolder($0.path) }
    }

    /// What became of one member.
    public struct MemberState: Sendable {
        /// Its latest run folder (name inside the sweep folder), nil if it never started.
        public var run: String?
        /// complete, failed, interrupted, running; nil if it never started.
        public var state: RunStatus.State?
        public var manifest: RunManifest?

        public var isComplete: Bool { state == .complete }
        /// "complete", "failed during train", "not run".
        public var summary: String
    }

    /// Each member's latest run in the folder, found by its config hash (so a member run by
    /// Slurm, locally or by hand counts alike).
    public func states(of record: SweepRecord) -> [String: MemberState] {
        let latest = latestRuns(RunStore(root: path).runs())
        return Dictionary(uniqueKeysWithValues: record.members.map { ($0.name, state(latest[$0.configHash])) })
    }

    /// One member's latest run, reading only the run folders named for it (a run folder's
    /// name ends with its run's name) rather than every member's manifest, unless none is.
    public func state(ofMember name: String, configHash: String) -> MemberState {
        let runs = RunStore(root: path).runs()
        let named = runs.filter { $0.hasSuffix("-" + PathText.fileNamePart(name)) }
        return state(latestRuns(named)[configHash] ?? latestRuns(runs)[configHash])
    }

    /// Config hash → the latest of `runs` (sorted by start time) with it, and its manifest.
    private func latestRuns(_ runs: [String]) -> [String: (run: String, manifest: RunManifest)] {
        let store = RunStore(root: path)
        var latest: [String: (run: String, manifest: RunManifest)] = [:]
        for run in runs {
            guard let manifest = store.manifest(run) else { continue }
            latest[manifest.configHash] = (run, manifest)
        }
        return latest
    }

    private func state(_ found: (run: String, manifest: RunManifest)?) -> MemberState {
        guard let (run, manifest) = found else { return MemberState(run: nil, state: nil, manifest: nil, summary: "not run") }
        let store = RunStore(root: path)
        return MemberState(run: run, state: store.status(run), manifest: manifest, summary: store.statusText(run))
    }

    /// What the sweep report shows of the sweep, from its files: each member's state and
    /// results, and with `details` its training curves and per-class accuracy too (which the
    /// index, needing only the best point, leaves unread).
    public func summary(of record: SweepRecord, details: Bool) -> SweepSummary {
        let states = states(of: record)
        let keys = record.axes.map(\.key)
        let members = record.members.map { member -> SweepSummary.Member in
            let state = states[member.name]
            let runFolder = details ? state?.run.map { (path as NSString).appendingPathComponent($0) } : nil
            var perClass: [String: Double] = [:]
            for item in runFolder.flatMap({ AnalysisMetrics.readIfPresent(folder: $0) })?.perClass ?? [] { perClass[item.letter] = item.recall }
            // A member of a Slurm submission that has not started yet is waiting in the queue.
            let queued = state?.run == nil ? record.slurm.flatMap { jobs in jobs.tasks[member.name].map { "queued as Slurm job \(jobs.arrayJob)_\($0)" } } : nil
            return SweepSummary.Member(
                name: member.name, values: keys.map { ($0, member.values[$0] ?? "–") }, status: queued ?? state?.summary ?? "not run",
                complete: state?.isComplete == true, run: state?.run, accuracy: state?.manifest?.metrics.testAccuracy,
                mae: state?.manifest?.metrics.testDistanceMAE, seconds: state?.manifest?.seconds,
                history: runFolder.flatMap { try? TrainingHistory.read(folder: $0) } ?? [],
                perClass: perClass, log: record.slurm?.log(of: member.name) ?? Self.outputFile(of: member.name))
        }
        return SweepSummary(members: members, keys: keys, seedKeys: SweepRecord.seedKeys)
    }

    /// Writes `sweep.json` and every member's config (member name → YAML; whole, so that a
    /// member runs the same anywhere: here, on a Slurm node, by hand).
    public func write(_ record: SweepRecord, memberConfigs: [(name: String, yaml: String)]) throws {
        do {
            try Folder.create((path as NSString).appendingPathComponent("members"))
            for member in memberConfigs {
                try AtomicFile.write(Data(member.yaml.utf8), to: memberConfig(member.name))
            }
        } catch {
            throw StorageError.cannotWrite(path: error.path, reason: error.reason)
        }
        do { try record.write(to: path) } catch {
            throw StorageError.cannotWrite(path: (path as NSString).appendingPathComponent(SweepRecord.fileName), reason: "\(error)")
        }
    }

    /// Where a member's config is kept, relative to the sweep folder.
    public static func configFile(of member: String) -> String { "members/\(member).yaml" }

    /// The absolute path of a member's config file.
    public func memberConfig(_ member: String) -> String {
        (path as NSString).appendingPathComponent(Self.configFile(of: member))
    }

    /// Where a member's console output goes when the sweep runs it here, relative to the folder.
    public static func outputFile(of member: String) -> String { "members/\(member).out" }

    /// The absolute path of a member's console output.
    public func memberOutput(_ member: String) -> String {
        (path as NSString).appendingPathComponent(Self.outputFile(of: member))
    }

    /// The sweep's line in the reports folder's index, nil when it is not a sweep folder.
    public func headline() -> RunsIndexPage.SweepRow? {
        guard let record else { return nil }
        let summary = summary(of: record, details: false)
        return RunsIndexPage.SweepRow(folder: (path as NSString).lastPathComponent, name: record.name, created: record.created,
                                      members: record.members.count, complete: summary.members.filter(\.complete).count,
                                      bestAccuracy: summary.best?.accuracy?.mean, bestPoint: summary.best?.label)
    }
}
