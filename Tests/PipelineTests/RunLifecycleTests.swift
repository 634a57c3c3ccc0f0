import AtomicIO
import Configuration
import FileFormats
import Foundation
import Storage
import TestSupport
import XCTest
import ZIPFoundation
@testable import Pipeline

/// The care of runs and the cache between runs: `--note`/`--tag`, `runs rm`, `cache list`,
/// `cache size` and `cache prune`.
final class RunLifecycleTests: TemporaryFolderTestCase {
    var reports: String { folderURL.appendingPathComponent("Reports").path }
    var cacheRoot: String { folderURL.appendingPathComponent("cache").path }

    @discardableResult
    func runPipeline(_ extra: [String] = [], until: PipelineStage = .train, name: String = "t", note: String? = nil,
                     tags: [String] = []) throws -> String {
        let config = try ConfigLoader.load(file: nil, overrides: PipelineRunTests.tiny + extra)
        let options = PipelineRun.Options(reportsRoot: reports, cacheRoot: cacheRoot, name: name, threads: 1, until: until,
                                          note: note, tags: tags)
        let outcome = try PipelineRun.run(config: config, options: options, output: ConsoleOutput(isTerminal: false) { _ in })
        return try XCTUnwrap(outcome.runFolder)
    }

    func keys(_ extra: [String] = []) throws -> StageKeys {
        StageKeys(config: try ConfigLoader.load(file: nil, overrides: PipelineRunTests.tiny + extra))
    }

    func inventory() throws -> CacheInventory { try CacheInventory.scan(root: cacheRoot, reportsRoots: [reports]) }

    func testNoteAndTagsAreKeptAndShownInTheListTheIndexAndTheReport() throws {
        let run = try runPipeline(until: .report, note: "baseline for the <blur> study & co", tags: ["baseline", "blur-study"])
        let manifest = try XCTUnwrap(RunManifest.readIfPresent(folder: run))
        XCTAssertEqual(manifest.note, "baseline for the <blur> study & co")
        XCTAssertEqual(manifest.tags, ["baseline", "blur-study"])
        let list = RunStore(root: reports).listText()
        XCTAssertTrue(list.contains("baseline,blur-study"), list)
        XCTAssertTrue(list.contains("baseline for the <blur> study & co"), list)
        let index = try String(contentsOfFile: reports + "/index.html", encoding: .utf8)
        XCTAssertTrue(index.contains("baseline for the &lt;blur&gt; study &amp; co"), "the note is in the index, escaped")
        let overview = try String(contentsOfFile: run + "/index.html", encoding: .utf8)
        XCTAssertTrue(overview.contains("baseline for the &lt;blur&gt; study &amp; co"))
        XCTAssertTrue(overview.contains("baseline, blur-study"))
    }

