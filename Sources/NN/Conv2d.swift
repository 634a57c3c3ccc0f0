/// 2-D convolution, stride 1, zero padding, as PyTorch's `nn.Conv2d(c, k, kernel, padding:)`.
///
///     input (C, N, H, W) → output (K, N, H', W'), H' = H + 2p − kernel + 1
///     weight (K, C, kh, kw), bias (K)
///
/// Activations are channel-major ("CNHW", the batch inside each channel), not PyTorch's NCHW:
/// the columns (im2col) of consecutive images then sit side by side, and the product of the
/// weight matrix with the columns of a run of images *is* that run's output, written in
/// place with no transposes. Each thread takes a contiguous block of images and works
/// through it a few images at a time: lower into a private column buffer small enough to
/// stay in cache (a few MB), one single-threaded GEMM, the bias (+ ReLU) pass. Backward
/// lowers the same images again rather than keeping a batch of columns (hundreds of MB of
/// memory traffic) around.
public final class Conv2d {
    public let weight: Parameter
    public let bias: Parameter
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let padding: Int
    /// Apply ReLU in the bias pass (SmallCNN always follows a conv with ReLU; fusing saves a
    /// full pass over the largest tensors).
    public let fusedReLU: Bool
    /// What the padding border holds, per input channel; nil for zeros. (SmallCNN's first conv
    /// sees standardised input, whose border must be the standardised value of a 0 pixel.)
    var paddingValues: [Float]?

    // What backward needs; `input` is released by backward so the producer can reuse its buffer.
    private var input: Tensor?
    private var outputBuffer = Tensor(zeros: [0])
    private var inputGradientBuffer = Tensor(zeros: [0])
    /// Per thread: column buffer, column-gradient buffer, weight- and bias-gradient partials.
    private var scratch: [Float] = []

    /// Bytes of columns a thread lowers at a time: fits the caches, big enough for efficient
    /// GEMMs. (A variable so tests can force chunks of one image.)
    var columnBytesPerChunk = 4 << 20

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

    /// The output of the last forward, (K, N, H', W').
    var lastOutput: Tensor { outputBuffer }

    /// How one batch is cut up: images per chunk and the per-thread scratch layout.
    private struct Plan {
        var rows: Int, plane: Int, wide: Int, chunk: Int, parts: Int
        var columnsSize: Int { rows * chunk * plane }
        /// Per thread: columns, column gradient, dW (K·rows), db (K).
        func partSize(outChannels k: Int) -> Int { 2 * columnsSize + k * rows + k }
    }

    private func plan(channels c: Int, images n: Int, outputHeight oh: Int, outputWidth ow: Int) -> Plan {
        let rows = c * kernel * kernel, plane = oh * ow
        let chunk = max(1, min(n, columnBytesPerChunk / max(1, rows * plane * 4)))
        return Plan(rows: rows, plane: plane, wide: n * plane, chunk: chunk, parts: Parallel.partCount(n))
    }

