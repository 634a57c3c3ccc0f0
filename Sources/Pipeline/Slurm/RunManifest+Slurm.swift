import FileFormats
import Foundation

extension RunManifest.Slurm {
    /// The Slurm job this process runs in, from the variables Slurm sets for it, or nil outside
    /// Slurm (no `SLURM_JOB_ID`).
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> Self? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let job = value("SLURM_JOB_ID") else { return nil }
        return Self(jobID: job, arrayJobID: value("SLURM_ARRAY_JOB_ID"), arrayTaskID: value("SLURM_ARRAY_TASK_ID"))
    }
}
