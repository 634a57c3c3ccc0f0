import ArgumentParser
import NN

/// The bounds of every command's `--threads`, and of `--cpus-per-task`, which becomes a Slurm
/// job's `--threads`: from 1 to the engine's `maximumThreads`.
enum ThreadCount {
    static let allowed = 1...Engine.maximumThreads

    /// Throws naming `option` when `count` is given and out of bounds.
    static func check(_ count: Int?, option: String = "--threads") throws {
        guard let count, !allowed.contains(count) else { return }
        throw ValidationError("\(option) must be from 1 to \(allowed.upperBound), but got \(count).")
    }
}
