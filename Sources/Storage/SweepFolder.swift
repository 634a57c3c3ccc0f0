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
        let store = RunStore(root: path)
        var latest: [String: String] = [:]
        for run in store.runs() {
            guard let hash = store.manifest(run)?.configHash else { continue }
            latest[hash] = run // runs() is sorted by start time
        }
        var result: [String: MemberState] = [:]
        for member in record.members {
            if let run = latest[member.configHash] {
                result[member.name] = MemberState(run: run, state: store.status(run), manifest: store.manifest(run), summary: store.statusText(run))
            } else {
                result[member.name] = MemberState(run: nil, state: nil, manifest: nil, summary: "not run")
            }
        }
        return result
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

    /// The sweep's headline, nil when it is not a sweep folder. Points are the combinations of
    /// the swept keys other than `seedKeys`, averaged over those.
    public func headline(seedKeys: Set<String> = SweepRecord.seedKeys) -> RunsIndexPage.SweepRow? {
        guard let record else { return nil }
        let states = states(of: record)
        var points: [String: [Double]] = [:]
        for member in record.members {
            guard let state = states[member.name], state.isComplete, let accuracy = state.manifest?.metrics.testAccuracy else { continue }
            let point = record.axes.map(\.key).filter { !seedKeys.contains($0) }.map { "\($0)=\(member.values[$0] ?? "–")" }.joined(separator: ", ")
            points[point.isEmpty ? "all members" : point, default: []].append(accuracy)
        }
        let best = points.map { ($0.key, $0.value.reduce(0, +) / Double($0.value.count)) }.max { $0.1 < $1.1 }
        return RunsIndexPage.SweepRow(folder: (path as NSString).lastPathComponent, name: record.name, created: record.created,
                        members: record.members.count, complete: states.values.filter(\.isComplete).count,
                        bestAccuracy: best?.1, bestPoint: best?.0)
    }
}
