/// `asl-lab run`: the whole pipeline on one effective config. Stages are added here as they
/// are built (generate, train, analyse, report); today it checks the config and says so.
public enum PipelineRun {
    public struct Options: Sendable {
        public var reportsRoot: String
        public var name: String
        public init(reportsRoot: String, name: String) {
            self.reportsRoot = reportsRoot
            self.name = name
        }
    }

    public struct Outcome: Sendable {
        /// The last line `run` prints.
        public var summary: String
    }

    public static func run(config: EffectiveConfig, options: Options, output: ConsoleOutput) throws -> Outcome {
        let typed = Config(config)
        output.write("""
        Configuration checked: \(ConfigSchema.fields.count) keys, seed \(typed.seed), \
        \(typed.data.imagesPerLetter) images per letter at \(typed.data.imageSize) px, \
        \(typed.train.epochs) epochs.

        """)
        return Outcome(summary: "Config hash \(config.hash). No pipeline stage is built into this version yet: nothing was generated or trained.")
    }
}
