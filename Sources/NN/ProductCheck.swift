import SIMDKernels

/// A product kernel's answer on a few fixed products against the exact products of the same
/// bf16-rounded operands: what the engine asks of a kernel it cannot otherwise vouch for
/// before it trusts it with a training run. AMX's tile instructions are the case: no machine
/// the project's tests ran on had them, so on the first CPU that does, a wrong tile layout
/// would otherwise train garbage without a word.
///
/// The products cover both transposes, edges of the 32 × 32 blocks and a k that is not a
/// whole number of tiles; a correct kernel is within float32 accumulation error (k·2⁻²⁴ of
/// Σ|a·b|, here with a margin of 4), a wrong layout or a missing block off by the size of a
/// term.
enum ProductCheck {
    /// C[m×n] = op(A) · op(B) + beta · C, as the SIMDKernels products take it; 0 where it declines.
    typealias Product = (Int32, Int32, Int, Int, Int, UnsafePointer<Float>?, Int, UnsafePointer<Float>?, Int, Float,
                         UnsafeMutablePointer<Float>?, Int) -> Int32

    /// What the check found: nil when the kernel agreed on every product, else a sentence.
    static func disagreement(of product: Product) -> String? {
        for (transA, transB, m, n, k) in [(false, false, 40, 48, 100), (true, false, 33, 70, 64), (false, true, 17, 35, 129), (true, true, 64, 32, 31)] {
            let lda = transA ? m : k, ldb = transB ? k : n
            let a = values(m * k, salt: 1), b = values(k * n, salt: 2)
            var c = values(m * n, salt: 3)
            let start = c
            let beta: Float = 0.5
            let ran = a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        product(transA ? 1 : 0, transB ? 1 : 0, m, n, k, ap.baseAddress!, lda, bp.baseAddress!, ldb, beta, cp.baseAddress!, n)
                    }
                }
            }
            guard ran != 0 else { return "it declined a \(m) × \(n) × \(k) product" }
            for i in 0..<m {
                for j in 0..<n {
                    var exact = Double(beta) * Double(start[i * n + j]), magnitude = abs(exact)
                    for p in 0..<k {
                        let term = Double(bf16(transA ? a[p * lda + i] : a[i * lda + p])) * Double(bf16(transB ? b[j * ldb + p] : b[p * ldb + j]))
                        exact += term
                        magnitude += abs(term)
                    }
                    let error = abs(Double(c[i * n + j]) - exact)
                    guard error <= 4 * Double(k + 1) * 0x1p-24 * magnitude else {
                        return "entry (\(i), \(j)) of a \(m) × \(n) × \(k) product was \(c[i * n + j]) where \(Float(exact)) was due"
                    }
                }
            }
        }
        return nil
    }

    /// Nearest-even rounding to bfloat16, as the kernels round their operands (vcvtne2ps2bf16).
    static func bf16(_ x: Float) -> Float {
        let bits = x.bitPattern
        return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
    }

    /// Values in (−1, 1) from a fixed sequence (no seed to carry: the check is the same everywhere).
    private static func values(_ count: Int, salt: UInt32) -> [Float] {
        var state = 0x9E37_79B9 &* salt
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(Int32(bitPattern: state) >> 8) / Float(1 << 23)
        }
    }
}
