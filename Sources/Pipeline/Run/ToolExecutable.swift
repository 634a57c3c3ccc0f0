import Foundation

/// The `asl-lab` binary that is running, as an absolute path: what a sweep starts its members
/// with, and what a Slurm script calls on the nodes.
public enum ToolExecutable {
    /// `/proc/self/exe` resolved (Linux), else the first argument made absolute.
    public static var current: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