    func testBadTagsAndNotesAreRefusedBeforeAnythingRuns() throws {
        for (note, tags) in [(nil, ["two words"]), (nil, ["a,b"]), (nil, [""]), (nil, ["x", "x"]), (" ", []), ("bell\u{7}", []),
                             (String(repeating: "n", count: RunLabels.noteLimit + 1), [])] as [(String?, [String])] {
            XCTAssertThrowsError(try runPipeline(note: note, tags: tags)) { error in
                guard case PipelineError.badLabel = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: reports), "no run folder was made")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cacheRoot), "nothing was cached")
    }

    func testRunsRmRemovesAFinishedRunAndRefusesARunningOne() throws {
        let kept = try runPipeline(name: "kept")
        let doomed = try runPipeline(["seed=1"], name: "doomed")
        let store = RunStore(root: reports)
        XCTAssertEqual(try store.remove("doomed"), (doomed as NSString).lastPathComponent)
        XCTAssertFalse(FileManager.default.fileExists(atPath: doomed))
        XCTAssertEqual(store.runs(), [(kept as NSString).lastPathComponent])
        let index = try String(contentsOfFile: reports + "/index.html", encoding: .utf8)
        XCTAssertFalse(index.contains((doomed as NSString).lastPathComponent), "the index no longer lists it")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: reports).filter { $0.hasPrefix(".") }, [], "no temporary is left")

        // A run whose process (this one) is alive is still running.
        try RunStatus.starting(command: "asl-lab run").write(to: kept)
        XCTAssertThrowsError(try store.remove("kept")) { error in
            XCTAssertEqual(error as? StorageError, .runStillRunning((kept as NSString).lastPathComponent, pid: getpid()))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: kept + "/manifest.json"))
        XCTAssertThrowsError(try store.remove("no-such-run"))
    }

    func testInventoryNamesWhatEachEntryIsAndWhichRunsUseIt() throws {
        let first = (try runPipeline(name: "first") as NSString).lastPathComponent
        let second = (try runPipeline(["seed=1"], name: "second") as NSString).lastPathComponent
        let inventory = try inventory()
        let (k0, k1) = (try keys(), try keys(["seed=1"]))
        func entry(_ stage: String, _ key: String) throws -> CacheInventory.Entry {
            try XCTUnwrap(inventory.entries.first { $0.stage == stage && $0.key == key }, "\(stage)/\(key)")
        }
        XCTAssertEqual(try entry("generate", k0.generate).usedBy, [first])
        XCTAssertEqual(try entry("train", k1.train).usedBy, [second])
        XCTAssertEqual(try entry("generate", k0.generate).what, "data set of 78 images")
        XCTAssertTrue(try entry("train", k0.train).what.hasPrefix("model, 1 epoch, test accuracy"))
        XCTAssertEqual(inventory.entries.count, 4)
        XCTAssertEqual(inventory.unusedBytes, 0)
        let sizes = inventory.entries.reduce(UInt64(0)) { $0 + $1.bytes }
        XCTAssertEqual(inventory.bytes, sizes)
        XCTAssertGreaterThan(try entry("generate", k0.generate).bytes, 78 * 100, "78 PNGs")
        let list = inventory.listText()
        XCTAssertTrue(list.contains("generate/\(k0.generate.prefix(12))"), list)
        XCTAssertTrue(inventory.sizeText().contains("Every entry is used by a run."))
    }

    func testPruneRemovesOnlyEntriesNoRunUsesAndTheRunsStayCached() throws {
        try runPipeline(name: "kept")
        try runPipeline(["seed=1"], name: "gone")
        _ = try RunStore(root: reports).remove("gone")
        let (k0, k1) = (try keys(), try keys(["seed=1"]))
        // An interrupted stage's folder is kept for resuming unless asked.
        let partial = StageCache(root: cacheRoot).partialFolder(stage: "train", key: String(repeating: "c", count: 64))
        try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)

        var lines: [String] = []
        let dry = try CachePrune.run(root: cacheRoot, reportsRoots: [reports], options: CachePrune.Options(dryRun: true)) { lines.append($0) }
        XCTAssertTrue(dry.contains("nothing was removed"), dry)
        XCTAssertEqual(lines.count, 2, lines.joined())
        XCTAssertEqual(StageCache(root: cacheRoot).state(stage: "train", key: k1.train), .valid, "a dry run removes nothing")

        lines = []
        let summary = try CachePrune.run(root: cacheRoot, reportsRoots: [reports], options: CachePrune.Options()) { lines.append($0) }
        XCTAssertTrue(summary.hasPrefix("Removed 2 entries"), summary)
        let cache = StageCache(root: cacheRoot)
        XCTAssertEqual(cache.state(stage: "generate", key: k1.generate), .missing)
        XCTAssertEqual(cache.state(stage: "train", key: k1.train), .missing)
        XCTAssertEqual(cache.state(stage: "generate", key: k0.generate), .valid)
        XCTAssertEqual(cache.state(stage: "train", key: k0.train), .valid)
        XCTAssertTrue(FileManager.default.fileExists(atPath: partial), "unfinished stages stay without --unfinished")

        _ = try CachePrune.run(root: cacheRoot, reportsRoots: [reports], options: CachePrune.Options(unfinished: true)) { _ in }
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial))
        // The kept run's stages are still cached: running it again runs nothing.
        let config = try ConfigLoader.load(file: nil, overrides: PipelineRunTests.tiny)
        let again = try PipelineRun.run(config: config, options: PipelineRun.Options(reportsRoot: reports, cacheRoot: cacheRoot, name: "again", threads: 1, until: .train),
                                        output: ConsoleOutput(isTerminal: false) { _ in })
        XCTAssertEqual(again.stages.map(\.status), [.cached, .cached])
    }

    /// A run whose manifest is there but damaged may use any entry: prune removes nothing and
    /// names the file, `cache size` says the run is counted as using nothing, and `runs compare`
    /// says the manifest cannot be read (not that the run recorded nothing).
    func testADamagedManifestStopsPruneAndIsNamedNotTakenForARunThatRecordedNothing() throws {
        let damaged = try runPipeline(name: "damaged")
        let other = (try runPipeline(["seed=1"], name: "other") as NSString).lastPathComponent
        let manifest = (damaged as NSString).appendingPathComponent(RunManifest.fileName)
        try Data("{\"name\": ".utf8).write(to: URL(fileURLWithPath: manifest))
        let k0 = try keys()
        let run = (damaged as NSString).lastPathComponent

        let inventory = try inventory()
        XCTAssertEqual(inventory.unreadableRuns.map(\.run), [run])
        XCTAssertTrue(inventory.unreadableRuns[0].problem.contains(manifest), inventory.unreadableRuns[0].problem)
        XCTAssertTrue(inventory.sizeText().contains("The run \(run) is counted as using nothing, but may use some"), inventory.sizeText())

        for options in [CachePrune.Options(), CachePrune.Options(dryRun: true), CachePrune.Options(maxBytes: 0)] {
            var lines: [String] = []
            XCTAssertThrowsError(try CachePrune.run(root: cacheRoot, reportsRoots: [reports], options: options) { lines.append($0) }) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("Nothing was removed"), text)
                XCTAssertTrue(text.contains(run) && text.contains(manifest), text)
            }
            XCTAssertEqual(lines, [])
            XCTAssertEqual(StageCache(root: cacheRoot).state(stage: "generate", key: k0.generate), .valid, "the damaged run's data set stays")
            XCTAssertEqual(StageCache(root: cacheRoot).state(stage: "train", key: k0.train), .valid, "and its model")
        }

        let row = try XCTUnwrap(RunStore(root: reports).rows().first { $0.folder == run })
        XCTAssertEqual(row.status, "complete; its manifest.json cannot be read", "runs list says why its metrics are missing")
        XCTAssertThrowsError(try RunStore(root: reports).compareText([run, other])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("The run \(run) cannot be used: \(manifest) cannot be read"), text)
            XCTAssertFalse(text.contains("has no manifest.json"), text)
        }
        // A run that recorded nothing is still told apart.
        try FileManager.default.removeItem(atPath: manifest)
        XCTAssertEqual(try self.inventory().unreadableRuns, [])
        XCTAssertEqual(RunStore(root: reports).rows().first { $0.folder == run }?.status, "complete")
        XCTAssertThrowsError(try RunStore(root: reports).compareText([run, other])) { XCTAssertTrue("\($0)".contains("has no manifest.json"), "\($0)") }
    }

    func testMaxSizeGivesUpTheLeastRecentlyUsedFirstAndKeepRunsNeverTouchesUsedEntries() throws {
        try runPipeline(name: "old")
        Thread.sleep(forTimeInterval: 1.1) // start times are recorded to the second
        try runPipeline(["seed=1"], name: "new")
        let (k0, k1) = (try keys(), try keys(["seed=1"]))
        let inventory = try inventory()
        // Room for everything but one data set: the older run's goes.
        let data = try XCTUnwrap(inventory.entries.first { $0.key == k0.generate })
        let limit = inventory.bytes - data.bytes
        let plan = CachePrune.plan(inventory, options: CachePrune.Options(maxBytes: limit))
        XCTAssertEqual(plan.remove.map(\.key), [k0.generate], "the least recently used entry goes first, and pruning stops once it fits")
        XCTAssertLessThanOrEqual(plan.remainingBytes, limit)
        let kept = CachePrune.plan(inventory, options: CachePrune.Options(maxBytes: 0, keepRuns: true))
        XCTAssertEqual(kept.remove, [], "every entry is used by a run")
        let all = CachePrune.plan(inventory, options: CachePrune.Options(maxBytes: 0))
        XCTAssertEqual(Set(all.remove.map(\.key)), Set([k0.generate, k0.train, k1.generate, k1.train]))
        XCTAssertEqual(all.remainingBytes, 0)
    }

    func testPruneWaitsForARunThatHoldsTheCache() throws {
        try runPipeline(name: "gone")
        _ = try RunStore(root: reports).remove("gone")
        let trainKey = try keys().train
        var lock: CacheLock? = try CacheLock(cacheRoot: cacheRoot, mode: .shared) { XCTFail("the lock is free") }
        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = ["cache", "prune", "--cache", cacheRoot, "--reports", reports]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        sleep(2)
        XCTAssertTrue(process.isRunning, "prune waits while a run holds the cache")
        XCTAssertEqual(StageCache(root: cacheRoot).state(stage: "train", key: trainKey), .valid)
        lock = nil
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertNil(lock)
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("waiting for it to finish"), text)
        XCTAssertEqual(StageCache(root: cacheRoot).state(stage: "train", key: trainKey), .missing)
    }

    func testSizesParseAsTypedAndBadOnesAreNamed() throws {
        XCTAssertEqual(ByteCount.parse("5G"), 5 << 30)
        XCTAssertEqual(ByteCount.parse("2.5GB"), UInt64(2.5 * 1024 * 1024 * 1024))
        XCTAssertEqual(ByteCount.parse("800KiB"), 800 << 10)
        XCTAssertEqual(ByteCount.parse("500m"), 500 << 20)
        XCTAssertEqual(ByteCount.parse("123"), 123)
        for bad in ["", "G", "5Q", "-1G", "nan", "inf", "1e30T"] { XCTAssertNil(ByteCount.parse(bad), bad) }
        XCTAssertThrowsError(try CachePrune.size("5Q", option: "--max-size")) { error in
            XCTAssertTrue("\(error)".hasPrefix("--max-size 5Q is not a size"), "\(error)")
        }
    }

    func testCacheCommandsNameAMissingCacheOrReportsFolder() throws {
        XCTAssertThrowsError(try CacheInventory.scan(root: cacheRoot, reportsRoots: [reports])) { error in
            XCTAssertTrue("\(error)".contains(cacheRoot), "\(error)")
        }
        try runPipeline(until: .generate)
        XCTAssertThrowsError(try CacheInventory.scan(root: cacheRoot, reportsRoots: [reports + "-missing"])) { error in
            XCTAssertEqual(error as? StorageError, .noReportsFolder(reports + "-missing", exists: false))
        }
    }

    func testRunsListChoosesOrdersAndExportsRunsByAnyKey() throws {
        let one = (try runPipeline(name: "one", tags: ["a"]) as NSString).lastPathComponent
        let two = (try runPipeline(["train.epochs=2"], name: "two", tags: ["b"]) as NSString).lastPathComponent
        let three = (try runPipeline(["seed=1"], name: "three", tags: ["a", "b"]) as NSString).lastPathComponent
        let store = RunStore(root: reports)
        func folders(_ conditions: [String] = [], sort: String? = nil) throws -> [String] {
            try RunQuery(where: conditions, sort: sort).apply(store.rows()).map(\.folder)
        }
        XCTAssertEqual(try folders(["tag=a"]), [one, three])
        XCTAssertEqual(try folders(["tag=a", "tag=b"]), [three], "every condition must hold")
        XCTAssertEqual(try folders(["train.epochs=2"]), [two])
        XCTAssertEqual(Set(try folders(["train.learning_rate=1e-3"])), [one, two, three], "numbers compare as numbers")
        XCTAssertEqual(try folders(["status=complete", "seed=1"]), [three])
        XCTAssertEqual(try folders(sort: "-train.epochs").first, two, "largest first")
        XCTAssertEqual(try folders(sort: "name"), [one, three, two])
        XCTAssertEqual(try folders(sort: "-name"), [two, three, one])
        XCTAssertThrowsError(try folders(["epochs=2"])) { error in
            XCTAssertTrue("\(error)".contains("Did you mean train.epochs"), "\(error)")
        }
        XCTAssertThrowsError(try RunQuery(where: ["tag"])) { error in XCTAssertTrue("\(error)".contains("is not key=value")) }
        XCTAssertTrue(store.listText(try RunQuery(where: ["tag=none"]).apply(store.rows()), filtered: true).contains("No run"))

        let json = try store.listJSON(try RunQuery(where: ["tag=b"], sort: "name").apply(store.rows()))
        let listed = try JSONDecoder().decode([RunStore.ListedRun].self, from: Data(json.utf8))
        XCTAssertEqual(listed.map(\.folder), [three, two])
        XCTAssertEqual(listed[1].config["train.epochs"], "2")
        XCTAssertEqual(listed[0].tags, ["a", "b"])
        XCTAssertNotNil(listed[0].testAccuracy)
        XCTAssertTrue(json.contains("\"test_accuracy\""))

        let cli = try CommandLineTests.run(["runs", "list", "--reports", reports, "--where", "nonsense.key=1"], in: folderURL)
        XCTAssertEqual(cli.status, 1)
        XCTAssertTrue(cli.stderr.contains("No run has the key \"nonsense.key\""), cli.stderr)
        // As the README writes it: `--sort -KEY`, the key's leading dash not taken for an option.
        let largestFirst = try CommandLineTests.run(["runs", "list", "--reports", reports, "--sort", "-name"], in: folderURL)
        XCTAssertEqual(largestFirst.status, 0, largestFirst.stderr)
        let order = [two, three, one].map { largestFirst.stdout.range(of: $0)?.lowerBound }
        XCTAssertTrue(order.allSatisfy { $0 != nil } && order[0]! < order[1]! && order[1]! < order[2]!, largestFirst.stdout)
    }

    func testCompareTakesManyRunsFromMoreThanOneReportsFolder() throws {
        let a = (try runPipeline(name: "a") as NSString).lastPathComponent
        let b = (try runPipeline(["train.epochs=2"], name: "b") as NSString).lastPathComponent
        let elsewhere = folderURL.appendingPathComponent("Other").path
        let config = try ConfigLoader.load(file: nil, overrides: PipelineRunTests.tiny + ["seed=1"])
        let outcome = try PipelineRun.run(config: config, options: PipelineRun.Options(reportsRoot: elsewhere, cacheRoot: cacheRoot, name: "c", threads: 1, until: .train),
                                          output: ConsoleOutput(isTerminal: false) { _ in })
        let c = try XCTUnwrap(outcome.runFolder)
        let store = RunStore(root: reports)
        let text = try store.compareText(["a", b, c])
        XCTAssertTrue(text.hasPrefix("Comparing \(a) (A), \(b) (B), \((c as NSString).lastPathComponent) (C)."), text)
        XCTAssertTrue(text.contains("A: 1   B: 2   C: 1"), "train.epochs of each run: \(text)")
        XCTAssertTrue(text.contains("seed"), "keys where any run differs are listed")
        XCTAssertTrue(text.contains("Δ +"), text)
        let pagePath = try XCTUnwrap(text.split(separator: " ").last.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) })
        XCTAssertTrue(pagePath.hasPrefix(reports + "/compare-3-runs-"), pagePath)
        let page = try String(contentsOfFile: pagePath, encoding: .utf8)
        XCTAssertTrue(page.contains("<th>A</th><th>B</th><th>C</th>") || page.contains("<th>key</th><th>A</th><th>B</th><th>C</th>"), page)
        XCTAssertTrue(page.contains("href=\"../Other/\((c as NSString).lastPathComponent)/index.html\""), "the run elsewhere is linked relative to the page")
        XCTAssertTrue(page.contains("compare-figures/\((pagePath as NSString).lastPathComponent.dropLast(5)).svg"), "one curves figure for all three")
        XCTAssertEqual(try store.compareText(["a", b, c]), text, "the same runs give the same page name and text")
        let index = try String(contentsOfFile: reports + "/index.html", encoding: .utf8)
        XCTAssertTrue(index.contains("href=\"\((pagePath as NSString).lastPathComponent)\""), "the index links the compare page")

        XCTAssertThrowsError(try store.compareText(["a"])) { XCTAssertTrue("\($0)".contains("takes 2 to 10 runs"), "\($0)") }
        XCTAssertThrowsError(try store.compareText(Array(repeating: "a", count: 11))) { XCTAssertTrue("\($0)".contains("not 11")) }
        XCTAssertThrowsError(try store.compareText(["a", a])) { XCTAssertTrue("\($0)".contains("a second time"), "\($0)") }
        let cli = try CommandLineTests.run(["runs", "compare", "--reports", reports, "a"], in: folderURL)
        XCTAssertEqual(cli.status, 1, cli.stdout)
        XCTAssertTrue(cli.stderr.contains("takes 2 to 10 runs"), cli.stderr)
    }

    /// Every page of a run folder, as text.
    func pages(_ run: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: run) where name.hasSuffix(".html") {
            result[name] = try String(contentsOfFile: run + "/" + name, encoding: .utf8)
        }
        return result
    }

    func renderReport(_ run: String) throws {
        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = ["report", "--run", run]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testARestoredArchiveRendersTheWholeReportWithoutTheCache() throws {
        let original = try runPipeline(until: .report)
        let run = (original as NSString).lastPathComponent
        XCTAssertEqual(try pages(original).values.filter { $0.contains("Not available") }.count, 0)
        let zip = folderURL.appendingPathComponent("run.zip").path
        _ = try RunStore(root: reports).archive(run, to: zip)
        let model = try Data(contentsOf: URL(fileURLWithPath: original + "/model.safetensors"))
        // Another machine: neither the cache nor the run folder.
        try FileManager.default.removeItem(atPath: cacheRoot)
        try FileManager.default.removeItem(atPath: reports)

        let elsewhere = RunStore(root: folderURL.appendingPathComponent("Elsewhere").path)
        let (restored, note) = try elsewhere.restore(archive: zip)
        XCTAssertEqual(restored, run)
        XCTAssertNil(note)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: elsewhere.path(run, "model.safetensors"))), model)
        XCTAssertEqual(elsewhere.status(run), .complete)
        XCTAssertTrue(try String(contentsOfFile: elsewhere.root + "/index.html", encoding: .utf8).contains(run), "the index lists it")
        try renderReport(elsewhere.path(run))
        let rendered = try pages(elsewhere.path(run))
        XCTAssertEqual(rendered.count, 6 + 26 + 1, "six pages, a gallery per letter, the t-SNE region map")
        XCTAssertEqual(rendered.filter { $0.value.contains("Not available") }.keys.sorted(), [], "every section is drawn")

        // The data set it carries is what makes that possible.
        try FileManager.default.removeItem(atPath: elsewhere.path(run, RunStore.archivedDataset))
        try renderReport(elsewhere.path(run))
        XCTAssertFalse(try pages(elsewhere.path(run)).filter { $0.value.contains("Not available") }.isEmpty)
        XCTAssertThrowsError(try elsewhere.restore(archive: zip)) { error in
            XCTAssertTrue("\(error)".contains("already exists"), "\(error)")
        }
    }

    /// A zip of `files` (name → bytes), with `links` (name → target) as symbolic links.
    func makeZip(_ files: [(String, Data)], links: [(String, String)] = []) throws -> String {
        let path = folderURL.appendingPathComponent("crafted-\(UUID().uuidString).zip").path
        let zip = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, data) in files {
            try zip.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        for (name, target) in links {
            let data = Data(target.utf8)
            try zip.addEntry(with: name, type: .symlink, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        return path
    }

    func testRestoreRefusesDamagedIncompleteAndHostileArchivesAndWritesNothing() throws {
        let original = try runPipeline()
        let run = (original as NSString).lastPathComponent
        let zip = folderURL.appendingPathComponent("run.zip").path
        _ = try RunStore(root: reports).archive(run, to: zip)
        var entries: [(String, Data)] = []
        let archive = try Archive(url: URL(fileURLWithPath: zip), accessMode: .read)
        for entry in archive where entry.type == .file {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            entries.append((entry.path, data))
        }
        let sums = try XCTUnwrap(entries.first { $0.0.hasSuffix("/SHA256SUMS") }).1
        let model = try XCTUnwrap(entries.firstIndex { $0.0.hasSuffix("/model.safetensors") })
        var flipped = entries
        flipped[model].1[flipped[model].1.count / 2] ^= 1
        let unlisted = entries + [("\(run)/extra.txt", Data("x".utf8))]
        let missing = entries.filter { $0.0 != entries[model].0 }
        let outside = entries + [("\(run)/../escape.txt", Data("x".utf8))]
        let badSums = entries.map { $0.0.hasSuffix("/SHA256SUMS") ? ($0.0, Data("not a sum\n".utf8) + sums) : $0 }
        let noSums = entries.filter { !$0.0.hasSuffix("/SHA256SUMS") }
        let cases: [(String, String)] = [
            (try makeZip(flipped), "does not match its SHA-256"),
            (try makeZip(unlisted), "is not listed in SHA256SUMS"),
            (try makeZip(missing), "which the archive does not hold"),
            (try makeZip(outside), "outside the run folder"),
            (try makeZip(badSums), "line 1 of SHA256SUMS"),
            (try makeZip(noSums), "no RUN/SHA256SUMS"),
            (try makeZip(entries, links: [("\(run)/link", "/etc/passwd")]), "symbolic link"),
            (folderURL.appendingPathComponent("config.yaml").path, "no such file"),
        ]
        try Data("seed: 0\n".utf8).write(to: folderURL.appendingPathComponent("not-a-zip.zip"))
        let all = cases + [(folderURL.appendingPathComponent("not-a-zip.zip").path, "not a zip file")]
        let target = RunStore(root: folderURL.appendingPathComponent("Target").path)
        for (path, expected) in all {
            XCTAssertThrowsError(try target.restore(archive: path), expected) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(expected): \(error)")
                XCTAssertTrue("\(error)".hasSuffix("Nothing was restored."), "\(error)")
            }
            XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: target.root)) ?? [], [], "nothing is left behind: \(expected)")
        }
        // The archive as written restores.
        XCTAssertEqual(try target.restore(archive: zip).run, run)
    }
}
