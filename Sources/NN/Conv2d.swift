/// 2-D convolution, stride 1, zero padding, as PyTorch's `nn.Conv2d(c, k, kernel, padding:)`.
///
/// input (N, C, H, W) → output (N, K, H', W') with H' = H + 2p − kernel + 1; weight (K, C, kh, kw),
/// bias (K). Forward lowers each image to columns (im2col: (C·kh·kw) × (H'·W')) and multiplies
/// by the weight matrix with one sgemm per image; backward reuses the columns for the weight
/// gradient and folds the column gradient back (col2im) for the input gradient.
public final class Conv2d {
    public let weight: Parameter
    public let bias: Parameter
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let padding: Int
    /// Apply ReLU to the output in the same pass that adds the bias (SmallCNN always follows a
    /// conv with ReLU; fusing saves a full pass over the largest tensors).
    public let fusedReLU: Bool

    private var input: Tensor?
    private var columns: [Float] = []
    private var columnGradient: [Float] = []

    public init(name: String, inChannels: Int, outChannels: Int, kernel: Int, padding: Int, fusedReLU: Bool = false,
                random: inout Initializer) {
        self.fusedReLU = fusedReLU
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.padding = padding
        let fanIn = inChannels * kernel * kernel
        weight = Parameter(name: name + ".weight", value: random.uniform(shape: [outChannels, inChannels, kernel, kernel], fanIn: fanIn))
        bias = Parameter(name: name + ".bias", value: random.uniform(shape: [outChannels], fanIn: fanIn))
    }

    func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        (h + 2 * padding - kernel + 1, w + 2 * padding - kernel + 1)
    }

    private var transposed: [Float] = []
    private var outputBuffer = Tensor(zeros: [0])
    private var inputGradientBuffer = Tensor(zeros: [0])

    /// Keeps the input's columns for `backward` when `training`.
    ///
    /// The whole batch is one GEMM: columns are laid out (C·kh·kw) × (N·H'·W'), so the product
    /// W · cols is (K) × (N·H'·W') and is then transposed to (N, K, H', W'). One large GEMM keeps
    /// both cores busy far better than N small ones.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(c == inChannels, "Conv2d expects \(inChannels) input channels, got \(c)")
        let (oh, ow) = outputSize(h, w)
        let rows = c * kernel * kernel, plane = oh * ow, wide = n * plane
        if columns.count != rows * wide { columns = [Float](repeating: 0, count: rows * wide) }
        if transposed.count != outChannels * wide { transposed = [Float](repeating: 0, count: outChannels * wide) }
        var out = Tensor.take(&outputBuffer, [n, outChannels, oh, ow])
        let k = kernel, p = padding, kOut = outChannels
        x.data.withUnsafeBufferPointer { src in
            columns.withUnsafeMutableBufferPointer { cols in
                for i in 0..<n {
                    Im2Col.lower(src.baseAddress! + i * c * h * w, channels: c, height: h, width: w, kernel: k, padding: p,
                                 into: cols.baseAddress! + i * plane, rowStride: wide)
                }
            }
        }
        weight.value.data.withUnsafeBufferPointer { wt in
            columns.withUnsafeBufferPointer { cols in
                transposed.withUnsafeMutableBufferPointer { t in
                    BLAS.gemm(false, false, m: kOut, n: wide, k: rows, wt.baseAddress!, lda: rows,
                              cols.baseAddress!, ldb: wide, beta: 0, t.baseAddress!, ldc: wide)
                }
            }
        }
        // (K, N, H'W') + bias → (N, K, H'W').
        transposed.withUnsafeBufferPointer { t in
            bias.value.data.withUnsafeBufferPointer { b in
                out.data.withUnsafeMutableBufferPointer { o in
                    for i in 0..<n {
                        for ch in 0..<kOut {
                            let src = t.baseAddress! + ch * wide + i * plane
                            let dst = o.baseAddress! + (i * kOut + ch) * plane
                            let bias = b[ch]
                            if fusedReLU {
                                for j in 0..<plane { dst[j] = max(src[j] + bias, 0) }
                            } else {
                                for j in 0..<plane { dst[j] = src[j] + bias }
                            }
                        }
                    }
                }
            }
        }
        input = training ? x : nil
        outputBuffer = out
        return out
    }

    /// Accumulates weight and bias gradients; returns the input gradient when `needInput`.
    public func backward(_ dy: Tensor, needInput: Bool) -> Tensor? {
        guard let x = input else { preconditionFailure("Conv2d.backward needs a training forward first") }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = outputSize(h, w)
        let rows = c * kernel * kernel, plane = oh * ow, kOut = outChannels, wide = n * plane
        // (N, K, H'W') → (K, N·H'W'), summing the bias gradient on the way.
        dy.data.withUnsafeBufferPointer { g in
            transposed.withUnsafeMutableBufferPointer { t in
                bias.grad.data.withUnsafeMutableBufferPointer { db in
                    for i in 0..<n {
                        for ch in 0..<kOut {
                            let src = g.baseAddress! + (i * kOut + ch) * plane
                            let dst = t.baseAddress! + ch * wide + i * plane
                            var sum: Float = 0
                            for j in 0..<plane { dst[j] = src[j]; sum += src[j] }
                            db[ch] += sum
                        }
                    }
                }
            }
        }
        // dW += dYᵀ-layout · colsᵀ: one GEMM over the whole batch.
        transposed.withUnsafeBufferPointer { t in
            columns.withUnsafeBufferPointer { cols in
                weight.grad.data.withUnsafeMutableBufferPointer { dw in
                    BLAS.gemm(false, true, m: kOut, n: rows, k: wide, t.baseAddress!, lda: wide,
                              cols.baseAddress!, ldb: wide, beta: 1, dw.baseAddress!, ldc: rows)
                }
            }
        }
        guard needInput else { return nil }
        // dcols = Wᵀ · dY, folded back onto each image.
        if columnGradient.count != rows * wide { columnGradient = [Float](repeating: 0, count: rows * wide) }
        var dx = Tensor.take(&inputGradientBuffer, x.shape)
        let k = kernel, p = padding
        weight.value.data.withUnsafeBufferPointer { wt in
            transposed.withUnsafeBufferPointer { t in
                columnGradient.withUnsafeMutableBufferPointer { dc in
                    BLAS.gemm(true, false, m: rows, n: wide, k: kOut, wt.baseAddress!, lda: rows,
                              t.baseAddress!, ldb: wide, beta: 0, dc.baseAddress!, ldc: wide)
                    dx.data.withUnsafeMutableBufferPointer { out in
                        for i in 0..<n {
                            Im2Col.fold(UnsafePointer(dc.baseAddress! + i * plane), channels: c, height: h, width: w, kernel: k, padding: p,
                                        into: out.baseAddress! + i * c * h * w, rowStride: wide)
                        }
                    }
                }
            }
        }
        inputGradientBuffer = dx
        return dx
    }
}

