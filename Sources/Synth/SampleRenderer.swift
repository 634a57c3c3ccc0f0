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
    static let farInkFade = 0.3
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
        render(plan, steps: .all)
    }

    /// The sample drawn with each augmentation added in turn, for the report's "augmentation
    /// steps" figure: the pattern alone, rotated, on its textured background, blurred, with
    /// pixel noise, and with the distance cues (fainter ink, softer edges). The last image
    /// equals `render(plan)`; each reuses the sample's own random draws.
    public func augmentationSteps(_ plan: SamplePlan) -> [(name: String, image: RGBImage)] {
        var steps: AugmentationSteps = []
        return AugmentationSteps.sequence.map { step in
            steps.insert(step.step)
            return (step.name, render(plan, steps: steps))
        }
    }

    func render(_ plan: SamplePlan, steps: AugmentationSteps) -> RGBImage {
        let size = config.imageSize
        let pixelScale = Double(size) / 256
        let a = config.augment
        var drawRandom = SampleRandom(seed: seed, letter: plan.letter, index: plan.index, stream: 1)
        var textureRandom = SampleRandom(seed: seed, letter: plan.letter, index: plan.index, stream: 2)
        let noiseRandom = SampleRandom(seed: seed, letter: plan.letter, index: plan.index, stream: 3)

        // 1. Pattern coverage; rotation is a drawing transform, so no resampling blur.
        canvas.clear()
        canvas.translate(x: Double(size) / 2, y: Double(size) / 2)
        canvas.scale(x: pixelScale, y: pixelScale)
        if steps.contains(.rotation) { canvas.rotate(radians: plan.rotationDegrees * .pi / 180) }
        canvas.setLineCap(.butt)
        let family = config.families.family(forLetter: plan.letter)
        family.draw(on: canvas, context: PatternContext(scale: 1.5 / plan.distance, jitter: a.geometricJitter), random: &drawRandom)
        let covered = canvas.coverage()

        // 2. Blur: the sample's own (probabilistic) blur combined with distance softness,
        // computed only over the box around the ink (most of the image is empty).
        let far = config.distanceMax > config.distanceMin && steps.contains(.distanceCues)
            ? (plan.distance - config.distanceMin) / (config.distanceMax - config.distanceMin) : 0
        let softness = Self.farSoftness * far
        let blur = steps.contains(.blur) ? plan.blurRadius ?? 0 : 0
        let sigma = (blur * blur + softness * softness).squareRoot() * pixelScale
        let ink = InkLayer(coverage: covered, size: size, sigma: sigma)

        // 3. Background + texture, ink fading with distance, noise; one pass over the pixels.
        let background = steps.contains(.background) ? plan.background : (255, 255, 255)
        let texture = PerlinTexture(size: size, scale: a.perlinScale * pixelScale,
                                    amplitude: steps.contains(.background) ? a.perlinAmplitude : 0, random: &textureRandom)
        let bg = (Float(background.0), Float(background.1), Float(background.2))
        let inkLevel = Float((Double(background.0 + background.1 + background.2) / 3) * Self.farInkFade * far)
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        let rowLength = size * 3
        // Per-row scratch in the interleaved RGB layout, so the final loop is element-wise.
        var textureRow = [Float](repeating: 0, count: size)
        var baseRow = [Float](repeating: 0, count: rowLength)
        var coverRow = [Float](repeating: 0, count: rowLength)
        var noiseRow = [Float](repeating: 0, count: rowLength)
        var noiseBits = NoiseBits(random: noiseRandom, enabled: a.noiseSigma > 0 && steps.contains(.noise))
        let box = ink.box
        noise.values.withUnsafeBufferPointer { table in
            ink.alpha.withUnsafeBufferPointer { alpha in
                pixels.withUnsafeMutableBufferPointer { out in
                    textureRow.withUnsafeMutableBufferPointer { tex in
                    baseRow.withUnsafeMutableBufferPointer { base in
                    coverRow.withUnsafeMutableBufferPointer { cover in
                    noiseRow.withUnsafeMutableBufferPointer { noise in
                        for y in 0..<size {
                            texture.row(y, into: tex)
                            for x in 0..<size {
                                let t = tex[x]
                                base[3 * x] = bg.0 + t
                                base[3 * x + 1] = bg.1 + t
                                base[3 * x + 2] = bg.2 + t
                            }
                            noiseBits.fill(noise, from: table)
                            let row = UnsafeMutableBufferPointer(rebasing: out[(y * rowLength)..<((y + 1) * rowLength)])
                            if box.rows.contains(y) {
                                let source = (y - box.rows.lowerBound) * box.width
                                for x in box.columns {
                                    let c = alpha[source + x - box.columns.lowerBound]
                                    cover[3 * x] = c; cover[3 * x + 1] = c; cover[3 * x + 2] = c
                                }
                                PixelKernels.compose(base: base, cover: cover, ink: inkLevel, noise: noise, into: row)
                                for j in (3 * box.columns.lowerBound)..<(3 * box.columns.upperBound) { cover[j] = 0 }
                            } else {
                                PixelKernels.compose(base: base, noise: noise, into: row)
                            }
                        }
                    }
                    }
                    }
                    }
                }
            }
        }
        return RGBImage(width: size, height: size, pixels: pixels)
    }

}

