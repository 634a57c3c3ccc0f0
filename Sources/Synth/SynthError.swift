/// What can go wrong while generating or reading a data set; each message names the file,
/// line or setting at fault.
public enum SynthError: Error, Equatable, CustomStringConvertible {
    case malformedShard(String)
    case outputNotADataset(path: String)
    case outputIsAFile(path: String)
    case cannotWrite(path: String, reason: String)
    case shardMismatch(path: String, reason: String)
    case labels(file: String, line: Int, problem: String)
    case workbook(file: String, problem: String)
    case notADataset(path: String, reason: String)

    public var description: String {
        switch self {
        case .malformedShard(let text):
            return "--shard expects K/N with 1 ≤ K ≤ N (e.g. --shard 2/4 for the second of four shards), but got \"\(text)\"."
        case .outputNotADataset(let path):
            return "The output folder \(path) exists and is not an asl-lab data set (it has no dataset.json). Choose another folder, or pass --force to replace it."
        case .outputIsAFile(let path):
            return "The output path \(path) is a file, not a folder. Choose another path, or pass --force to replace it."
        case .cannotWrite(let path, let reason):
            return "Cannot write \(path): \(reason). Nothing was left behind; check the folder's permissions and free space."
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
