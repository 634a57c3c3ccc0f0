import SIMDKernels

/// 2×2 max pooling with stride 2, as PyTorch's `nn.MaxPool2d(2)` (odd edges dropped).
///
///     input (P, Q, H, W) → output (P, Q, H/2, W/2)
///
/// Works plane by plane, so any layout with whole H×W planes (NCHW or the engine's CNHW)
/// pools the same. Keeps which of the four inputs won, so backward routes each gradient to
/// it (the first maximum on ties, as PyTorch).
public final class MaxPool2d {
    /// Threads and profile.
    public var engine = Engine()
    /// The layer it follows, for the profile.
    public var name = "maxpool"
    private var winners: [UInt8] = []
    /// Whether `winners` belong to the last forward (an inference epilogue keeps none).
    private var winnersAreCurrent = false
    private var inputShape: [Int] = []
    private var outputBuffer = Tensor(zeros: [0])
    private var gradientBuffer = Tensor(zeros: [0])

    public init() {}

    public func forward(_ x: Tensor) -> Tensor {
        let (h, w) = (x.shape[2], x.shape[3])
        let planes = x.shape[0] * x.shape[1]
        var out = Tensor.take(&outputBuffer, [x.shape[0], x.shape[1], h / 2, w / 2])
        if winners.count != out.count { winners = [UInt8](repeating: 0, count: out.count) }
        inputShape = x.shape
        let outPlane = (h / 2) * (w / 2), threads = engine.threads
        engine.timed(name, .forward, .pooling) {
        x.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                winners.withUnsafeMutableBufferPointer { win in
                    nonisolated(unsafe) let (s, d, wn) = (src.baseAddress!, dst.baseAddress!, win.baseAddress!)
                    Parallel.shares(planes, threads: threads, minimumPerPart: 8) { range in
                        for plane in range where asl_maxpool2x2_avx512(s + plane * h * w, d + plane * outPlane, wn + plane * outPlane, h, w) == 0 {
                            Self.pool(s + plane * h * w, d + plane * outPlane, wn + plane * outPlane, height: h, width: w)
                        }
                    }
                }
            }
        }
        }
        outputBuffer = out
        winnersAreCurrent = true
        return out
    }

    /// Forward with the pooling done by the producer of the input: takes the output and winner
    /// storage for an input of `inputShape` (planes of even height and width), lets `produce`
    /// fill them (with `poolRows`, band by band, while the input is still in cache) and keeps
    /// them for backward. Conv2d's fused epilogue uses it. A producer that keeps no winners
    /// (inference's `poolRowsBiased`) says so with `recordsWinners: false`, and backward then traps.
    func forward(inputShape: [Int], recordsWinners: Bool = true,
                 produce: (_ output: UnsafeMutablePointer<Float>, _ winners: UnsafeMutablePointer<UInt8>) -> Void) -> Tensor {
        precondition(inputShape[2] % 2 == 0 && inputShape[3] % 2 == 0, "fused pooling needs even planes")
        var out = Tensor.take(&outputBuffer, [inputShape[0], inputShape[1], inputShape[2] / 2, inputShape[3] / 2])
        if winners.count != out.count { winners = [UInt8](repeating: 0, count: out.count) }
        self.inputShape = inputShape
        out.data.withUnsafeMutableBufferPointer { o in
            winners.withUnsafeMutableBufferPointer { w in produce(o.baseAddress!, w.baseAddress!) }
        }
        outputBuffer = out
        winnersAreCurrent = recordsWinners
        return out
    }

    /// Inference's epilogue for `height` (even) rows of `width` (even) raw products: each output
    /// is the 2 × 2 maximum plus `bias`, then ReLU'd with `relu`. Adding a constant and ReLU are
    /// monotone (rounding to nearest keeps order), so this is the value of biasing, ReLU-ing and
    /// pooling, with the bias and ReLU on a quarter of the values and no winners written. The
    /// AVX-512 kernel where the CPU has it, else `poolBiased`.
    @inline(__always)
    static func poolRowsBiased(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, height: Int, width: Int,
                               bias: Float, relu: Bool) {
        if asl_maxpool2x2_bias_relu_avx512(input, output, height, width, bias, relu ? 1 : 0) == 0 {
            poolBiased(input, output, height: height, width: width, bias: bias, relu: relu)
        }
    }

    /// The portable `poolRowsBiased`: the comparisons of `pool`, then the bias and ReLU of
    /// `Elementwise.addBias`.
    static func poolBiased(_ inPlane: UnsafePointer<Float>, _ outPlane: UnsafeMutablePointer<Float>, height h: Int, width w: Int,
                           bias: Float, relu: Bool) {
        let (oh, ow) = (h / 2, w / 2)
        for y in 0..<oh {
            let r0 = inPlane + 2 * y * w, r1 = r0 + w, o = outPlane + y * ow
            for x in 0..<ow {
                let (a, b, c, d) = (r0[2 * x], r0[2 * x + 1], r1[2 * x], r1[2 * x + 1])
                let top = b > a ? b : a, bottom = d > c ? d : c
                let v = (bottom > top ? bottom : top) + bias
                o[x] = relu && v < 0 ? 0 : v
            }
        }
    }

    /// Pools `height` (even) rows of `width` (even) inputs into height/2 rows of width/2
    /// outputs and winners: the AVX-512 kernel where the CPU has it, else `pool`.
    @inline(__always)
    static func poolRows(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ winners: UnsafeMutablePointer<UInt8>,
                         height: Int, width: Int) {
        if asl_maxpool2x2_avx512(input, output, winners, height, width) == 0 {
            pool(input, output, winners, height: height, width: width)
        }
    }

    /// The portable forward kernel on one h × w plane (the AVX-512 one in SIMDKernels runs
    /// where the CPU has it): 16 outputs at a time (even/odd lanes of two
    /// input rows), the rest one by one.
    @inline(__always)
    static func pool(_ inPlane: UnsafePointer<Float>, _ outPlane: UnsafeMutablePointer<Float>, _ winPlane: UnsafeMutablePointer<UInt8>,
                             height h: Int, width w: Int) {
        let oh = h / 2, ow = w / 2
        let one = SIMD16<Int32>(repeating: 1), two = SIMD16<Int32>(repeating: 2), three = SIMD16<Int32>(repeating: 3)
        for y in 0..<oh {
            let r0 = UnsafeRawPointer(inPlane + 2 * y * w), r1 = r0 + 4 * w
            let o = outPlane + y * ow, wr = winPlane + y * ow
            var x = 0
            while x + 16 <= ow {
                let upper = r0.loadUnaligned(fromByteOffset: 8 * x, as: SIMD32<Float>.self)
                let lower = r1.loadUnaligned(fromByteOffset: 8 * x, as: SIMD32<Float>.self)
                let (a, b, c, d) = (upper.evenHalf, upper.oddHalf, lower.evenHalf, lower.oddHalf)
                let topRight = b .> a, bottomRight = d .> c
                let top = a.replacing(with: b, where: topRight), bottom = c.replacing(with: d, where: bottomRight)
                let useBottom = bottom .> top
                UnsafeMutableRawPointer(o + x).storeBytes(of: top.replacing(with: bottom, where: useBottom), as: SIMD16<Float>.self)
                let topWhich = SIMD16<Int32>().replacing(with: one, where: topRight)
                let bottomWhich = two.replacing(with: three, where: bottomRight)
                let which = SIMD16<UInt8>(truncatingIfNeeded: topWhich.replacing(with: bottomWhich, where: useBottom))
                UnsafeMutableRawPointer(wr + x).storeBytes(of: which, as: SIMD16<UInt8>.self)
                x += 16
            }
            let s0 = inPlane + 2 * y * w, s1 = s0 + w
            while x < ow {
                let a = s0[2 * x], b = s0[2 * x + 1], cc = s1[2 * x], dd = s1[2 * x + 1]
                let top = b > a ? b : a, topWhich: UInt8 = b > a ? 1 : 0
                let bottom = dd > cc ? dd : cc, bottomWhich: UInt8 = dd > cc ? 3 : 2
                let useBottom = bottom > top
                o[x] = useBottom ? bottom : top
                wr[x] = useBottom ? bottomWhich : topWhich
                x += 1
            }
        }
    }

    /// Routes each output gradient to the input that won. With `afterReLU` (the pooled input
    /// was a ReLU output), gradients of outputs that were 0 are dropped too: that is ReLU's
    /// backward, done here so the largest gradient tensor is written once, not twice.
    public func backward(_ dy: Tensor, afterReLU: Bool = false) -> Tensor {
        precondition(winnersAreCurrent, "MaxPool2d.backward: the last forward kept no winners (an inference epilogue)")
        var dx = Tensor.take(&gradientBuffer, inputShape)
        let (h, w) = (inputShape[2], inputShape[3])
        let oh = h / 2, ow = w / 2
        let planes = inputShape[0] * inputShape[1], threads = engine.threads
        engine.timed(name, .backward, .pooling) {
        dy.data.withUnsafeBufferPointer { g in
            dx.data.withUnsafeMutableBufferPointer { out in
                winners.withUnsafeBufferPointer { win in
                    outputBuffer.data.withUnsafeBufferPointer { pooled in
                        nonisolated(unsafe) let (gs, d, wn, po) = (g.baseAddress!, out.baseAddress!, win.baseAddress!, pooled.baseAddress!)
                        Parallel.shares(planes, threads: threads, minimumPerPart: 8) { range in
                            for plane in range {
                                let gPlane = gs + plane * oh * ow, dPlane = d + plane * h * w, wPlane = wn + plane * oh * ow
                                let pPlane = po + plane * oh * ow
                                // Odd edges get no gradient; even sizes write every input below.
                                if h % 2 == 1 || w % 2 == 1 { dPlane.update(repeating: 0, count: h * w) }
                                Self.route(gPlane, wPlane, pPlane, into: dPlane, height: h, width: w, afterReLU: afterReLU)
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

    /// Where the gradient of a pooled output goes, for a consumer that routes it piece by
    /// piece while the piece is in cache (Conv2d's backward) instead of through `backward`'s
    /// whole input-sized tensor. Valid inside `withRouter` only.
    struct Router {
        fileprivate let gradient: UnsafePointer<Float>, winners: UnsafePointer<UInt8>, pooled: UnsafePointer<Float>
        fileprivate let height: Int, width: Int, afterReLU: Bool

        /// Writes the input gradient of plane `plane` (an index over the first two axes), every
        /// value of its `height` × `width` inputs, to `destination`: what `backward` writes there.
        func route(plane: Int, into destination: UnsafeMutablePointer<Float>) {
            let outPlane = (height / 2) * (width / 2)
            MaxPool2d.route(gradient + plane * outPlane, winners + plane * outPlane, pooled + plane * outPlane, into: destination,
                            height: height, width: width, afterReLU: afterReLU)
        }

        /// Image `image` of a (K, N, H/2, W/2) pooled output of `batch` images: where its pooled
        /// gradient, winners and pooled values start, the distance between its channels' planes,
        /// and whether ReLU's backward drops the gradients of values that are not positive.
        func pooledPlanes(image: Int, batch: Int) -> PooledPlanes {
            let outPlane = (height / 2) * (width / 2)
            return PooledPlanes(gradient: gradient + image * outPlane, winners: winners + image * outPlane, pooled: pooled + image * outPlane,
                                channelStride: batch * outPlane, afterReLU: afterReLU)
        }
    }

    /// One image's planes of a pooled output, for a consumer that reads the winners itself.
    struct PooledPlanes {
        let gradient: UnsafePointer<Float>, winners: UnsafePointer<UInt8>, pooled: UnsafePointer<Float>
        let channelStride: Int, afterReLU: Bool
    }

    /// Runs `body` with a router of `dy` (the gradient of the last forward's output) through the
    /// winners. The input's planes must be even (an odd edge gets no gradient, which `backward` writes).
    func withRouter<T>(_ dy: Tensor, afterReLU: Bool, _ body: (Router) -> T) -> T {
        let (h, w) = (inputShape[2], inputShape[3])
        precondition(dy.shape == [inputShape[0], inputShape[1], h / 2, w / 2], "MaxPool2d: gradient of shape \(dy.shape) for input \(inputShape)")
        precondition(h % 2 == 0 && w % 2 == 0, "MaxPool2d: routing needs even planes, not \(h) × \(w)")
        precondition(winnersAreCurrent, "MaxPool2d: the last forward kept no winners (an inference epilogue)")
        return dy.data.withUnsafeBufferPointer { g in
            winners.withUnsafeBufferPointer { win in
                outputBuffer.data.withUnsafeBufferPointer { pooled in
                    body(Router(gradient: g.baseAddress!, winners: win.baseAddress!, pooled: pooled.baseAddress!, height: h, width: w,
                                afterReLU: afterReLU))
                }
            }
        }
    }

    /// The backward kernel on one plane: writes all four inputs of each output (the winner
    /// gets the gradient, the others 0), so no separate zeroing pass is needed. The AVX-512
    /// kernel where the CPU has it (16 outputs a step, about 20× faster than this loop on AMD
    /// EPYC), else `routePlain`; both write the same bits.
    @inline(__always)
    fileprivate static func route(_ gPlane: UnsafePointer<Float>, _ wPlane: UnsafePointer<UInt8>, _ pPlane: UnsafePointer<Float>,
                                  into dPlane: UnsafeMutablePointer<Float>, height h: Int, width w: Int, afterReLU: Bool) {
        if asl_maxpool2x2_backward_avx512(gPlane, wPlane, pPlane, afterReLU ? 1 : 0, dPlane, h, w) == 0 {
            routePlain(gPlane, wPlane, pPlane, into: dPlane, height: h, width: w, afterReLU: afterReLU)
        }
    }

    /// The portable backward kernel: plain scalar code (the compiler turns it into selects).
    static func routePlain(_ gPlane: UnsafePointer<Float>, _ wPlane: UnsafePointer<UInt8>, _ pPlane: UnsafePointer<Float>,
                              into dPlane: UnsafeMutablePointer<Float>, height h: Int, width w: Int, afterReLU: Bool) {
        let oh = h / 2, ow = w / 2
        for y in 0..<oh {
            let top = dPlane + 2 * y * w, bottom = top + w
            let g = gPlane + y * ow, wn = wPlane + y * ow, pooled = pPlane + y * ow
            for x in 0..<ow {
                let which = wn[x]
                let v = !afterReLU || pooled[x] > 0 ? g[x] : 0
                top[2 * x] = which == 0 ? v : 0
                top[2 * x + 1] = which == 1 ? v : 0
                bottom[2 * x] = which == 2 ? v : 0
                bottom[2 * x + 1] = which == 3 ? v : 0
            }
        }
    }
}
