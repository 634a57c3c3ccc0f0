import AtomicIO
/// What can go wrong with run folders and the cache: a sentence naming the folder, file or run.
public enum StorageError: Error, Equatable, CustomStringConvertible {
    case cache(path: String, problem: String)
    /// The cache folder itself cannot be used (a file stands there, no permission).
    case cacheFolder(path: String, problem: String)
    case cannotWrite(path: String, reason: String)
    case noSuchRun(String, reports: String)
    case ambiguousRun(String, matches: [String])
    /// The reports folder given (`--reports`) is missing or is not a folder.
    case noReportsFolder(String, exists: Bool)
    /// A run folder without a manifest (it stopped before writing one, or is not a run).
    case nothingRecorded(String, status: String)
    /// A run that is not complete where only complete ones may be used.
    case incompleteRun(String, status: String)
    /// `cache verify` found damaged entries (and removed them).
    case cacheDamaged(String)
    /// A stop was asked for while waiting for another run's cache lock.
    case stoppedWaitingForTheCache
    /// A size on the command line (`--max-size`) that is not one.
    case notASize(option: String, text: String)
    /// `runs list --where/--sort` that cannot be read or names a key no run has.
    case badQuery(String)
    /// `runs restore` of a file that is not an intact asl-lab run archive.
    case badArchive(path: String, problem: String)
    /// `runs rm` of a run whose process is still going.
    case runStillRunning(String, pid: Int32)

    public var description: String {
        switch self {
        case .cache(let path, let problem):
            return "The cache entry \(path) cannot be used: \(problem)."
        case .cacheFolder(let path, let problem):
            return "The cache folder \(path) cannot be used: \(problem). Choose another one with --cache."
        case .cannotWrite(let path, let reason):
            return "Cannot write \(path): \(reason)."
        case .noSuchRun(let id, let reports):
            return "No run \"\(id)\" in \(reports); `asl-lab runs list` shows the runs there."
        case .noReportsFolder(let path, let exists):
            return exists ? "The reports folder \(path) is not a folder; give the folder that holds the run folders with --reports."
                : "The reports folder \(path) does not exist; give the folder that holds the run folders with --reports (`asl-lab run` creates Reports/ by default)."
        case .ambiguousRun(let id, let matches):
            return "\"\(id)\" matches several runs (\(matches.joined(separator: ", "))); give more of the folder name."
        case .nothingRecorded(let run, let status):
            return "The run \(run) (\(status)) has no manifest.json, so there is nothing of it to compare; it stopped before recording anything."
        case .incompleteRun(let run, let status):
            return "The run \(run) is not complete (\(status)); only complete runs can be archived. Run it again to finish it, or choose another run."
        case .cacheDamaged(let summary):
            return summary + " The next run that needs a removed entry computes it again."
        case .stoppedWaitingForTheCache:
            return "Stopped on request while waiting for another run to release the cache; nothing was run. Run the command again when the other run has finished."
        case .notASize(let option, let text):
            return "\(option) \(text) is not a size; write a number with an optional unit, e.g. 5G, 500M, 2.5GB or 800000 (bytes)."
        case .badQuery(let sentence):
            return sentence
        case .badArchive(let path, let problem):
            return "The archive \(path) cannot be restored: \(problem). Nothing was restored."
        case .runStillRunning(let run, let pid):
            return "The run \(run) is still running (process \(pid)); stop it first (Ctrl-C in its terminal, or `kill -INT \(pid)`), then remove it."
        }
    }
}
