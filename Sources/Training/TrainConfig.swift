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

    public init(inputSize: Int, batchSize: Int, epochs: Int, learningRate: Double, distanceLossWeight: Double,
                split: (train: Double, val: Double, test: Double), channels: [Int], classHidden: Int, distanceHidden: Int) {
        self.inputSize = inputSize
        self.batchSize = batchSize
        self.epochs = epochs
        self.learningRate = learningRate
        self.distanceLossWeight = distanceLossWeight
        self.split = split
        self.channels = channels
        self.classHidden = classHidden
        self.distanceHidden = distanceHidden
    }

    public static func == (a: TrainConfig, b: TrainConfig) -> Bool {
        a.inputSize == b.inputSize && a.batchSize == b.batchSize && a.epochs == b.epochs
            && a.learningRate == b.learningRate && a.distanceLossWeight == b.distanceLossWeight
            && a.split == b.split && a.channels == b.channels
            && a.classHidden == b.classHidden && a.distanceHidden == b.distanceHidden
    }
}
