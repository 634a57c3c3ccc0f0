import Canvas
import Foundation

/// Everything random about one sample, decided before any pixel is drawn.
public struct SamplePlan: Equatable, Sendable {
    public let letter: Int
    public let index: Int
    /// The distance scalar d, rounded to 6 decimals so the label file holds it exactly.
    public let distance: Double
    /// Rotation of the pattern, degrees.
    public let rotationDegrees: Double
    /// Background colour before texture, per channel 0…255.
    public let background: (Int, Int, Int)
    /// Gaussian blur σ in pixels at 256 px, or nil when this sample is not blurred.
    public let blurRadius: Double?

    public static func == (a: SamplePlan, b: SamplePlan) -> Bool {
        a.letter == b.letter && a.index == b.index && a.distance == b.distance && a.rotationDegrees == b.rotationDegrees
            && a.background == b.background && a.blurRadius == b.blurRadius
    }
}

/// Draws samples: pattern coverage through Cairo, then background, Perlin texture, distance
/// cues, blur and noise in one pass. One renderer per thread (it reuses its canvas); the
/// pixels of a sample depend only on (config, seed, letter, index).
public final class SampleRenderer {
    public let config: DataConfig
    public let seed: UInt64
    private let canvas: ImageCanvas
    private let noise: GaussianNoiseTable

    // How far-away samples look different, beyond being smaller: lower contrast (ink fades
    // towards the background by up to this fraction) and softer edges (extra blur σ in pixels
    // at 256 px). Both make distance recoverable from more than size.
    static let farInkFade = 0.5
    static let farSoftness = 0.9

    public init(config: DataConfig, seed: UInt64, noise: GaussianNoiseTable? = nil) throws {
        self.config = config
        self.seed = seed
        self.canvas = try ImageCanvas.coverage(width: config.imageSize, height: config.imageSize)
        self.noise = noise ?? GaussianNoiseTable(sigma: config.augment.noiseSigma)
    }

    /// The random decisions for sample `index` of `letter`, in the original's order.
    public func plan(letter: Int, index: Int) -> SamplePlan {
        var random = SampleRandom(seed: seed, letter: letter, index: index, stream: 0)
        let a = config.augment
        let d = (random.uniform(config.distanceMin, config.distanceMax) * 1e6).rounded() / 1e6 // original: U(1, 5)
        let base = random.int(a.backgroundBase.lowerBound, a.backgroundBase.upperBound) // original: randint(200, 255)
        func channel() -> Int { min(255, max(0, base + random.int(-a.backgroundJitter, a.backgroundJitter))) }
        let background = (channel(), channel(), channel())
        let rotation = random.uniform(0, a.rotationDegrees)
        let blurred = random.chance(a.blurProbability)
        let radius = random.uniform(a.blurRadius.lowerBound, a.blurRadius.upperBound)
        return SamplePlan(letter: letter, index: index, distance: d, rotationDegrees: rotation,
                          background: background, blurRadius: blurred ? radius : nil)
    }

    /// The finished image of a planned sample.
    public func render(_ plan: SamplePlan) -> RGBImage {
        let size = config.imageSize
        let pixelScale = Double(size) / 256
        let a = config.augment
        var drawRandom = SampleRandom(seed: seed, letter: plan.letter, index: plan.index, stream: 1)
        var textureRandom = SampleRandom(seed: seed, letter: plan.letter, index: plan.index, stream: 2)
        var noiseRandom = SampleRandom(seed: seed, letter: plan.letter, index: plan.index, stream: 3)

        // 1. Pattern coverage; rotation is a drawing transform, so no resampling blur.
        canvas.clear()
        canvas.translate(x: Double(size) / 2, y: Double(size) / 2)
        canvas.scale(x: pixelScale, y: pixelScale)
        canvas.rotate(radians: plan.rotationDegrees * .pi / 180)
        canvas.setLineCap(.butt)
        let family = config.families.family(forLetter: plan.letter)
        family.draw(on: canvas, context: PatternContext(scale: 1.5 / plan.distance, jitter: a.geometricJitter), random: &drawRandom)
        let covered = canvas.coverage()

        // 2. Blur: the sample's own (probabilistic) blur combined with distance softness.
        let far = config.distanceMax > config.distanceMin
            ? (plan.distance - config.distanceMin) / (config.distanceMax - config.distanceMin) : 0
        let softness = Self.farSoftness * far
        let sigma = ((plan.blurRadius ?? 0) * (plan.blurRadius ?? 0) + softness * softness).squareRoot() * pixelScale
        var alpha = covered.map { Float($0) * (1 / 255) }
        GaussianBlur.apply(&alpha, width: size, height: size, sigma: sigma)

        // 3. Background + texture, ink fading with distance, noise; one pass over the pixels.
        let texture = PerlinTexture.field(size: size, scale: a.perlinScale * pixelScale, amplitude: a.perlinAmplitude, random: &textureRandom)
        let bg = [Float(plan.background.0), Float(plan.background.1), Float(plan.background.2)]
        let ink = Float((Double(plan.background.0 + plan.background.1 + plan.background.2) / 3) * Self.farInkFade * far)
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        let noiseOn = a.noiseSigma > 0
        noise.values.withUnsafeBufferPointer { table in
            alpha.withUnsafeBufferPointer { alpha in
                texture.withUnsafeBufferPointer { texture in
                    pixels.withUnsafeMutableBufferPointer { out in
                        var bits: UInt64 = 0
                        var bitsLeft = 0
                        for p in 0..<(size * size) {
                            let cover = alpha[p], tex = texture[p]
                            for c in 0..<3 {
                                let base = bg[c] + tex
                                var v = base + (ink - base) * cover
                                if noiseOn {
                                    if bitsLeft == 0 { bits = noiseRandom.next(); bitsLeft = 4 }
                                    v += table[Int(bits & 0xFFFF)]
                                    bits >>= 16
                                    bitsLeft -= 1
                                }
                                out[p * 3 + c] = UInt8(max(0, min(255, v + 0.5)))
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: size, height: size, pixels: pixels)
    }
}
