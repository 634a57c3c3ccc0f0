import Canvas

/// Antialiased image resizing into the model's input layout.
public enum ImageResize {
    /// Resizes `image` to `size`×`size` with a triangle (bilinear) filter widened by the
    /// downscale factor, as Pillow's antialiased resize does, and returns it as 8-bit planes
    /// in C,H,W order (`3 * size * size` bytes).
    public static func planarRGB(_ image: RGBImage, size: Int) -> [UInt8] {
        let horizontal = weights(from: image.width, to: size)
        let vertical = weights(from: image.height, to: size)
        // Rows first (into floats, H_in × size × 3), then columns into planes.
        var rows = [Float](repeating: 0, count: image.height * size * 3)
        image.pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<image.height {
                    let inRow = y * image.width * 3
                    for x in 0..<size {
                        var r: Float = 0, g: Float = 0, b: Float = 0
                        let taps = horizontal[x]
                        for (i, w) in zip(taps.first..., taps.weights) {
                            let p = inRow + i * 3
                            r += w * Float(src[p]); g += w * Float(src[p + 1]); b += w * Float(src[p + 2])
                        }
                        let o = (y * size + x) * 3
                        dst[o] = r; dst[o + 1] = g; dst[o + 2] = b
                    }
                }
            }
        }
        var planes = [UInt8](repeating: 0, count: 3 * size * size)
        for y in 0..<size {
            let taps = vertical[y]
            for x in 0..<size {
                var r: Float = 0, g: Float = 0, b: Float = 0
                for (i, w) in zip(taps.first..., taps.weights) {
                    let p = (i * size + x) * 3
                    r += w * rows[p]; g += w * rows[p + 1]; b += w * rows[p + 2]
                }
                let o = y * size + x
                planes[o] = byte(r)
                planes[size * size + o] = byte(g)
                planes[2 * size * size + o] = byte(b)
            }
        }
        return planes
    }

    struct Taps {
        var first: Int
        var weights: [Float]
    }

    /// Normalised filter taps for each output position.
    static func weights(from input: Int, to output: Int) -> [Taps] {
        let scale = Double(input) / Double(output)
        let support = max(1, scale) // triangle of half-width 1 output pixel, in input pixels
        return (0..<output).map { o in
            let center = (Double(o) + 0.5) * scale
            let lo = max(0, Int((center - support).rounded(.down)))
            let hi = min(input - 1, Int((center + support).rounded(.up)))
            var taps: [Float] = []
            for i in lo...hi {
                let distance = abs(Double(i) + 0.5 - center) / support
                taps.append(Float(max(0, 1 - distance)))
            }
            let total = taps.reduce(0, +)
            return Taps(first: lo, weights: taps.map { $0 / total })
        }
    }

    @inline(__always)
    private static func byte(_ v: Float) -> UInt8 {
        UInt8(max(0, min(255, v.rounded())))
    }
}
