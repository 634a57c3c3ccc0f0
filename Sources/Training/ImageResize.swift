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
        // image passes through here once (drawn or loaded), so both passes run 16 sums at a
        // time, each output still the sum of its taps in order (multiply, then add).
        var rows = [Float](repeating: 0, count: image.height * size * 3)
        var planes = [UInt8](repeating: 0, count: 3 * size * size)
        image.pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                filterRows(src.baseAddress!, width: image.width, height: image.height, horizontal, into: dst.baseAddress!, size: size)
            }
        }
        rows.withUnsafeBufferPointer { src in
            planes.withUnsafeMutableBufferPointer { dst in
                filterColumns(src.baseAddress!, vertical, into: dst.baseAddress!, size: size)
            }
        }
        return planes
    }

    /// The horizontal pass, 16 input rows at a time: the rows are turned into floats laid out
    /// pixel by pixel, channel by channel, with the 16 rows side by side (lane = row), so each
    /// output's taps read one vector of 16 rows. The last block repeats its last row in the
    /// spare lanes, which are not written out.
    private static func filterRows(_ s: UnsafePointer<UInt8>, width: Int, height: Int, _ taps: Taps,
                                   into d: UnsafeMutablePointer<Float>, size: Int) {
        let rowLength = width * 3
        let block = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: rowLength)
        let sums = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: size * 3)
        defer { block.deallocate(); sums.deallocate() }
        let blockLanes = UnsafeMutableRawPointer(block).assumingMemoryBound(to: Float.self)
        let sumLanes = UnsafeMutableRawPointer(sums).assumingMemoryBound(to: Float.self)
        taps.weights.withUnsafeBufferPointer { weights in
            taps.first.withUnsafeBufferPointer { first in
                for y0 in stride(from: 0, to: height, by: 16) {
                    let lanes = min(16, height - y0)
                    for lane in 0..<16 {
                        let row = s + (y0 + min(lane, lanes - 1)) * rowLength
                        for i in 0..<rowLength { blockLanes[i &* 16 &+ lane] = Float(row[i]) }
                    }
                    for x in 0..<size {
                        let tap = weights.baseAddress! + x * taps.count, start = block + first[x] * 3
                        var (r, g, b) = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
                        for t in 0..<taps.count {
                            let w = SIMD16<Float>(repeating: tap[t])
                            r += w * start[3 * t]; g += w * start[3 * t + 1]; b += w * start[3 * t + 2]
                        }
                        sums[3 * x] = r; sums[3 * x + 1] = g; sums[3 * x + 2] = b
                    }
                    for lane in 0..<lanes {
                        let out = d + (y0 + lane) * size * 3
                        for j in 0..<(size * 3) { out[j] = sumLanes[j &* 16 &+ lane] }
                    }
                }
            }
        }
    }

    /// The vertical pass: each output row sums whole input rows (contiguous, 16 values at a
    /// time), then is split into the three planes and rounded to bytes.
    private static func filterColumns(_ s: UnsafePointer<Float>, _ taps: Taps, into d: UnsafeMutablePointer<UInt8>, size: Int) {
        let rowLength = size * 3, plane = size * size
        let line = UnsafeMutablePointer<Float>.allocate(capacity: rowLength)
        defer { line.deallocate() }
        let raw = UnsafeRawPointer(s), lineRaw = UnsafeMutableRawPointer(line)
        taps.weights.withUnsafeBufferPointer { weights in
            for y in 0..<size {
                let tap = weights.baseAddress! + y * taps.count, top = taps.first[y] * rowLength
                var j = 0
                while j + 16 <= rowLength {
                    var sum = SIMD16<Float>()
                    for t in 0..<taps.count {
                        sum += SIMD16(repeating: tap[t]) * raw.loadUnaligned(fromByteOffset: 4 * (top + t * rowLength + j), as: SIMD16<Float>.self)
                    }
                    lineRaw.storeBytes(of: sum, toByteOffset: 4 * j, as: SIMD16<Float>.self)
                    j += 16
                }
                while j < rowLength {
                    var sum: Float = 0
                    for t in 0..<taps.count { sum += tap[t] * s[top + t * rowLength + j] }
                    line[j] = sum
                    j += 1
                }
                for x in 0..<size {
                    let o = y * size + x
                    d[o] = byte(line[3 * x])
                    d[plane + o] = byte(line[3 * x + 1])
                    d[2 * plane + o] = byte(line[3 * x + 2])
                }
            }
        }
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

    /// `v` rounded to the nearest integer (halves away from zero) and clamped to 0…255,
    /// without a call to `roundf` per value: truncation is floor for positive values, and the
    /// fraction `v - floor(v)` is exact in floats.
    @inline(__always)
    static func byte(_ v: Float) -> UInt8 {
        guard v < 255 else { return 255 }
        guard v > 0 else { return 0 }
        let whole = Int32(v)
        return UInt8(truncatingIfNeeded: whole + (v - Float(whole) >= 0.5 ? 1 : 0))
    }
}
