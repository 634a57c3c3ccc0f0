import Canvas

/// Antialiased image resizing into the model's input layout.
public enum ImageResize {
    /// Resizes `image` to `size`×`size` with a triangle (bilinear) filter widened by the
    /// downscale factor, as Pillow's antialiased resize does, and returns it as 8-bit planes
    /// in C,H,W order (`3 * size * size` bytes).
    public static func planarRGB(_ image: RGBImage, size: Int) -> [UInt8] {
        let horizontal = Taps(from: image.width, to: size)
        let vertical = Taps(from: image.height, to: size)
        // Rows first (into floats, H_in × size × 3), then columns into planes. Every data set
        // image passes through here once per load, so the loops run on raw pointers.
        var rows = [Float](repeating: 0, count: image.height * size * 3)
        var planes = [UInt8](repeating: 0, count: 3 * size * size)
        image.pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                horizontal.weights.withUnsafeBufferPointer { weights in
                    let (s, d, w, taps) = (src.baseAddress!, dst.baseAddress!, weights.baseAddress!, horizontal.count)
                    for y in 0..<image.height {
                        let inRow = s + y * image.width * 3
                        for x in 0..<size {
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            var p = inRow + horizontal.first[x] * 3
                            let tap = w + x * taps
                            for t in 0..<taps {
                                r += tap[t] * Float(p[0]); g += tap[t] * Float(p[1]); b += tap[t] * Float(p[2])
                                p += 3
                            }
                            let o = d + (y * size + x) * 3
                            o[0] = r; o[1] = g; o[2] = b
                        }
                    }
                }
            }
        }
        rows.withUnsafeBufferPointer { src in
            planes.withUnsafeMutableBufferPointer { dst in
                vertical.weights.withUnsafeBufferPointer { weights in
                    let (s, d, w, taps) = (src.baseAddress!, dst.baseAddress!, weights.baseAddress!, vertical.count)
                    let plane = size * size
                    for y in 0..<size {
                        let tap = w + y * taps, top = s + vertical.first[y] * size * 3
                        for x in 0..<size {
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            var p = top + x * 3
                            for t in 0..<taps {
                                r += tap[t] * p[0]; g += tap[t] * p[1]; b += tap[t] * p[2]
                                p += size * 3
                            }
                            let o = y * size + x
                            d[o] = byte(r)
                            d[plane + o] = byte(g)
                            d[2 * plane + o] = byte(b)
                        }
                    }
                }
            }
        }
        return planes
    }

    /// Normalised filter taps for each output position, `count` per output from `first[o]`
    /// (`weights[o * count ..< (o + 1) * count]`). Taps of weight 0 are dropped from the ends
    /// and outputs with fewer taps are padded with zero weights, after their last tap or, at
    /// the image's far edge where the window shifts left to stay inside, before their first.
    /// Adding 0 leaves a float sum unchanged (a leading one adds 0 to 0), so every output is
    /// the same sum, in the same order, as over its full triangle.
    struct Taps {
        var count: Int
        var first: [Int]
        var weights: [Float]

        init(from input: Int, to output: Int) {
            let scale = Double(input) / Double(output)
            let support = max(1, scale) // triangle of half-width 1 output pixel, in input pixels
            var rows: [(first: Int, weights: [Float])] = (0..<output).map { o in
                let center = (Double(o) + 0.5) * scale
                let lo = max(0, Int((center - support).rounded(.down)))
                let hi = min(input - 1, Int((center + support).rounded(.up)))
                var taps: [Float] = []
                for i in lo...hi {
                    let distance = abs(Double(i) + 0.5 - center) / support
                    taps.append(Float(max(0, 1 - distance)))
                }
                let total = taps.reduce(0, +)
                return (lo, taps.map { $0 / total })
            }
            for o in rows.indices {
                while rows[o].weights.count > 1, rows[o].weights.first == 0 { rows[o].weights.removeFirst(); rows[o].first += 1 }
                while rows[o].weights.count > 1, rows[o].weights.last == 0 { rows[o].weights.removeLast() }
            }
            let count = rows.map(\.weights.count).max() ?? 0
            self.count = count
            // Padding reads past an output's last tap stay inside the image: shift the window left.
            first = rows.map { min($0.first, input - count) }
            var flat = [Float](repeating: 0, count: output * count)
            for (o, row) in rows.enumerated() {
                let shift = row.first - first[o]
                for (t, weight) in row.weights.enumerated() { flat[o * count + shift + t] = weight }
            }
            weights = flat
        }
    }

    @inline(__always)
    private static func byte(_ v: Float) -> UInt8 {
        UInt8(max(0, min(255, v.rounded())))
    }
}
