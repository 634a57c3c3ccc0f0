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
    /// A run folder whose manifest is there but cannot be read (the problem names the file).
    case unreadableManifest(String, problem: String)
    /// `cache prune` cannot tell which entries these runs use: their manifests cannot be read.
    case unknownCacheUse([CacheInventory.UnreadableRun])
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
        case .unreadableManifest(let run, let problem):
            return "The run \(run) cannot be used: \(problem) Put back its manifest.json (a copy, or `asl-lab runs restore` of its archive), or leave the run out."
        case .unknownCacheUse(let runs):
            let named = runs.map { "\($0.run) (\($0.problem.hasSuffix(".") ? String($0.problem.dropLast()) : $0.problem))" }.joined(separator: "; ")
            return "Nothing was removed: which cache entries \(runs.count == 1 ? "a run uses" : "\(runs.count) runs use") cannot be told, because "
                + "\(runs.count == 1 ? "its manifest" : "their manifests") cannot be read: \(named). Put back the manifest, or remove the run "
                + "(`asl-lab runs rm`), then prune again; pruning now could remove a data set or model that run still needs."
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