/// Which augmentations `SampleRenderer.render(_:steps:)` applies.
struct AugmentationSteps: OptionSet {
    let rawValue: Int
    static let rotation = AugmentationSteps(rawValue: 1)
    static let background = AugmentationSteps(rawValue: 2)
    static let blur = AugmentationSteps(rawValue: 4)
    static let noise = AugmentationSteps(rawValue: 8)
    static let distanceCues = AugmentationSteps(rawValue: 16)
    static let all: AugmentationSteps = [.rotation, .background, .blur, .noise, .distanceCues]

    /// The steps in the order the report shows them, each with its caption.
    static let sequence: [(name: String, step: AugmentationSteps)] = [
        ("pattern", []), ("rotated", .rotation), ("background", .background), ("blur", .blur),
        ("noise", .noise), ("distance", .distanceCues),
    ]
}

/// The blurred ink coverage in the box around the drawn pixels (0…1 floats), so blur and
/// compositing skip the empty rest of the image.
struct InkLayer {
    struct Box {
        var rows: Range<Int>
        var columns: Range<Int>
        var width: Int { columns.count }
    }

    let box: Box
    let alpha: [Float]

    init(coverage: [UInt8], size: Int, sigma: Double) {
        var top = size, bottom = -1, left = size, right = -1
        coverage.withUnsafeBufferPointer { c in
            for y in 0..<size {
                let row = c.baseAddress! + y * size
                var x = 0
                while x < size, row[x] == 0 { x += 1 }
                guard x < size else { continue }
                var last = size - 1
                while row[last] == 0 { last -= 1 }
                top = min(top, y); bottom = y
                left = min(left, x); right = max(right, last)
            }
        }
        guard bottom >= 0 else {
            box = Box(rows: 0..<0, columns: 0..<0)
            alpha = []
            return
        }
        let reach = sigma > 0.05 ? GaussianBlur.kernel(sigma: sigma).count / 2 : 0
        let rows = max(0, top - reach)..<min(size, bottom + reach + 1)
        let columns = max(0, left - reach)..<min(size, right + reach + 1)
        var alpha = [Float](repeating: 0, count: rows.count * columns.count)
        for y in rows {
            for x in columns {
                alpha[(y - rows.lowerBound) * columns.count + (x - columns.lowerBound)] = Float(coverage[y * size + x]) * (1 / 255)
            }
        }
        // The box reaches `reach` pixels past the ink, so clamped edges read zeros as the full
        // image would.
        GaussianBlur.apply(&alpha, width: columns.count, height: rows.count, sigma: sigma)
        self.box = Box(rows: rows, columns: columns)
        self.alpha = alpha
    }
}

/// Gaussian noise values drawn from the table with 12 random bits each (five per draw).
struct NoiseBits {
    private var random: SampleRandom
    private let enabled: Bool

    init(random: SampleRandom, enabled: Bool) {
        self.random = random
        self.enabled = enabled
    }

    /// Fills `values` with noise drawn from `table` (all zero when noise is off).
    mutating func fill(_ values: UnsafeMutableBufferPointer<Float>, from table: UnsafeBufferPointer<Float>) {
        guard enabled else {
            values.update(repeating: 0)
            return
        }
        var i = 0
        let n = values.count
        while i + 5 <= n {
            var bits = random.next()
            for k in 0..<5 {
                values[i + k] = table[Int(bits & 0xFFF)]
                bits >>= 12
            }
            i += 5
        }
        if i < n {
            var bits = random.next()
            while i < n {
                values[i] = table[Int(bits & 0xFFF)]
                bits >>= 12
                i += 1
            }
        }
    }
}
