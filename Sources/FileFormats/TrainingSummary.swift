/// `training.json`: what training produced, with the settings that shaped it. The trainer
/// writes every key (a value that is not a finite number is written as null); readers accept
/// a file with keys missing, so a partial or older file still shows what it has.
public struct TrainingSummary: JSONRecord, Equatable, Sendable {
    public static let fileName = "training.json"
    public static let what = "a training summary"
    public static let escapesSlashes = true

    /// Per-channel mean and std of the training images that the first layer saw while training
    /// (the saved model has them folded in); null when training used raw [0, 1] input.
    public struct Standardisation: Codable, Equatable, Sendable {
        public var mean: [Double]
        public var std: [Double]

        public init(mean: [Double], std: [Double]) {
            self.mean = mean
            self.std = std
        }
    }

    public var inputStandardisation: Standardisation?
    public var learningRate: Double?
    public var learningRateDecay: Double?
    /// `train.precision` asked for, and the kernel that ran the products ("avx512", "openblas",
    /// "avx512-bf16", "amx-bf16"): bf16 asked for on a CPU without bf16 products trains in fp32
    /// (added keys).
    public var precision: String?
    public var productKernel: String?
    /// `train.convolution`: "winograd" or "direct" (an added key; absent in older files, which
    /// were all direct).
    public var convolution: String?
    public var configHash: String?
    public var seed: UInt64?
    public var epochs: Int?
    public var trainImages: Int?
    public var validationImages: Int?
    public var testImages: Int?
    public var testAccuracy: Double?
    public var testDistanceMAE: Double?
    public var finalValidationAccuracy: Double?
    public var meanTrainImagesPerSecond: Double?
    public var seconds: Double?

    public init(inputStandardisation: Standardisation? = nil, learningRate: Double? = nil, learningRateDecay: Double? = nil,
                precision: String? = nil, productKernel: String? = nil, convolution: String? = nil, configHash: String? = nil, seed: UInt64? = nil, epochs: Int? = nil, trainImages: Int? = nil,
                validationImages: Int? = nil, testImages: Int? = nil, testAccuracy: Double? = nil, testDistanceMAE: Double? = nil,
                finalValidationAccuracy: Double? = nil, meanTrainImagesPerSecond: Double? = nil, seconds: Double? = nil) {
        self.inputStandardisation = inputStandardisation
        self.learningRate = learningRate
        self.learningRateDecay = learningRateDecay
        self.precision = precision
        self.productKernel = productKernel
        self.convolution = convolution
        self.configHash = configHash
        self.seed = seed
        self.epochs = epochs
        self.trainImages = trainImages
        self.validationImages = validationImages
        self.testImages = testImages
        self.testAccuracy = testAccuracy
        self.testDistanceMAE = testDistanceMAE
        self.finalValidationAccuracy = finalValidationAccuracy
        self.meanTrainImagesPerSecond = meanTrainImagesPerSecond
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case epochs, seconds, seed, precision, convolution
        case productKernel = "product_kernel"
        case inputStandardisation = "input_standardisation", learningRate = "learning_rate", learningRateDecay = "learning_rate_decay"
        case trainImages = "train_images", validationImages = "validation_images", testImages = "test_images"
        case testAccuracy = "test_accuracy", testDistanceMAE = "test_distance_mae"
        case finalValidationAccuracy = "final_validation_accuracy"
        case meanTrainImagesPerSecond = "mean_train_images_per_second", configHash = "config_hash"
    }

    /// Every key is written; absent values and numbers that are not finite as null (JSON has
    /// no NaN), as the file has always been written.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func number(_ value: Double?, _ key: CodingKeys) throws {
            if let value, value.isFinite { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
        }
        if let inputStandardisation { try c.encode(inputStandardisation, forKey: .inputStandardisation) } else { try c.encodeNil(forKey: .inputStandardisation) }
        try number(learningRate, .learningRate)
        try number(learningRateDecay, .learningRateDecay)
        try c.encodeIfPresent(precision, forKey: .precision)
        try c.encodeIfPresent(productKernel, forKey: .productKernel)
        try c.encodeIfPresent(convolution, forKey: .convolution)
        try c.encode(configHash, forKey: .configHash)
        try c.encode(seed, forKey: .seed)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(trainImages, forKey: .trainImages)
        try c.encode(validationImages, forKey: .validationImages)
        try c.encode(testImages, forKey: .testImages)
        try number(testAccuracy, .testAccuracy)
        try number(testDistanceMAE, .testDistanceMAE)
        try number(finalValidationAccuracy, .finalValidationAccuracy)
        try number(meanTrainImagesPerSecond, .meanTrainImagesPerSecond)
        try number(seconds, .seconds)
    }
}
