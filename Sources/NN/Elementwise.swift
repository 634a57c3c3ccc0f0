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

    /// dest[i] += parts[p · partStride + i] for p = 0, 1, …, count − 1 in that order, for every
    /// i < elements: each element gets the additions of a loop over the parts, so the bits of
    /// that loop, but 16 elements at a time, a block at a time so that the block's sums stay in
    /// L1 while the parts stream past. (Element by element, the parts' strided reads ran scalar:
    /// 1.3 ms of a fp32 step for conv 3's 8 parts of 1.2 MB.)
    static func addParts(_ parts: UnsafePointer<Float>, count: Int, partStride: Int, elements: Int, into dest: UnsafeMutablePointer<Float>) {
        let block = 1024
        let out = UnsafeMutableRawPointer(dest)
        for start in stride(from: 0, to: elements, by: block) {
            let end = min(start + block, elements)
            for p in 0..<count {
                let part = UnsafeRawPointer(parts + p * partStride)
                var i = start
                while i + 16 <= end {
                    let sum = out.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                        + part.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    out.storeBytes(of: sum, toByteOffset: i * 4, as: SIMD16<Float>.self)
                    i += 16
                }
                while i < end { dest[i] += parts[p * partStride + i]; i += 1 }
            }
        }
    }
}
