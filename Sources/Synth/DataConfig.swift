/// What the generate stage reads (`seed` aside, the config's `data.*` keys; see `ConfigSchema`
/// in Pipeline for ranges and defaults).
public struct DataConfig: Equatable, Sendable {
    public var imagesPerLetter: Int
    /// Side of the square images, pixels.
    public var imageSize: Int
    public var families: FamilySet
    public var distanceMin: Double
    public var distanceMax: Double
    public var augment: AugmentConfig

    public init(imagesPerLetter: Int, imageSize: Int, families: FamilySet, distanceMin: Double, distanceMax: Double, augment: AugmentConfig) {
        self.imagesPerLetter = imagesPerLetter
        self.imageSize = imageSize
        self.families = families
        self.distanceMin = distanceMin
        self.distanceMax = distanceMax
        self.augment = augment
    }

    /// Images in the whole data set.
    public var imageCount: Int { imagesPerLetter * Letters.count }
}

/// Augmentation parameters (`data.augment.*`).
public struct AugmentConfig: Equatable, Sendable {
    /// Rotation drawn from U(0, this) degrees.
    public var rotationDegrees: Double
    public var blurProbability: Double
    /// Gaussian blur radius (σ, pixels at 256 px) range.
    public var blurRadius: ClosedRange<Double>
    /// Additive pixel noise σ in 8-bit levels.
    public var noiseSigma: Double
    /// Peak Perlin texture amplitude in 8-bit levels.
    public var perlinAmplitude: Double
    /// Perlin feature size in pixels (at 256 px).
    public var perlinScale: Double
    public var backgroundBase: ClosedRange<Int>
    public var backgroundJitter: Int
    /// 0…1 relative perturbation of primitives.
    public var geometricJitter: Double

    public init(rotationDegrees: Double, blurProbability: Double, blurRadius: ClosedRange<Double>, noiseSigma: Double,
                perlinAmplitude: Double, perlinScale: Double, backgroundBase: ClosedRange<Int>, backgroundJitter: Int,
                geometricJitter: Double) {
        self.rotationDegrees = rotationDegrees
        self.blurProbability = blurProbability
        self.blurRadius = blurRadius
        self.noiseSigma = noiseSigma
        self.perlinAmplitude = perlinAmplitude
        self.perlinScale = perlinScale
        self.backgroundBase = backgroundBase
        self.backgroundJitter = backgroundJitter
        self.geometricJitter = geometricJitter
    }
}

/// The 26 class labels.
public enum Letters {
    public static let count = 26
    /// "A" … "Z".
    public static let all: [String] = (0..<26).map { String(UnicodeScalar(UInt8(65 + $0))) }

    /// The index of a one-letter label "A"…"Z", or nil.
    public static func index(of label: String) -> Int? {
        guard label.utf8.count == 1, let byte = label.utf8.first, (65...90).contains(byte) else { return nil }
        return Int(byte) - 65
    }
}
