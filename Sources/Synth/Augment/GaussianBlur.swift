import Foundation

/// Separable Gaussian blur of a single-channel float image, edges clamped (as PIL's
/// GaussianBlur, where `radius` is the standard deviation in pixels).
public enum GaussianBlur {
    /// Normalised kernel taps for σ = `sigma`, reaching 3σ each side.
    static func kernel(sigma: Double) -> [Float] {
        let reach = max(1, Int((3 * sigma).rounded(.up)))
        var taps = (-reach...reach).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let total = taps.reduce(0, +)
        for i in taps.indices { taps[i] /= total }
        return taps
    }

    /// Blurs `values` (`width`×`height`, row-major) in place.
    public static func apply(_ values: inout [Float], width: Int, height: Int, sigma: Double) {
        guard sigma > 0.05 else { return }
        let taps = kernel(sigma: sigma)
        let reach = taps.count / 2
        var scratch = [Float](repeating: 0, count: values.count)
        taps.withUnsafeBufferPointer { k in
            values.withUnsafeMutableBufferPointer { v in
                scratch.withUnsafeMutableBufferPointer { s in
                    // Rows into scratch, then columns back into values.
                    for y in 0..<height {
                        let row = y * width
                        for x in 0..<width {
                            var acc: Float = 0
                            for t in 0..<k.count {
                                let xx = min(width - 1, max(0, x + t - reach))
                                acc += k[t] * v[row + xx]
                            }
                            s[row + x] = acc
                        }
                    }
                    for y in 0..<height {
                        let row = y * width
                        for x in 0..<width { v[row + x] = 0 }
                        for t in 0..<k.count {
                            let yy = min(height - 1, max(0, y + t - reach))
                            let w = k[t], src = yy * width
                            for x in 0..<width { v[row + x] += w * s[src + x] }
                        }
                    }
                }
            }
        }
    }
}
