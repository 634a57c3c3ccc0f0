import ArgumentParser
import Configuration
import Pipeline

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or check the effective configuration.",
        subcommands: [Show.self, Validate.self, Reference.self],
        defaultSubcommand: Show.self
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective config (defaults, then --config, then --set) as YAML, with its hash.")
        @OptionGroup var options: ConfigOptions<AnyKey>

        func run() throws {
            let config = try options.load()
            print("# effective config, sha256 \(config.hash)")
            print(config.yaml, terminator: "")
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a config file and overrides; exit 0 if valid, 1 with the reason if not.")
        @OptionGroup var options: ConfigOptions<AnyKey>

        func run() throws {
            let config = try options.load()
            let what = options.file.map { "The config file \($0)" } ?? "The configuration"
            print("\(what) is valid. Config hash: \(config.hash)")
        }
    }

    struct Reference: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every config key with its default and meaning, as a Markdown table.")

        func run() throws {
            print(ConfigReference.markdown(), terminator: "")
        }
    }
}