/// Lowering an image to convolution columns and folding column gradients back.
enum Im2Col {
    /// cols[(ch·k + ky)·k + kx][y·W' + x] = image[ch][y + ky − p][x + kx − p] (0 outside).
    /// Row r of the columns starts at `cols + r * rowStride` (the batch shares one matrix).
    static func lower(_ image: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int, kernel k: Int, padding p: Int,
                      into cols: UnsafeMutablePointer<Float>, rowStride: Int) {
        let oh = h + 2 * p - k + 1, ow = w + 2 * p - k + 1
        var row = cols
        for ch in 0..<channels {
            let plane = image + ch * h * w
            for ky in 0..<k {
                for kx in 0..<k {
                    let dx = kx - p
                    let xLo = max(0, -dx), xHi = min(ow, w - dx) // valid output columns
                    for y in 0..<oh {
                        let out = row + y * ow
                        let sy = y + ky - p
                        guard sy >= 0, sy < h, xHi > xLo else {
                            out.update(repeating: 0, count: ow)
                            continue
                        }
                        if xLo > 0 { out.update(repeating: 0, count: xLo) }
                        (out + xLo).update(from: plane + sy * w + xLo + dx, count: xHi - xLo)
                        if xHi < ow { (out + xHi).update(repeating: 0, count: ow - xHi) }
                    }
                    row += rowStride
                }
            }
        }
    }

    /// The adjoint of `lower`: image[ch][sy][sx] = Σ of the column entries that read it.
    static func fold(_ cols: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int, kernel k: Int, padding p: Int,
                     into image: UnsafeMutablePointer<Float>, rowStride: Int) {
        let oh = h + 2 * p - k + 1, ow = w + 2 * p - k + 1
        image.update(repeating: 0, count: channels * h * w)
        var row = cols
        for ch in 0..<channels {
            let plane = image + ch * h * w
            for ky in 0..<k {
                for kx in 0..<k {
                    let dx = kx - p
                    let xLo = max(0, -dx), xHi = min(ow, w - dx)
                    for y in 0..<oh {
                        let sy = y + ky - p
                        guard sy >= 0, sy < h, xHi > xLo else { continue }
                        let src = row + y * ow
                        let dst = plane + sy * w + dx
                        for x in xLo..<xHi { dst[x] += src[x] }
                    }
                    row += rowStride
                }
            }
        }
    }
}
