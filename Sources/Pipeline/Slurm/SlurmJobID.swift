import Foundation

/// A Slurm job's id as `sbatch --parsable` prints it (the id of a job array is that of the whole
/// array). Digits only, so it can go into a dependency or a command as it is.
public struct SlurmJobID: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// An id of digits, or nil.
    public init?(_ value: String) {
        guard !value.isEmpty, value.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        self.value = value
    }

    /// Reads the output of `sbatch --parsable`: `id` or, on a multi-cluster set-up, `id;cluster`.
    public init?(parsableOutput: String) {
        let line = parsableOutput.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        let id = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        self.init(id.trimmingCharacters(in: .whitespaces))
    }

    public var description: String { value }
}
