import ArgumentParser
import Pipeline
import Storage

struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Look after the cache of data sets and stage outputs.",
        discussion: """
        An entry is used when a run folder's manifest (in the reports folders named with --reports, default Reports) \
        records it: the data set a run read, its model and analysis, the figures its report reuses.
        """,
        subcommands: [List.self, Size.self, Prune.self, Verify.self])

    /// Where the cache and the run folders that use it are.
    struct Location: ParsableArguments {
        @Option(help: ArgumentHelp("The cache folder.", valueName: "dir"))
        var cache: String = ".asl-cache"

        @Option(help: ArgumentHelp("A folder of run folders whose runs use the cache (repeatable; default Reports).", valueName: "dir"))
        var reports: [String] = []

        func inventory() throws -> CacheInventory {
            try CacheInventory.scan(root: cache, reportsRoots: reports.isEmpty ? ["Reports"] : reports)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every cache entry: what it is, its size, when it was made and which runs use it.")
        @OptionGroup var location: Location

        func run() throws {
            print(try location.inventory().listText(), terminator: "")
        }
    }

    struct Size: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How much the cache holds, by stage, and how much of it no run uses.")
        @OptionGroup var location: Location

        func run() throws {
            print(try location.inventory().sizeText(), terminator: "")
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the cache entries no run uses; with --max-size, only until the cache fits.",
            discussion: """
            Without --max-size every entry no run folder uses is removed. With --max-size the least recently used \
            entries go first and pruning stops once the cache fits; if the entries no run uses are not enough, entries \
            that runs use go too (their run folders keep model and analysis, and `asl-lab run` with their config \
            draws the data set again), unless --keep-runs is given. Unfinished stages that an interrupted run would \
            resume from are kept unless --unfinished is given. A run using the cache is never disturbed: prune waits \
            for it to finish.
            """)
        @OptionGroup var location: Location

        @Option(help: ArgumentHelp("Prune only until the cache holds at most this much, e.g. 5G, 500M (powers of 1024).", valueName: "size"))
        var maxSize: String?

        @Flag(help: "Never remove an entry a run folder uses, even to reach --max-size.")
        var keepRuns = false

        @Flag(help: "Also remove unfinished stages (an interrupted run then starts them over).")
        var unfinished = false

        @Flag(help: "Print what would be removed; remove nothing.")
        var dryRun = false

        func run() throws {
            let limit = try maxSize.map { try CachePrune.size($0, option: "--max-size") }
            let options = CachePrune.Options(maxBytes: limit, keepRuns: keepRuns, unfinished: unfinished, dryRun: dryRun)
            print(try CachePrune.run(root: location.cache, reportsRoots: location.reports.isEmpty ? ["Reports"] : location.reports,
                                     options: options) { ConsoleOutput.standardOutput.write($0) })
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hash every cache entry again and compare it with its seal; remove damaged entries.",
            discussion: """
            A run reuses an entry after checking sizes and modification times (and, for the files it copies into its run \
            folder, their content). This checks every file's content, so bit rot in a large data set is found too. \
            Damaged entries are removed: the next run that needs one computes it again. Exits 1 if any was damaged.
            """)

        @Option(help: ArgumentHelp("The cache folder.", valueName: "dir"))
        var cache: String = ".asl-cache"

        func run() throws {
            print(try CacheCheck.verifyAndSummarise(root: cache) { ConsoleOutput.standardOutput.write($0) })
        }
    }
}
