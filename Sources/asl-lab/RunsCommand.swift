import ArgumentParser
import Pipeline
import Storage

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List, compare, archive, restore and remove the runs in a reports folder.",
        subcommands: [List.self, Compare.self, Archive.self, Restore.self, Remove.self])

    struct Location: ParsableArguments {
        @Option(help: ArgumentHelp("Folder that holds the run folders.", valueName: "dir"))
        var reports: String = "Reports"
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every run: name, key config, test accuracy, distance MAE, duration.")
        @OptionGroup var location: Location

        @Flag(help: "Print the runs as a JSON array (every config key, metrics, status, tags, note) instead of a table.")
        var json = false

        @Option(parsing: .unconditional, help: ArgumentHelp("Order by a key: accuracy, mae, duration, created, name, status, or a config key; -KEY for largest first.", valueName: "key"))
        var sort: String?

        @Option(name: .customLong("where"), help: ArgumentHelp("Only runs whose key has this value, e.g. tag=baseline, status=complete, train.epochs=3 (repeatable: all must hold).", valueName: "key=value"))
        var conditions: [String] = []

        func run() throws {
            let store = RunStore(root: location.reports)
            try store.requireRoot()
            let query = try RunQuery(where: conditions, sort: sort)
            let rows = try query.apply(store.rows())
            print(json ? try store.listJSON(rows) : store.listText(rows, filtered: !conditions.isEmpty), terminator: "")
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The config keys that differ between 2 to 10 runs and how their metrics moved, with a compare page.",
            discussion: "Each run is a run folder name, a run name (as given to `asl-lab run --name`; an exact name wins), any part of a folder name that only one run has (e.g. its time stamp), or the path of a run folder in another reports folder. The first run is A; the others are compared with it.")
        @OptionGroup var location: Location
        @Argument(help: ArgumentHelp("The runs: A, B and up to eight more.", valueName: "run")) var runs: [String] = []

        func run() throws {
            print(try RunStore(root: location.reports).compareText(runs), terminator: "")
        }
    }

    struct Archive: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A zip of a run with the data set it used and a SHA256SUMS list, each entry verified after writing.")
        @OptionGroup var location: Location
        @Argument(help: "The run: its folder name or a unique part of it.") var id: String
        @Option(help: ArgumentHelp("Where to write the zip (default: the run folder's path + .zip).", valueName: "file"))
        var out: String?

        func run() throws {
            let (path, files, note) = try RunStore(root: location.reports).archive(id, to: out)
            if let note { print("note: " + note) }
            print("Archived \(Count.of(files, "file")) with their SHA-256 sums, each read back and checked: \(path)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Remove a run folder (not one that is still running) and update the reports folder's index.",
            discussion: """
            The cache entries the run used (its data set, model and analysis) stay in the cache, where other runs may \
            share them; `asl-lab cache prune` removes the entries no run uses any more.
            """)
        @OptionGroup var location: Location
        @Argument(help: "The run: its folder name or a unique part of it.") var id: String

        func run() throws {
            let removed = try RunStore(root: location.reports).remove(id)
            print("Removed the run \(removed) from \(location.reports); `asl-lab cache prune` frees the cache entries no run uses any more.")
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unpack a run archive (from `runs archive`) into a run folder, checking every file against its SHA256SUMS.",
            discussion: """
            The run folder appears under --reports only when every file matched; the data set the archive carries goes \
            into the run folder's dataset/, so `asl-lab report --run FOLDER` draws the whole report again on a machine \
            without the cache that made it.
            """)
        @OptionGroup var location: Location
        @Argument(help: ArgumentHelp("The zip that `asl-lab runs archive` wrote.", valueName: "file.zip")) var archive: String

        func run() throws {
            let (run, note) = try RunStore(root: location.reports).restore(archive: archive)
            if let note { print("note: " + note) }
            print("Restored the run \(run), every file checked against the archive's SHA256SUMS: \(RunStore(root: location.reports).path(run))")
        }
    }
}
