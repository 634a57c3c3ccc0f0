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
        let summary = SweepFolder(path: folder).summary(of: record, details: true)
        do {
            return try SweepPage.write(summary, name: record.name, mode: record.mode, created: record.created, folder: folder,
                                       toolVersion: ToolInfo.version, templates: templates)
        } catch {
            throw PipelineError.cannotWrite(path: (folder as NSString).appendingPathComponent(ReportFiles.index), reason: "\(error)")
        }
    }
}
