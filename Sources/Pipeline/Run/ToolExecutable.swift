import Foundation

/// The `asl-lab` binary that is running, as an absolute path: what a sweep starts its members
/// with, and what a Slurm batch job runs to run this same asl-lab.
public enum ToolExecutable {
    /// `/proc/self/exe` resolved (Linux), else the first argument resolved against the working
    /// folder or PATH.
    public static var current: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let first = CommandLine.arguments.first ?? "asl-lab"
        if first.contains("/") { return URL(fileURLWithPath: first).standardizedFileURL.path }
        return Sbatch.program(first, environment: ProcessInfo.processInfo.environment) ?? first
    }
}
