import AtomicIO
import Analysis
import Configuration
import Foundation
import NN
import Training

/// The analyse stage: reads `analyse.*` plus the seed, split and model shape of `train.*`;
/// evaluates a trained model on the test split and writes `metrics.json`, the embeddings, the
/// 2-D maps and the look inside the model. The same code serves `asl-lab analyse` and `run`.
public enum AnalyseStage {
    public static func job(config: EffectiveConfig, data: String, model: String, out: String, threads: Int? = nil) -> AnalysisJob {
        let typed = Config(config)
        return AnalysisJob(dataFolder: data, modelPath: model, outFolder: out, seed: typed.trainSeed, split: typed.train.split,
                           batchSize: typed.train.batchSize, distanceRange: (typed.data.distanceMin, typed.data.distanceMax),
                           tsnePerplexity: typed.analyse.tsnePerplexity, tsneIterations: typed.analyse.tsneIterations,
                           tsneMaxPoints: typed.analyse.tsneMaxPoints, samplesPerLetter: typed.analyse.samplesPerLetter,
                           threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The model shape the config asks for (a model of another shape is refused).
    public static func architecture(config: EffectiveConfig) -> SmallCNNArchitecture {
        let t = Config(config).train
        return SmallCNNArchitecture(inputSize: t.inputSize, channels: t.channels, classHidden: t.classHidden,
                                    distanceHidden: t.distanceHidden, classes: 26)
    }

    public static func run(_ job: AnalysisJob, expected: SmallCNNArchitecture?, console: ConsoleOutput = .standardError) throws -> Analyser.Outcome {
        try StageInputs.requireFile(job.modelPath, option: "--model", what: "a model.safetensors written by `asl-lab train`")
        try StageInputs.requireDataset(job.dataFolder, option: "--data")
        console.write("Analysing \(job.whole ? "every image" : "the test split") of \(job.dataFolder)…\n")
        return try Analyser.run(job, expected: expected)
    }

    public static func summary(_ outcome: Analyser.Outcome, shownAs: String? = nil) -> String {
        let m = outcome.metrics
        guard m.hasDistance else {
            return String(format: "Accuracy %.2f %% (macro F1 %.3f) on %@ (the data set has no distances); analysed in %.1f s: %@",
                          m.accuracy * 100, m.macroF1, Count.of(m.testImages, "test image"), outcome.seconds, shownAs ?? outcome.folder)
        }
        return String(format: "Test accuracy %.2f %% (macro F1 %.3f), distance MAE %.3f, RMSE %.3f, R² %.3f on %@; analysed in %.1f s: %@",
                      m.accuracy * 100, m.macroF1, m.distance.mae, m.distance.rmse, m.distance.r2, Count.of(m.testImages, "test image"), outcome.seconds, shownAs ?? outcome.folder)
    }
}
