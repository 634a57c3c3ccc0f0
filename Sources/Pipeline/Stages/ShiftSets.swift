import Analysis
import Configuration
import Foundation
import Storage

/// The shifted evaluation sets of `analyse.shifts`, drawn by the generator through the cache:
/// each is the data set of the run's config with the shift's keys changed (and a seed of its
/// own), stored under its own generate key, so a second run, or another run naming the same
/// shift, reuses it.
enum ShiftSets {
    /// Every shift's data set folder, generating the ones the cache does not hold.
    static func prepare(_ context: StageContext) throws -> [ShiftSet] {
        let stage = StageTable[.generate].cacheFolder
        return try context.config.shifts.map { shift in
            let config = try context.config.shifted(shift)
            let key = StageKeys(config: config).generate
            let final = context.cache.folder(stage: stage, key: key)
            if context.cache.state(stage: stage, key: key, verify: .content) == .valid {
                context.note("analyse: shift \(shift.name): its data set is cached (key \(key.prefix(12))).\n")
            } else {
                try? FileManager.default.removeItem(atPath: context.cache.partialFolder(stage: stage, key: key))
                let partial = try context.cache.preparePartialFolder(stage: stage, key: key)
                var job = GenerateStage.job(config: config, output: partial, threads: context.threads)
                job.stop = context.stop
                let outcome = try GenerateStage.run(job, console: context.errors)
                try context.cache.seal(partial: partial, stage: stage, key: key)
                context.note("analyse: shift \(shift.name) (\(shift.summary)): " + GenerateStage.summary(outcome, shownAs: final) + "\n")
            }
            return ShiftSet(name: shift.name, summary: shift.summary, folder: final)
        }
    }
}
