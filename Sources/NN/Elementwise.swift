/// Vectorised element-wise kernels over raw float runs, used inside the layers' hot loops.
enum Elementwise {
    /// v[i] = v[i] + bias, then max(·, 0) when `relu`.
    @inline(__always)
    static func addBias(_ v: UnsafeMutablePointer<Float>, count: Int, bias: Float, relu: Bool) {
        let b = SIMD16<Float>(repeating: bias), zero = SIMD16<Float>(repeating: 0)
        var i = 0
        let raw = UnsafeMutableRawPointer(v)
        if relu {
            while i + 16 <= count {
                let x = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) + b
                raw.storeBytes(of: x.replacing(with: zero, where: x .< zero), toByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
            while i < count { v[i] = max(v[i] + bias, 0); i += 1 }
        } else {
            while i + 16 <= count {
                raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) + b, toByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
            while i < count { v[i] += bias; i += 1 }
        }
    }

    /// Σ v[0..<count], in 16 lanes then reduced (a fixed order, so the result is reproducible).
    @inline(__always)
    static func sum(_ v: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD16<Float>(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(v)
        while i + 16 <= count {
            lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        var total = lanes.sum()
        while i < count { total += v[i]; i += 1 }
        return total
    }
}
