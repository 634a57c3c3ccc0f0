/// What stops a sweep before or while it runs, each as a sentence a user can act on.
public enum SweepError: Error, Equatable, CustomStringConvertible, UserFacingError {
    /// A `--set key=…` list that cannot be swept (empty, a duplicate value, a bad range).
    case badValues(override: String, problem: String)
    /// The same key swept twice.
    case keySweptTwice(String)
    /// `--zip` over lists of different lengths.
    case zipLengths([String: Int])
    /// Nothing varies.
    case nothingSwept
    /// More members than a sweep runs without `--yes`.
    case tooManyMembers(count: Int, limit: Int)
    /// A member's config breaks a rule between keys.
    case memberConfig(member: String, problem: String)
    /// Options that do not go together.
    case badOption(String)
    /// Some members did not complete.
    case membersFailed(failed: [String], sweepFolder: String, report: String?)
    /// The folder given to `report --sweep` is not a sweep folder.
    case notASweep(path: String)

    public var description: String {
        switch self {
        case .badValues(let override, let problem):
            return "Cannot sweep --set \(override): \(problem)."
        case .keySweptTwice(let key):
            return "\(key) is swept by two --set options; give its values in one list (--set \(key)=v1,v2,…)."
        case .zipLengths(let lengths):
            return "--zip pairs the n-th values of every swept key, so every list must be as long, but "
                + lengths.sorted { $0.key < $1.key }.map { "\($0.key) has \($0.value)" }.joined(separator: ", ")
                + ". Give lists of one length, or use --grid (every combination)."
        case .nothingSwept:
            return "Nothing is swept: give at least one --set key=v1,v2,… (a list of values) or --set key=a..b (a range of integers)."
        case .tooManyMembers(let count, let limit):
            return "The sweep has \(count) members (more than \(limit)). Add --yes to run them all, or sweep fewer values; --dry-run lists them."
        case .memberConfig(let member, let problem):
            return "The sweep member \(member) has an invalid config: \(problem) Nothing was run."
        case .badOption(let sentence):
            return sentence
        case .membersFailed(let failed, let folder, let report):
            return "\(failed.count == 1 ? "One member" : "\(failed.count) members") of the sweep did not complete: \(failed.joined(separator: ", ")). "
                + "Each one's run folder in \(folder) records why (status.json, log.txt)"
                + (report.map { "; the sweep report \($0) marks them" } ?? "")
                + ". Running the same `asl-lab sweep` command again runs only the members that did not complete."
        case .notASweep(let path):
            return "\(path) is not a sweep folder (it has no sweep.json); `asl-lab sweep` makes one under the reports folder."
        }
    }
}
