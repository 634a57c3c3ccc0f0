import Canvas

/// What a family needs to draw one sample.
public struct PatternContext {
    /// `1.5 / distance`, as in the original: every length and line width is multiplied by it.
    public let scale: Double
    /// 0…1: how strongly positions, lengths and angles of primitives are perturbed beyond a
    /// family's own variation (`data.augment.geometric_jitter`).
    public let jitter: Double

    public init(scale: Double, jitter: Double) {
        self.scale = scale
        self.jitter = jitter
    }

    /// The original's stroke width rule: `max(1, int(base * scale))`.
    public func lineWidth(_ base: Double) -> Double {
        max(1, (base * scale).rounded(.towardZero))
    }

    /// `value` perturbed by up to ±`jitter`·`relative` of itself.
    public func jittered(_ value: Double, relative: Double = 1, random: inout SampleRandom) -> Double {
        value * (1 + jitter * relative * random.uniform(-1, 1))
    }
}

/// One procedural pattern family. `draw` works in a 256×256 pixel frame centred on the origin
/// (the renderer translates, rotates and rescales for the real image size) and only strokes or
/// fills paths: the canvas holds coverage, the renderer decides colours.
public protocol PatternFamily: Sendable {
    /// A short name for reports ("concentric rings").
    var name: String { get }
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom)
}
