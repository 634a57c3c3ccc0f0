import ArgumentParser
import Pipeline
import Storage

struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Look after the cache of data sets and stage outputs.",
        subcommands: [Verify.self])

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
