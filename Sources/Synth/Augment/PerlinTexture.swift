import Foundation

/// Smooth gradient-noise (Perlin) background texture. Evaluated on a coarse grid (every
/// `step` pixels) and interpolated bilinearly: the texture's features are tens of pixels wide,
/// so the coarse grid loses nothing visible and costs a sixteenth of a per-pixel evaluation.
public enum PerlinTexture {
    /// `size`×`size` values in [-amplitude, amplitude], two octaves, features about `scale`
    /// pixels wide; all randomness from `random`.
    public static func field(size: Int, scale: Double, amplitude: Double, random: inout SampleRandom) -> [Float] {
        guard amplitude > 0 else { return [Float](repeating: 0, count: size * size) }
        let step = 4
        let coarse = size / step + 2
        var grid = [Float](repeating: 0, count: coarse * coarse)
        // Two octaves: the second at half the feature size and half the amplitude.
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
                    let x = Double(gx * step) / octaveScale + offsetX
                    let y = Double(gy * step) / octaveScale + offsetY
                    grid[gy * coarse + gx] += Float(weight * 1.4 * gradientNoise(x, y, gradients: gradients, cells: cells))
                }
            }
        }
        // Bilinear upsampling to full size, scaled to the amplitude (two octaves peak near 1.5).
        let gain = Float(amplitude / 1.5)
        var out = [Float](repeating: 0, count: size * size)
        out.withUnsafeMutableBufferPointer { out in
            grid.withUnsafeBufferPointer { grid in
                for y in 0..<size {
                    let gy = y / step, fy = Float(y % step) / Float(step)
                    for x in 0..<size {
                        let gx = x / step, fx = Float(x % step) / Float(step)
                        let i = gy * coarse + gx
                        let top = grid[i] + (grid[i + 1] - grid[i]) * fx
                        let bottom = grid[i + coarse] + (grid[i + coarse + 1] - grid[i + coarse]) * fx
                        out[y * size + x] = max(-1.5, min(1.5, top + (bottom - top) * fy)) * gain
                    }
                }
            }
        }
        return out
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
