import NN

/// What the train stage reads (the config's `train.*` keys; see `ConfigSchema` in Pipeline for
/// ranges and defaults).
public struct TrainConfig: Equatable, Sendable {
    /// Side of the model's input, pixels (images are resized to it).
    public var inputSize: Int
    public var batchSize: Int
    public var epochs: Int
    public var learningRate: Double
    /// w in CE + w·MSE.
    public var distanceLossWeight: Double
    public var split: (train: Double, val: Double, test: Double)
    public var channels: [Int]
    public var classHidden: Int
    public var distanceHidden: Int
    /// Standardise each input channel by the training split's mean and std while training
    /// (see `InputStandardisation`); the saved model takes [0, 1] input either way.
    public var standardiseInput: Bool
    /// Fraction of all steps, at the end, over which the learning rate falls linearly to 0
    /// (0: constant, as the original).
    public var learningRateDecay: Double
    /// The products' arithmetic (see `Precision`); bf16 falls back to fp32 on CPUs without it.
    public var precision: Precision
    /// How the convolutions that can form their products by Winograd do so (see
    /// `ConvolutionAlgorithm`); each gives the same bytes on every AVX-512 CPU, not the others'.
    public var convolution: ConvolutionAlgorithm

    public init(inputSize: Int, batchSize: Int, epochs: Int, learningRate: Double, distanceLossWeight: Double,
                split: (train: Double, val: Double, test: Double), channels: [Int], classHidden: Int, distanceHidden: Int,
                standardiseInput: Bool = true, learningRateDecay: Double = 0, precision: Precision = .fp32,
                convolution: ConvolutionAlgorithm = .winograd) {
        self.inputSize = inputSize
        self.batchSize = batchSize
        self.epochs = epochs
        self.learningRate = learningRate
        self.distanceLossWeight = distanceLossWeight
        self.split = split
        self.channels = channels
        self.classHidden = classHidden
        self.distanceHidden = distanceHidden
        self.standardiseInput = standardiseInput
        self.learningRateDecay = learningRateDecay
        self.precision = precision
        self.convolution = convolution
    }

    /// The learning rate of step `step` (0-based) of `totalSteps`: constant, then falling
    /// linearly to 0 over the last `learningRateDecay` of the steps. A function of the step
    /// alone, so a resumed run follows the same schedule.
    public func learningRate(step: Int, of totalSteps: Int) -> Double {
        let decaySteps = learningRateDecay * Double(totalSteps)
        let left = Double(totalSteps - step)
        guard decaySteps > 0, left < decaySteps else { return learningRate }
        return learningRate * max(0, left) / decaySteps
    }

    public static func == (a: TrainConfig, b: TrainConfig) -> Bool {
        a.inputSize == b.inputSize && a.batchSize == b.batchSize && a.epochs == b.epochs
            && a.learningRate == b.learningRate && a.distanceLossWeight == b.distanceLossWeight
            && a.split == b.split && a.channels == b.channels
            && a.classHidden == b.classHidden && a.distanceHidden == b.distanceHidden
            && a.standardiseInput == b.standardiseInput && a.learningRateDecay == b.learningRateDecay
            && a.precision == b.precision && a.convolution == b.convolution
    }
}
