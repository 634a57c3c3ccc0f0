/// The element-wise inner loops of compositing, written so the optimiser vectorises them:
/// no branches and no trapping float-to-integer conversions.
enum PixelKernels {
    /// out = round(base + (ink − base)·cover + noise), clamped to 0…255.
    @inline(__always)
    static func compose(base: UnsafeMutableBufferPointer<Float>, cover: UnsafeMutableBufferPointer<Float>, ink: Float,
                        noise: UnsafeMutableBufferPointer<Float>, into out: UnsafeMutableBufferPointer<UInt8>) {
        let b = base.baseAddress!, c = cover.baseAddress!, n = noise.baseAddress!, o = out.baseAddress!
        for j in 0..<out.count {
            o[j] = byte(b[j] + (ink - b[j]) * c[j] + n[j])
        }
    }

    /// out = round(base + noise), clamped to 0…255: rows without ink.
    @inline(__always)
    static func compose(base: UnsafeMutableBufferPointer<Float>, noise: UnsafeMutableBufferPointer<Float>,
                        into out: UnsafeMutableBufferPointer<UInt8>) {
        let b = base.baseAddress!, n = noise.baseAddress!, o = out.baseAddress!
        for j in 0..<out.count {
            o[j] = byte(b[j] + n[j])
        }
    }

    /// `v` clamped to 0…255 and rounded to the nearest integer (ties to even). Adding
    /// 1.5·2²³ puts the rounded integer in the low mantissa bits: a bit trick instead of a
    /// conversion that would check its range and stop vectorisation.
    @inline(__always)
    static func byte(_ v: Float) -> UInt8 {
        let clamped = Swift.min(Swift.max(v, 0), 255)
        return UInt8(truncatingIfNeeded: (clamped + 12_582_912).bitPattern)
    }
}
