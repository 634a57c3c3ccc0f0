import ArgumentParser
import BuildInfo
import Configuration
import Pipeline

/// The root command: subcommands follow DESIGN.md's CLI contract.
struct ASLLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asl-lab",
        abstract: "Generate a synthetic ASL-pattern image data set, train a small CNN on it, analyse it and report.",
        discussion: """
        A run goes generate → train → analyse → report. Every random choice follows the config's seed,
        so the same config and seed give the same bytes. `asl-lab config show` prints every setting.
        """,
        version: ToolInfo.versionLine,
        subcommands: [RunCommand.self, RunsCommand.self, CacheCommand.self, GenerateCommand.self, SamplesCommand.self, TrainCommand.self, PredictCommand.self, AnalyseCommand.self, TSNECommand.self, ReportCommand.self, ConfigCommand.self, BenchCommand.self]
    )
}

/// `--config FILE` and `--set key=value`, shared by every command that reads the config.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp("A YAML file merged over the built-in defaults.", valueName: "file"))
    var file: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one key, e.g. --set train.epochs=5 (repeatable; applied after --config).", valueName: "key=value"))
    var overrides: [String] = []

    func load() throws -> EffectiveConfig {
        try ConfigLoader.load(file: file, overrides: overrides)
    }
}
