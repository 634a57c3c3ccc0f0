import BuildInfo
import FileFormats
import Foundation
import Report
import Storage

/// The sweep report (`asl-lab report --sweep DIR`, and the end of every `asl-lab sweep`): reads
/// `sweep.json` and every member's run folder, and writes `DIR/index.html` with its figures.
public enum SweepReport {
    /// Writes the report of the sweep in `folder`; returns the path of its index.html.
    public static func write(folder: String, templates: String? = nil) throws -> String {
        guard let record = SweepRecord.read(sweepFolder: folder) else { throw SweepError.notASweep(path: folder) }
        let summary = summary(of: SweepFolder(path: folder), record: record)
        do {
            return try SweepPage.write(summary, name: record.name, mode: record.mode, created: record.created, folder: folder,
                                       toolVersion: ToolInfo.version, templates: templates)
        } catch {
            throw PipelineError.cannotWrite(path: (folder as NSString).appendingPathComponent(ReportFiles.index), reason: "\(error)")
        }
    }

    /// What the report shows, from the sweep's files.
    static func summary(of folder: SweepFolder, record: SweepRecord) -> SweepSummary {
        let states = folder.states(of: record)
        let keys = record.axes.map(\.key)
        let members = record.members.map { member -> SweepSummary.Member in
            let state = states[member.name]
            let runFolder = state?.run.map { (folder.path as NSString).appendingPathComponent($0) }
            let metrics = runFolder.flatMap { AnalysisMetrics.readIfPresent(folder: $0) }
            let history = runFolder.flatMap { try? TrainingHistory.read(folder: $0) } ?? []
            var perClass: [String: Double] = [:]
            for item in metrics?.perClass ?? [] { perClass[item.letter] = item.recall }
            // A member of a Slurm submission that has not started yet is waiting in the queue.
            let queued = state?.run == nil ? record.slurm.flatMap { jobs in jobs.tasks[member.name].map { "queued as Slurm job \(jobs.arrayJob)_\($0)" } } : nil
            return SweepSummary.Member(
                name: member.name, values: keys.map { ($0, member.values[$0] ?? "–") }, status: queued ?? state?.summary ?? "not run",
                complete: state?.isComplete == true, run: state?.run, accuracy: state?.manifest?.metrics.testAccuracy,
                mae: state?.manifest?.metrics.testDistanceMAE, seconds: state?.manifest?.seconds, history: history,
                perClass: perClass, log: log(of: member, record: record))
        }
        return SweepSummary(members: members, keys: keys, seedKeys: SweepPlan.seedKeys)
    }

    /// Where a member's output went: its Slurm task's log when the latest submission ran it,
    /// else its console output in `members/`.
    static func log(of member: SweepRecord.Member, record: SweepRecord) -> String {
        record.slurm?.log(of: member.name) ?? SweepFolder.outputFile(of: member.name)
    }
}
