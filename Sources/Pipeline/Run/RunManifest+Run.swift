import BuildInfo
import Configuration
import FileFormats
import Foundation
import Storage

extension RunManifest {
    /// The manifest of a run so far: its config, what each stage did, the SHA-256 of every
    /// file in the run folder and the headline results once training.json is there. `machine`
    /// is probed once per run; `git` is the binary's own source, recorded when it was built.
    /// Report pages and figures are listed only once `reportWritten`: the pages drawn while
    /// training carry the time of day, and no hash of them is recorded. `slurm` is the job the
    /// run is part of, read from this process's environment.
    init(name: String, created: Date, config: EffectiveConfig, keys: StageKeys, stages: [StageRecord],
         dataset: String, runFolder: String, cache: StageCache, seconds: Double, machine: Machine, git: Git?,
         note: String?, tags: [String], reportWritten: Bool, slurm: Slurm? = Slurm.current()) {
        // Files linked from sealed cache entries have a checked SHA-256 in the seal (checked by
        // content when the entry was reused); only the run's own files are hashed here.
        var known: [String: String] = [:]
        for definition in StageTable.stages where definition.output == .cacheEntry(linked: true) {
            for file in cache.seal(stage: definition.cacheFolder, key: keys[definition.stage])?.files ?? [] { known[file.path] = file.sha256 }
        }
        var artifacts: [String: String] = [:]
        // The manifest, the log and the status change after the manifest is written.
        for file in (try? StageCache.files(under: runFolder)) ?? [] where ![Self.fileName, RunLog.fileName, RunStatus.fileName].contains(file)
            && (reportWritten || !RunStore.isReportOutput(file)) {
            artifacts[file] = known[file] ?? StageCache.sha256(path: (runFolder as NSString).appendingPathComponent(file))
        }
        let summary = TrainingSummary.readIfPresent(folder: runFolder)
        self.init(name: name, created: ISO8601DateFormatter().string(from: created), configHash: config.hash, toolVersion: ToolInfo.version,
                  seed: Config(config).seed, dataset: dataset, machine: machine, stages: stages, config: Self.canonicalValues(config),
                  git: git, artifacts: artifacts,
                  metrics: Metrics(testAccuracy: summary?.testAccuracy, testDistanceMAE: summary?.testDistanceMAE, epochs: summary?.epochs),
                  seconds: seconds, note: note, tags: tags, slurm: slurm)
    }

    /// Every key's value as YAML text (what `config show` prints for it).
    static func canonicalValues(_ config: EffectiveConfig) -> [String: String] {
        Dictionary(uniqueKeysWithValues: ConfigSchema.fields.map { ($0.key, config[$0.key].yaml) })
    }

    /// Config keys under `prefixes` whose value differs in `config`, as "key: old → new".
    func changedKeys(comparedWith config: EffectiveConfig, under prefixes: [String]) -> [String] {
        let now = Self.canonicalValues(config)
        let then = { (key: String) in self.configValue(key) }
        return now.keys.sorted().filter { key in
            prefixes.contains { key == $0 || key.hasPrefix($0 + ".") } && then(key) != now[key]
        }.map { "\($0): \(then($0) ?? "–") → \(now[$0] ?? "–")" }
    }
}