    /// Keeps the input for `backward` when `training`.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (c, n, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(c == inChannels, "Conv2d expects \(inChannels) input channels, got \(c)")
        let (oh, ow) = outputSize(h, w)
        let plan = plan(channels: c, images: n, outputHeight: oh, outputWidth: ow)
        let partSize = plan.partSize(outChannels: outChannels)
        if scratch.count < plan.parts * partSize { scratch = [Float](repeating: 0, count: plan.parts * partSize) }
        var out = Tensor.take(&outputBuffer, [outChannels, n, oh, ow])
        let geometry = Im2Col.Geometry(channels: c, channelStride: n * h * w, height: h, width: w, kernel: kernel, padding: padding,
                                           paddingValues: paddingValues)
        let kOut = outChannels, relu = fusedReLU
        x.data.withUnsafeBufferPointer { src in
            scratch.withUnsafeMutableBufferPointer { sc in
                out.data.withUnsafeMutableBufferPointer { o in
                    weight.value.data.withUnsafeBufferPointer { wt in
                        bias.value.data.withUnsafeBufferPointer { b in
                            nonisolated(unsafe) let (s, scp, op, wp, bp) = (src.baseAddress!, sc.baseAddress!, o.baseAddress!, wt.baseAddress!, b.baseAddress!)
                            Parallel.split(n) { part, images in
                                let cols = scp + part * partSize
                                for first in stride(from: images.lowerBound, to: images.upperBound, by: plan.chunk) {
                                    let count = min(plan.chunk, images.upperBound - first), width = count * plan.plane
                                    for i in 0..<count {
                                        Im2Col.lower(s + (first + i) * h * w, geometry, into: cols + i * plan.plane, rowStride: width)
                                    }
                                    let start = first * plan.plane
                                    BLAS.gemm(false, false, m: kOut, n: width, k: plan.rows, wp, lda: plan.rows,
                                              cols, ldb: width, beta: 0, op + start, ldc: plan.wide)
                                    for ch in 0..<kOut {
                                        Elementwise.addBias(op + ch * plan.wide + start, count: width, bias: bp[ch], relu: relu)
                                    }
                                }
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

    /// Accumulates weight and bias gradients from dy (K, N, H', W'); returns the input
    /// gradient (C, N, H, W) when `needInput`.
    public func backward(_ dy: Tensor, needInput: Bool) -> Tensor? {
        guard let x = input else { preconditionFailure("Conv2d.backward needs a training forward first") }
        defer { input = nil }
        let (c, n, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = outputSize(h, w)
        let kOut = outChannels
        precondition(dy.shape == [kOut, n, oh, ow], "Conv2d.backward expects dy of shape \([kOut, n, oh, ow])")
        let plan = plan(channels: c, images: n, outputHeight: oh, outputWidth: ow)
        let partSize = plan.partSize(outChannels: kOut)
        if scratch.count < plan.parts * partSize { scratch = [Float](repeating: 0, count: plan.parts * partSize) }
        var dx = needInput ? Tensor.take(&inputGradientBuffer, x.shape) : Tensor(zeros: [0])
        let geometry = Im2Col.Geometry(channels: c, channelStride: n * h * w, height: h, width: w, kernel: kernel, padding: padding,
                                           paddingValues: paddingValues)
        let rows = plan.rows
        x.data.withUnsafeBufferPointer { src in
            dy.data.withUnsafeBufferPointer { g in
                scratch.withUnsafeMutableBufferPointer { sc in
                    dx.data.withUnsafeMutableBufferPointer { d in
                        weight.value.data.withUnsafeBufferPointer { wt in
                            nonisolated(unsafe) let (s, gp, scp, dp, wp) = (src.baseAddress!, g.baseAddress!, sc.baseAddress!, d.baseAddress, wt.baseAddress!)
                            Parallel.split(n) { part, images in
                                let cols = scp + part * partSize, dcols = cols + plan.columnsSize
                                let dW = dcols + plan.columnsSize, dB = dW + kOut * rows
                                dW.update(repeating: 0, count: kOut * rows + kOut)
                                for first in stride(from: images.lowerBound, to: images.upperBound, by: plan.chunk) {
                                    let count = min(plan.chunk, images.upperBound - first), width = count * plan.plane
                                    let start = first * plan.plane
                                    for ch in 0..<kOut { dB[ch] += Elementwise.sum(gp + ch * plan.wide + start, count: width) }
                                    for i in 0..<count {
                                        Im2Col.lower(s + (first + i) * h * w, geometry, into: cols + i * plan.plane, rowStride: width)
                                    }
                                    // dW_part += dY · colsᵀ over this chunk.
                                    BLAS.gemm(false, true, m: kOut, n: rows, k: width, gp + start, lda: plan.wide,
                                              cols, ldb: width, beta: 1, dW, ldc: rows)
                                    guard needInput, let dp else { continue }
                                    // dcols = Wᵀ · dY, folded back onto each image.
                                    BLAS.gemm(true, false, m: rows, n: width, k: kOut, wp, lda: rows,
                                              gp + start, ldb: plan.wide, beta: 0, dcols, ldc: width)
                                    for i in 0..<count {
                                        Im2Col.fold(UnsafePointer(dcols + i * plan.plane), geometry, into: dp + (first + i) * h * w, rowStride: width)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Thread partials summed in thread order: reproducible for a thread count.
        weight.grad.data.withUnsafeMutableBufferPointer { dw in
            bias.grad.data.withUnsafeMutableBufferPointer { db in
                scratch.withUnsafeBufferPointer { sc in
                    for part in 0..<plan.parts {
                        let partials = sc.baseAddress! + part * partSize + 2 * plan.columnsSize
                        for j in 0..<(kOut * rows) { dw[j] += partials[j] }
                        for j in 0..<kOut { db[j] += partials[kOut * rows + j] }
                    }
                }
            }
        }
        guard needInput else { return nil }
        inputGradientBuffer = dx
        return dx
    }
}

/// Lowering images to convolution columns and folding column gradients back.
enum Im2Col {
    /// Where an image's channel planes are and the convolution's shape.
    struct Geometry {
        var channels: Int
        /// Distance between consecutive channel planes of one image (N·H·W in CNHW).
        var channelStride: Int
        var height: Int
        var width: Int
        var kernel: Int
        var padding: Int
        /// Per channel, the value outside the image; nil for 0.
        var paddingValues: [Float]? = nil

        var outputHeight: Int { height + 2 * padding - kernel + 1 }
        var outputWidth: Int { width + 2 * padding - kernel + 1 }
    }

    /// cols[(ch·k + ky)·k + kx][y·W' + x] = image[ch][y + ky − p][x + kx − p] (outside the
    /// image 0, or the channel's padding value).
    /// Row r of this image's columns starts at `cols + r * rowStride` (the batch shares one matrix).
    static func lower(_ image: UnsafePointer<Float>, _ g: Geometry, into cols: UnsafeMutablePointer<Float>, rowStride: Int) {
        let (h, w, k, p) = (g.height, g.width, g.kernel, g.padding)
        let oh = g.outputHeight, ow = g.outputWidth
        var row = cols
        for ch in 0..<g.channels {
            let plane = image + ch * g.channelStride
            let border = g.paddingValues?[ch] ?? 0
            for ky in 0..<k {
                for kx in 0..<k {
                    let dx = kx - p
                    let xLo = max(0, -dx), xHi = min(ow, w - dx) // valid output columns
                    for y in 0..<oh {
                        let out = row + y * ow
                        let sy = y + ky - p
                        guard sy >= 0, sy < h, xHi > xLo else {
                            out.update(repeating: border, count: ow)
                            continue
                        }
                        if xLo > 0 { out.update(repeating: border, count: xLo) }
                        (out + xLo).update(from: plane + sy * w + xLo + dx, count: xHi - xLo)
                        if xHi < ow { (out + xHi).update(repeating: border, count: ow - xHi) }
                    }
                    row += rowStride
                }
            }
        }
    }

    /// The adjoint of `lower`: image[ch][sy][sx] = Σ of the column entries that read it.
    static func fold(_ cols: UnsafePointer<Float>, _ g: Geometry, into image: UnsafeMutablePointer<Float>, rowStride: Int) {
        let (h, w, k, p) = (g.height, g.width, g.kernel, g.padding)
        let oh = g.outputHeight, ow = g.outputWidth
        for ch in 0..<g.channels { (image + ch * g.channelStride).update(repeating: 0, count: h * w) }
        var row = cols
        for ch in 0..<g.channels {
            let plane = image + ch * g.channelStride
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
