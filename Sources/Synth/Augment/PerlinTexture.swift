import Foundation

/// Smooth gradient-noise (Perlin) background texture. Evaluated on a coarse grid (every
/// `step` pixels) and interpolated bilinearly row by row while compositing: the texture's
/// features are tens of pixels wide, so the coarse grid loses nothing visible and costs a
/// sixty-fourth of a per-pixel evaluation.
struct PerlinTexture {
    static let step = 8
    private let size: Int
    private let coarse: Int
    /// Coarse grid values already scaled to the amplitude; nil when the texture is off.
    private let grid: [Float]?

    /// Two octaves, features about `scale` pixels wide, values in [-amplitude, amplitude];
    /// all randomness from `random`.
    init(size: Int, scale: Double, amplitude: Double, random: inout SampleRandom) {
        self.size = size
        let coarse = size / Self.step + 2
        self.coarse = coarse
        guard amplitude > 0 else {
            grid = nil
            return
        }
        var grid = [Float](repeating: 0, count: coarse * coarse)
        // The second octave has half the feature size and half the amplitude; together they
        // peak near ±1, so the sum is scaled by the amplitude and clamped there.
        for (octaveScale, weight) in [(scale, 1.0), (scale / 2, 0.5)] {
            let cells = Int((Double(size) / octaveScale).rounded(.up)) + 2
            let offsetX = random.unit(), offsetY = random.unit()
            var gradients = [(Double, Double)]()
            gradients.reserveCapacity(cells * cells)
            for _ in 0..<(cells * cells) {
                let angle = random.uniform(0, 2 * .pi)
                gradients.append((cos(angle), sin(angle)))
            }
            for gy in 0..<coarse {
                for gx in 0..<coarse {
                    let x = Double(gx * Self.step) / octaveScale + offsetX
                    let y = Double(gy * Self.step) / octaveScale + offsetY
                    grid[gy * coarse + gx] += Float(weight * 1.4 * Self.gradientNoise(x, y, gradients: gradients, cells: cells))
                }
            }
        }
        let gain = Float(amplitude)
        self.grid = grid.map { max(-1, min(1, $0)) * gain }
    }

    /// Fills `out` (`size` values) with row `y` of the texture.
    func row(_ y: Int, into out: UnsafeMutableBufferPointer<Float>) {
        guard let grid else {
            out.update(repeating: 0)
            return
        }
        let gy = y / Self.step, fy = Float(y % Self.step) / Float(Self.step)
        let step = Float(1) / Float(Self.step)
        grid.withUnsafeBufferPointer { g in
            for gx in 0..<(size / Self.step + 1) {
                let i = gy * coarse + gx
                let left = g[i] + (g[i + coarse] - g[i]) * fy
                let right = g[i + 1] + (g[i + coarse + 1] - g[i + 1]) * fy
                let delta = (right - left) * step
                var x = gx * Self.step
                var v = left
                while x < min(size, (gx + 1) * Self.step) {
                    out[x] = v
                    v += delta
                    x += 1
                }
            }
        }
    }

    /// Classic 2-D Perlin noise at (x, y) with the given lattice gradients; about [-0.7, 0.7].
    static func gradientNoise(_ x: Double, _ y: Double, gradients: [(Double, Double)], cells: Int) -> Double {
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = x - Double(x0), fy = y - Double(y0)
        func dot(_ ix: Int, _ iy: Int, _ dx: Double, _ dy: Double) -> Double {
            let g = gradients[(iy % cells) * cells + (ix % cells)]
            return g.0 * dx + g.1 * dy
        }
        func fade(_ t: Double) -> Double { t * t * t * (t * (t * 6 - 15) + 10) }
        let n00 = dot(x0, y0, fx, fy), n10 = dot(x0 + 1, y0, fx - 1, fy)
        let n01 = dot(x0, y0 + 1, fx, fy - 1), n11 = dot(x0 + 1, y0 + 1, fx - 1, fy - 1)
        let u = fade(fx), v = fade(fy)
        let top = n00 + (n10 - n00) * u, bottom = n01 + (n11 - n01) * u
        return top + (bottom - top) * v
    }
}
