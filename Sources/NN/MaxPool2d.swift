/// 2×2 max pooling with stride 2, as PyTorch's `nn.MaxPool2d(2)` (odd edges dropped).
/// input (N, C, H, W) → output (N, C, H/2, W/2). Keeps which of the four inputs won, so
/// backward routes each gradient to it (the first maximum on ties, as PyTorch).
public final class MaxPool2d {
    private var winners: [UInt8] = []
    private var inputShape: [Int] = []
    private var outputBuffer = Tensor(zeros: [0])
    private var gradientBuffer = Tensor(zeros: [0])

    public init() {}

    public func forward(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = h / 2, ow = w / 2
        var out = Tensor.take(&outputBuffer, [n, c, oh, ow])
        if winners.count != out.count { winners = [UInt8](repeating: 0, count: out.count) }
        inputShape = x.shape
        x.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                winners.withUnsafeMutableBufferPointer { win in
                    Self.pool(src.baseAddress!, dst.baseAddress!, win.baseAddress!, planes: n * c, height: h, width: w)
                }
            }
        }
        outputBuffer = out
        return out
    }

    /// The forward kernel over `planes` planes of h × w.
    private static func pool(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ wn: UnsafeMutablePointer<UInt8>,
                             planes: Int, height h: Int, width w: Int) {
        let oh = h / 2, ow = w / 2
        for plane in 0..<planes {
            let inPlane = s + plane * h * w, outPlane = d + plane * oh * ow, winPlane = wn + plane * oh * ow
            for y in 0..<oh {
                let r0 = inPlane + 2 * y * w, r1 = r0 + w
                let o = outPlane + y * ow, wr = winPlane + y * ow
                for x in 0..<ow {
                    let a = r0[2 * x], b = r0[2 * x + 1], cc = r1[2 * x], dd = r1[2 * x + 1]
                    let top = b > a ? b : a, topWhich: UInt8 = b > a ? 1 : 0
                    let bottom = dd > cc ? dd : cc, bottomWhich: UInt8 = dd > cc ? 3 : 2
                    let useBottom = bottom > top
                    o[x] = useBottom ? bottom : top
                    wr[x] = useBottom ? bottomWhich : topWhich
                }
            }
        }
    }

    /// Routes each output gradient to the input that won. With `afterReLU` (the pooled input
    /// was a ReLU output), gradients of outputs that were 0 are dropped too: that is ReLU's
    /// backward, done here so the largest gradient tensor is written once, not twice.
    public func backward(_ dy: Tensor, afterReLU: Bool = false) -> Tensor {
        // Every input position gets either its gradient or 0.
        var dx = Tensor.take(&gradientBuffer, inputShape)
        dx.data.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        let (h, w) = (inputShape[2], inputShape[3])
        let oh = h / 2, ow = w / 2
        let planes = inputShape[0] * inputShape[1]
        dy.data.withUnsafeBufferPointer { g in
            dx.data.withUnsafeMutableBufferPointer { out in
                winners.withUnsafeBufferPointer { win in
                  outputBuffer.data.withUnsafeBufferPointer { pooled in
                    let gs = g.baseAddress!, d = out.baseAddress!, wn = win.baseAddress!, po = pooled.baseAddress!
                    for plane in 0..<planes {
                        let gPlane = gs + plane * oh * ow, dPlane = d + plane * h * w, wPlane = wn + plane * oh * ow
                        let pPlane = po + plane * oh * ow
                        for y in 0..<oh {
                            for x in 0..<ow {
                                let which = Int(wPlane[y * ow + x])
                                let pass = !afterReLU || pPlane[y * ow + x] > 0
                                dPlane[(2 * y + which / 2) * w + 2 * x + which % 2] = pass ? gPlane[y * ow + x] : 0
                            }
                        }
                    }
                  }
                }
            }
        }
        gradientBuffer = dx
        return dx
    }
}
