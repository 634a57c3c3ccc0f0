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
        A run goes generate → train → analyse → report. Every random choice follows the config's seed, \
        so the same config and seed give the same bytes. `asl-lab config show` prints every setting.
        """,
        version: ToolInfo.versionLine,
        subcommands: [RunCommand.self, SweepCommand.self, RunsCommand.self, CacheCommand.self, GenerateCommand.self, SamplesCommand.self, TrainCommand.self, PredictCommand.self, AnalyseCommand.self, TSNECommand.self, ReportCommand.self, ConfigCommand.self, BenchCommand.self]
    )
}

/// Commands whose work runs on the engine's product kernels (training, inference, t-SNE's and
/// PCA's products, the benchmarks of those): they refuse a kernel choice in the environment
/// that asl-lab does not know before they start (`KernelEnvironment`).
protocol ComputesWithKernels {}

extension RunCommand: ComputesWithKernels {}
extension SweepCommand: ComputesWithKernels {}
extension TrainCommand: ComputesWithKernels {}
extension PredictCommand: ComputesWithKernels {}
extension AnalyseCommand: ComputesWithKernels {}
extension TSNECommand: ComputesWithKernels {}
extension BenchCommand.Train: ComputesWithKernels {}
extension BenchCommand.Tsne: ComputesWithKernels {}

/// The config key a command's `--set` help shows as its example: one the command reads.
protocol SetExample {
    static var example: String { get }
}

/// Commands that read the whole config (`run`, `config`).
enum AnyKey: SetExample { static let example = "train.epochs=5" }
/// Commands that only draw images (`generate`, `samples`, `bench generate`).
enum DataKey: SetExample { static let example = "data.images_per_letter=100" }
/// `train`.
enum TrainKey: SetExample { static let example = "train.epochs=5" }
/// `analyse`.
enum AnalyseKey: SetExample { static let example = "analyse.tsne.perplexity=20" }

/// `--config FILE` and `--set key=value`, shared by every command that reads the config;
/// `Example` picks the key its help shows.
struct ConfigOptions<Example: SetExample>: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp("A YAML file merged over the built-in defaults.", valueName: "file"))
    var file: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one config key, e.g. --set \(Example.example) (repeatable; applied after --config; `asl-lab config reference` lists the keys).", valueName: "key=value"))
    var overrides: [String] = []

    func load() throws -> EffectiveConfig {
        try ConfigLoader.load(file: file, overrides: overrides)
    }

    /// `load`, with `--data DIR` standing for `--set data.source=folder --set data.folder=DIR`
    /// (applied last; the folder made absolute, so the run's config names it from anywhere).
    func load(data: String?) throws -> EffectiveConfig {
        guard let data else { return try load() }
        return try ConfigLoader.load(file: file, overrides: overrides + PipelineRun.dataOverrides(folder: data))
    }
}
