/// What can go wrong while generating or reading a data set; each message names the file,
/// line or setting at fault.
public enum SynthError: Error, Equatable, CustomStringConvertible {
    case malformedShard(String)
    /// The output folder holds files asl-lab did not write (relative paths, sorted).
    case outputHoldsOtherFiles(path: String, files: [String])
    /// The output path is taken by something that is not a folder (`kind`: "a file", "a FIFO").
    case outputIsAFile(path: String, kind: String)
    case cannotWrite(path: String, reason: String)
    /// Drawing stopped on request (a signal); nothing of an unsharded run was kept.
    case interrupted(shard: Shard?)
    case shardMismatch(path: String, reason: String)
    case labels(file: String, line: Int, problem: String)
    case workbook(file: String, problem: String)
    case notADataset(path: String, reason: String)

    public var description: String {
        switch self {
        case .malformedShard(let text):
            return "--shard expects K/N with 1 ≤ K ≤ N (e.g. --shard 2/4 for the second of four shards), but got \"\(text)\"."
        case .outputHoldsOtherFiles(let path, let files):
            let shown = files.prefix(5).joined(separator: ", ") + (files.count > 5 ? " and \(files.count - 5) more" : "")
            return "The output folder \(path) holds \(files.count == 1 ? "a file" : "\(files.count) files") that asl-lab did not write (\(shown)). asl-lab never deletes what it did not write, with or without --force: move \(files.count == 1 ? "it" : "them") elsewhere, or choose another output folder."
        case .outputIsAFile(let path, let kind):
            return "The output path \(path) is \(kind), not a folder. asl-lab never deletes what it did not write: choose another path."
        case .cannotWrite(let path, let reason):
            return "Cannot write \(path): \(reason)."
        case .interrupted(let shard):
            return shard.map { "Generating shard \($0) was stopped; the images it drew stay in the shards folder, and running it again draws them anew." }
                ?? "Generating was stopped; nothing of the unfinished data set was kept."
        case .shardMismatch(let path, let reason):
            return "The shards being collected in \(path) do not belong together: \(reason). Delete that folder to start over, or run every shard with the same config, seed and shard count."
        case .labels(let file, let line, let problem):
            return "\(file), line \(line): \(problem)."
        case .workbook(let file, let problem):
            return "Cannot read the workbook \(file): \(problem)."
        case .notADataset(let path, let reason):
            return "\(path) is not a complete asl-lab data set: \(reason)."
        }
    }
}
