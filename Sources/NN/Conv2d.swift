/// 2-D convolution, stride 1, zero padding, as PyTorch's `nn.Conv2d(c, k, kernel, padding:)`.
///
///     input (C, N, H, W) → output (K, N, H', W'), H' = H + 2p − kernel + 1
///     weight (K, C, kh, kw), bias (K)
///
/// Activations are channel-major ("CNHW", the batch inside each channel), not PyTorch's NCHW:
/// the columns (im2col) of consecutive images then sit side by side, and the product of the
/// weight matrix with the columns of a run of images *is* that run's output, written in
/// place with no transposes. Forward: each thread takes a contiguous block of images and
/// works through it a few images, or a band of one image's rows, at a time: lower into a
/// private column buffer that stays in L2, one single-threaded product, then bias, ReLU and
/// (when a pool follows) the 2 × 2 max-pool on the band while it is in cache; where the
/// engine's own kernels run and the output is not kept, a lowered convolution instead reads
/// the image and biases and pools in the product itself (`PooledConvolution`).
/// Backward lowers the same images again rather than keeping a batch of columns (hundreds of
/// MB of memory traffic) around, in fixed parts of the batch (`gradientParts`) so that the
/// weight gradient is the same sum for every thread count.
public final class Conv2d {
    public let name: String
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
    /// Threads, product kernel and profile.
    public var engine = Engine()

    /// The weight and bias gradients are sums over the batch. Backward cuts the batch into this
    /// many contiguous parts (fewer for a smaller batch), whatever the thread count: each part
    /// sums its images into its own partial gradient, chunk by chunk, and the partials are
    /// added in part order, so 1, 2 or 8 threads give the same bits.
    static let gradientParts = 8
    /// Fixed parts of the batch forward takes (whole images each): more than the threads, so a
    /// worker slowed by the machine (another process on its core) leaves its share to the others.
    static let forwardParts = 8

    // What backward needs; `input` is released by backward so the producer can reuse its buffer.
    private var input: Tensor?
    private var outputBuffer = Tensor(zeros: [0])
    private var inputGradientBuffer = Tensor(zeros: [0])
    /// Per worker: column buffer and column-gradient buffer; then per gradient part: weight-
    /// and bias-gradient partials.
    private var scratch: [Float] = []
    /// For Winograd: the transformed weights, then per worker the transformed input, output and
    /// input gradient; in backward then per gradient part dU and db partials, and their sum.
    private var winogradScratch: [Float] = []
    /// Per worker, one piece's outputs when they are pooled at once and not kept: written,
    /// biased and pooled in cache, they never travel to memory (64 MB a batch for SmallCNN's
    /// first conv). In backward, one chunk's output gradient routed from the pooled one.
    private var pieceOutputScratch: [Float] = []
    /// Floats the column and piece-output buffers hold (tests: a forward whose products pool as
    /// they finish allocates neither).
    var loweringScratchFloats: Int { scratch.count + pieceOutputScratch.count }
    /// The weights packed for `PooledConvolution` (lowered products that pool in their
    /// epilogue), once per forward.
    private var pooledProductWeights: [Float] = []
    /// Whether lowered products read the image and pool in their epilogue where the kernel can
    /// (a variable so tests can compare with the lowering, product, bias and pooling passes).
    var poolsInProducts = true
    /// Whether backward's dot-product weight gradient makes the columns in cache instead of
    /// lowering them into memory first (a variable so tests can compare the two).
    var lowersInWeightGradient = true
    /// Whether a pooled convolution that needs no input gradient takes its weight gradient from
    /// the pool's winners (`winnersBackward`) where that kernel runs; tests turn it off to compare.
    var weightGradientFromWinners = true
    /// Whether `outputBuffer` holds the last forward's output (a forward that pooled pieces
    /// in cache without keeping them leaves it stale).
    private var outputIsCurrent = false
    /// What the transformed (and, in bf16, packed) weights at the start of `winogradScratch` were
    /// made from, so that forwards with unchanged weights (inference, batch after batch or image
    /// after image) skip making them again; nil when that memory holds something else.
    private var transformedWeights: TransformedWeights?
    private struct TransformedWeights: Equatable {
        var version: UInt64, tile: WinogradConvolution.Tile, kernel: ProductKernel, packed: Bool
    }
    /// Whether the last forward's pooled output is (N, K, h, w) (`imageMajor` in inference), not (K, N, h, w).
    private(set) var lastPooledIsImageMajor = false

    /// Bytes of transformed input and output a Winograd piece holds (images or a band of one).
    /// Larger than L2: the per-point products of a piece are short in k (the channels), and wider ones
    /// ran faster (forward products at 1 MB 73–78 GFLOP/s, at 4 MB 78–91, at 16 MB 54–62 on
    /// one AMD EPYC core). (A variable so tests can force bands.)
    var winogradPieceBytes = 4 << 20

    /// Bytes of columns a thread lowers at a time: fits the caches, big enough for efficient
    /// GEMMs. (A variable so tests can force chunks of one image.)
    var columnBytesPerChunk = 4 << 20

    public convenience init(name: String, inChannels: Int, outChannels: Int, kernel: Int, padding: Int, fusedReLU: Bool = false,
                            random: inout Initializer) {
        let fanIn = inChannels * kernel * kernel
        self.init(name: name, inChannels: inChannels, outChannels: outChannels, kernel: kernel, padding: padding, fusedReLU: fusedReLU,
                  weight: Parameter(name: name + ".weight", value: random.uniform(shape: [outChannels, inChannels, kernel, kernel], fanIn: fanIn)),
                  bias: Parameter(name: name + ".bias", value: random.uniform(shape: [outChannels], fanIn: fanIn)))
    }

    private init(name: String, inChannels: Int, outChannels: Int, kernel: Int, padding: Int, fusedReLU: Bool,
                 weight: Parameter, bias: Parameter) {
        self.name = name
        self.fusedReLU = fusedReLU
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.padding = padding
        self.weight = weight
        self.bias = bias
    }

    /// A convolution with `other`'s parameters (the same objects, so it sees every change to
    /// them) and settings, and buffers of its own: one thread's copy for work that runs several
    /// of them at once (SmallCNN's image-by-image inference). It computes the same bits.
    convenience init(sharingParametersOf other: Conv2d) {
        self.init(name: other.name, inChannels: other.inChannels, outChannels: other.outChannels, kernel: other.kernel,
                  padding: other.padding, fusedReLU: other.fusedReLU, weight: other.weight, bias: other.bias)
        paddingValues = other.paddingValues
        engine = other.engine
        poolsInProducts = other.poolsInProducts
        lowersInWeightGradient = other.lowersInWeightGradient
        weightGradientFromWinners = other.weightGradientFromWinners
        winogradPieceBytes = other.winogradPieceBytes
        columnBytesPerChunk = other.columnBytesPerChunk
        forwardBandBytes = other.forwardBandBytes
    }

    func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        (h + 2 * padding - kernel + 1, w + 2 * padding - kernel + 1)
    }

    /// The output of the last forward, (K, N, H', W'): kept by a forward without fused
    /// pooling or with `keepOutput`.
    var lastOutput: Tensor {
        precondition(outputIsCurrent, "\(name): the last forward pooled its output without keeping it (pass keepOutput)")
        return outputBuffer
    }

    /// How one batch is cut up: images per chunk, the batch's fixed parts, the workers that
    /// take them, and (backward) one partial gradient per part.
    private struct Plan {
        var rows: Int, plane: Int, wide: Int, chunk: Int, workers: Int, parts: Int, backward: Bool
        var columnsSize: Int { rows * chunk * plane }
        /// Per worker: columns and column gradient.
        var workerSize: Int { 2 * columnsSize }
        /// Per gradient part: dW (K·rows) and db (K).
        func partialSize(outChannels k: Int) -> Int { k * rows + k }
        func scratchSize(outChannels k: Int) -> Int { workers * workerSize + (backward ? parts * partialSize(outChannels: k) : 0) }
    }

    /// The first float of `p`'s buffer on a 64-byte boundary (at most 15 floats on).
    private static func cacheLineStart(_ p: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        p + (16 - Int(bitPattern: p) / 4 % 16) % 16
    }

    private func plan(channels c: Int, images n: Int, outputHeight oh: Int, outputWidth ow: Int, backward: Bool) -> Plan {
        let rows = c * kernel * kernel, plane = oh * ow
        let chunk = max(1, min(n, columnBytesPerChunk / max(1, rows * plane * 4)))
        let parts = min(n, backward ? Self.gradientParts : Self.forwardParts)
        return Plan(rows: rows, plane: plane, wide: n * plane, chunk: chunk, workers: min(engine.threads, parts), parts: parts,
                    backward: backward)
    }

    /// Output rows a forward band holds at most: forward lowers a band of an image's output
    /// rows at a time when a whole image's columns would not stay in cache, so the columns,
    /// the product and the epilogue (bias, ReLU, pooling) all work in L2. (A variable so tests
    /// can force small bands.) Each output is the same sum whatever the band, so banding
    /// changes no bit; backward keeps whole-image chunks, whose sums it fixes.
    var forwardBandBytes = 512 << 10

    /// Rows per forward band: whole images when their columns are small or a band would make
    /// too narrow a product (under 1024 outputs), else as many rows as fit `forwardBandBytes`;
    /// even when pooling follows.
    private func bandRows(rows: Int, outputHeight oh: Int, outputWidth ow: Int, pooled: Bool) -> Int {
        var band = max(1, forwardBandBytes / max(1, rows * ow * 4))
        band = max(band, (1024 + ow - 1) / ow)
        if pooled { band += band % 2 }
        return min(oh, band)
    }

    /// The Winograd tile this layer's products use for planes of this size, or nil when they are lowered.
    func winogradTile(height: Int, width: Int) -> WinogradConvolution.Tile? {
        WinogradConvolution.tile(engine.convolution, precision: engine.precision, inChannels: inChannels, kernel: kernel, padding: padding,
                                 paddingValues: paddingValues, height: height, width: width)
    }

    /// Packs the weights for `PooledConvolution` (`rows` = C·kernel²); false where that kernel
    /// cannot run (see `PooledConvolution.packWeights`).
    private func packPooledProductWeights(rows: Int) -> Bool {
        guard PooledConvolution.covers(engine.kernel) else { return false }
        let floats = PooledConvolution.packedWeightsSize(engine.kernel, m: outChannels, k: rows) + 16
        if pooledProductWeights.count < floats { pooledProductWeights = [Float](repeating: 0, count: floats) }
        return weight.value.data.withUnsafeBufferPointer { wt in
            pooledProductWeights.withUnsafeMutableBufferPointer { packed in
                PooledConvolution.packWeights(engine.kernel, m: outChannels, k: rows, wt.baseAddress!, into: Self.cacheLineStart(packed.baseAddress!))
            }
        }
    }

    /// Where an inference forward writes its pooled output, (K, N', h, w) channel-major with
    /// the forward's images first in each channel's run of N' planes: image 0 at `start`,
    /// channel planes `channelStride` floats apart. (Image-by-image inference writes each image
    /// into its place in the batch.)
    struct PooledDestination {
        var start: UnsafeMutablePointer<Float>
        var channelStride: Int
    }

    /// Keeps the input for `backward` when `training`.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        forward(x, training: training, pool: nil)
    }

    /// The convolution, bias and ReLU, and, with `pool`, the 2 × 2 max-pool of the result
    /// in the same pass, band by band (its output is then `pool`'s, returned). The conv's own
    /// output is then written to memory only with `keepOutput` (for `lastOutput`): neither
    /// backward nor the next layer reads it, and each band is pooled while it is in cache.
    /// With `imageMajor`, inference (pooling, output not kept) writes the pooled output as
    /// (N, K, H'/2, W'/2), PyTorch's order, which a linear layer reads flattened as it is: no
    /// pass that swaps the leading axes afterwards; `lastPooledIsImageMajor` says whether it did.
    ///
    /// With `pooledInto` (inference, pooling, output not kept), the pooled output goes there
    /// instead of `pool`'s buffer, and the returned tensor is empty.
    func forward(_ x: Tensor, training: Bool, pool: MaxPool2d?, keepOutput: Bool = false, imageMajor: Bool = false,
                 pooledInto destination: PooledDestination? = nil) -> Tensor {
        let (c, n, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(c == inChannels, "Conv2d expects \(inChannels) input channels, got \(c)")
        let (oh, ow) = outputSize(h, w)
        let plan = plan(channels: c, images: n, outputHeight: oh, outputWidth: ow, backward: false)
        let geometry = inputGeometry(of: x)
        let kOut = outChannels, relu = fusedReLU, engine = engine, name = name
        let pooling = pool != nil && oh % 2 == 0 && ow % 2 == 0
        let keep = keepOutput || !pooling
        // Inference pools the raw products first and biases and ReLUs the quarter that is
        // left (the same values; see `MaxPool2d.poolRowsBiased`). Training keeps the winners
        // of the biased values, which backward routes through, so it biases first.
        let poolFirst = !training && !keep
        let pooledImageMajor = imageMajor && poolFirst
        precondition(destination == nil || (poolFirst && pool != nil && !imageMajor), "\(name): only inference's pooled output goes to a destination")
        var out = keep ? Tensor.take(&outputBuffer, [outChannels, n, oh, ow]) : outputBuffer
        let winograd = winogradTile(height: h, width: w).map {
            WinogradConvolution.pieces($0, inChannels: c, outChannels: kOut, height: h, width: w, images: n, bytes: winogradPieceBytes)
        }
        let tile = winograd?.tile
        let band = winograd?.outputRows ?? bandRows(rows: plan.rows, outputHeight: oh, outputWidth: ow, pooled: pooling)
        // Whole images go `plan.chunk` (or Winograd's `images`) at a time; otherwise one image in bands of `band` rows.
        let imagesPerPiece = band >= oh ? winograd?.images ?? plan.chunk : 1
        // bf16 packs the transformed weights once here and V as it transforms (`packsBF16Forward`).
        let packsBF16 = tile.map { WinogradConvolution.packsBF16Forward($0, kernel: engine.kernel, inChannels: c, width: w) } ?? false
        let packedUSize = packsBF16 ? tile!.points * WinogradConvolution.packedWeightPointStride(inChannels: c, outChannels: kOut) : 0
        let uSize = (winograd.map { WinogradConvolution.weightSize($0.tile, inChannels: c, outChannels: kOut) } ?? 0) + packedUSize
        let winogradWorkerSize = winograd.map {
            WinogradConvolution.workspaceSize($0.tile, inChannels: c, outChannels: kOut, tiles: $0.tilesPerPiece, backward: false)
        } ?? 0
        // Lowered products whose output is not kept read the image and pool as they finish:
        // neither the columns nor the products reach memory.
        let poolsInProduct = poolsInProducts && pooling && !keep && tile == nil && packPooledProductWeights(rows: plan.rows)
        // (The pooled products need no columns.)
        if winograd == nil, !poolsInProduct, scratch.count < plan.scratchSize(outChannels: kOut) {
            scratch = [Float](repeating: 0, count: plan.scratchSize(outChannels: kOut))
        }
        // A piece's outputs when not kept: K × (its images × its rows × W'); none when the products
        // pool as they finish (Winograd's pooled output transform may decline, and then needs them).
        let pieceOutputSize = keep || poolsInProduct ? 0 : kOut * imagesPerPiece * min(band, oh) * ow
        let pieceOutputs = plan.workers * pieceOutputSize
        if pieceOutputScratch.count < pieceOutputs { pieceOutputScratch = [Float](repeating: 0, count: pieceOutputs) }
        if let tile {
            // 16 floats more, so that the scratch can start on a cache line (the packed operands' loads need it).
            let size = uSize + plan.workers * winogradWorkerSize + 16
            if winogradScratch.count < size {
                winogradScratch = [Float](repeating: 0, count: size)
                transformedWeights = nil
            }
            // Skipped while the weights, transformed and packed the same way, are still in place.
            let made = TransformedWeights(version: weight.version, tile: tile, kernel: engine.kernel, packed: packsBF16)
            if transformedWeights != made {
                weight.value.data.withUnsafeBufferPointer { wt in
                    winogradScratch.withUnsafeMutableBufferPointer { ws in
                        let u = Self.cacheLineStart(ws.baseAddress!)
                        engine.timed(name, .forward, .transform) {
                            WinogradConvolution.transformWeights(tile, wt.baseAddress!, outChannels: kOut, inChannels: c, into: u)
                            if packsBF16 {
                                WinogradConvolution.packWeights(tile, u, outChannels: kOut, inChannels: c, into: u + uSize - packedUSize)
                            }
                        }
                    }
                }
                transformedWeights = made
            }
        }
        /// One piece's products, lowered: columns of `count` images from `first`, output rows y0 ..< y1,
        /// written at `place` (whole planes or one image's band: contiguous in each channel).
        @Sendable func lowerAndMultiply(_ s: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, _ wp: UnsafePointer<Float>,
                              _ place: WinogradConvolution.OutputPlace, first: Int, count: Int, rows y0: Int, _ y1: Int) {
            let pieceRows = y1 - y0, width = count * pieceRows * ow
            engine.timedInWorker(name, .forward, .lowering) {
                for i in 0..<count {
                    Im2Col.lower(s + (first + i) * h * w, geometry, outputRows: y0..<y1, into: cols + i * pieceRows * ow, rowStride: width)
                }
            }
            engine.timedInWorker(name, .forward, .gemm, operations: 2 * Double(kOut * width * plan.rows)) {
                BLAS.gemm(engine.kernel, false, false, m: kOut, n: width, k: plan.rows, wp, lda: plan.rows,
                          cols, ldb: width, beta: 0, place.start, ldc: place.channelStride)
            }
        }
        func run(_ poolOut: UnsafeMutablePointer<Float>?, _ poolWinners: UnsafeMutablePointer<UInt8>?) {
            nonisolated(unsafe) let (po, pw) = (poolOut, poolWinners)
            let pooledPlane = (oh / 2) * (ow / 2)
            // Where plane (channel, image) of the pooled output (and of the winners) starts.
            let (pooledChannelStride, pooledImageStride) = pooledImageMajor ? (pooledPlane, kOut * pooledPlane)
                : (destination?.channelStride ?? n * pooledPlane, pooledPlane)
            x.data.withUnsafeBufferPointer { src in
                scratch.withUnsafeMutableBufferPointer { sc in
                    out.data.withUnsafeMutableBufferPointer { o in
                        weight.value.data.withUnsafeBufferPointer { wt in
                            winogradScratch.withUnsafeMutableBufferPointer { ws in
                                pieceOutputScratch.withUnsafeMutableBufferPointer { pieceScratch in
                                bias.value.data.withUnsafeBufferPointer { b in
                                pooledProductWeights.withUnsafeMutableBufferPointer { pooledWeights in
                                    nonisolated(unsafe) let (s, wp, bp) = (src.baseAddress!, wt.baseAddress!, b.baseAddress!)
                                    nonisolated(unsafe) let packedWeights = poolsInProduct ? UnsafeRawPointer(Self.cacheLineStart(pooledWeights.baseAddress!)) : nil
                                    // The whole output when kept, else each worker's piece buffer.
                                    nonisolated(unsafe) let (op, pieceOutput) = keep ? (o.baseAddress, nil) : (nil, poolsInProduct ? nil : pieceScratch.baseAddress)
                                    // Each worker's columns (lowered products only).
                                    nonisolated(unsafe) let columns = winograd == nil ? sc.baseAddress : nil
                                    // The transformed weights, then each worker's transformed input and output.
                                    nonisolated(unsafe) let transformed = winograd == nil ? nil : Self.cacheLineStart(ws.baseAddress!)
                                    // Fixed parts of the batch, taken by whichever worker is free (each image's
                                    // outputs are the same sums in any part), scratch by worker.
                                    Parallel.forEachPart(plan.parts, threads: engine.threads) { worker, part in
                                        let images = Parallel.range(of: part, plan.parts, n)
                                        for first in stride(from: images.lowerBound, to: images.upperBound, by: imagesPerPiece) {
                                            let count = min(imagesPerPiece, images.upperBound - first)
                                            for y0 in stride(from: 0, to: oh, by: band) {
                                                let y1 = min(oh, y0 + band), pieceRows = y1 - y0
                                                let width = count * pieceRows * ow
                                                // Where the piece's products go: nil when they pool as they finish.
                                                let place = op.map {
                                                    WinogradConvolution.OutputPlace(start: $0 + first * plan.plane + y0 * ow, channelStride: plan.wide,
                                                                                    imageStride: plan.plane)
                                                } ?? pieceOutput.map {
                                                    WinogradConvolution.OutputPlace(start: $0 + worker * pieceOutputSize, channelStride: width,
                                                                                    imageStride: pieceRows * ow)
                                                }
                                                var pooledAlready = false
                                                if let u = transformed, let tile {
                                                    let piece = WinogradConvolution.Piece(tile: tile, first: first, count: count, tileRow0: y0 / tile.side,
                                                                                          tileRows: pieceRows / tile.side, batch: n, height: h, width: w)
                                                    // Inference's F(2×2) tiles are the pooling windows: the output transform pools them.
                                                    let pooled = poolFirst ? po.map {
                                                        WinogradConvolution.PooledPlace(
                                                            planes: .init(start: $0 + first * pooledImageStride + (y0 / 2) * (ow / 2),
                                                                          channelStride: pooledChannelStride, imageStride: pooledImageStride),
                                                            bias: bp, relu: relu)
                                                    } : nil
                                                    pooledAlready = WinogradConvolution.forward(
                                                        piece, input: s, inChannels: c, outChannels: kOut, weights: u,
                                                        packedWeights: packsBF16 ? UnsafeRawPointer(u + uSize - packedUSize) : nil,
                                                        workspace: u + uSize + worker * winogradWorkerSize, out: place!, pooled: pooled, engine: engine, name: name)
                                                } else if poolsInProduct, let po {
                                                    engine.timedInWorker(name, .forward, .gemm, operations: 2 * Double(kOut * width * plan.rows)) {
                                                        for i in 0..<count {
                                                            let offset = (first + i) * pooledImageStride + (y0 / 2) * (ow / 2)
                                                            let done = PooledConvolution.convolveAndPool(
                                                                engine.kernel, m: kOut, packedWeights: packedWeights!, image: s + (first + i) * h * w, geometry,
                                                                rows: y0..<y1, bias: bp, relu: relu, into: po + offset, winners: poolFirst ? nil : pw! + offset,
                                                                channelStride: pooledChannelStride)
                                                            precondition(done, "the pooled convolution declined after its weights were packed")
                                                        }
                                                    }
                                                    pooledAlready = true
                                                } else {
                                                    lowerAndMultiply(s, columns! + worker * plan.workerSize, wp, place!, first: first, count: count, rows: y0, y1)
                                                }
                                                // The passes after the products, where they did not pool as they finished.
                                                guard !pooledAlready, let place else { continue }
                                                if !poolFirst {
                                                    engine.timedInWorker(name, .forward, .activation) {
                                                        for ch in 0..<kOut {
                                                            Elementwise.addBias(place.start + ch * place.channelStride, count: width, bias: bp[ch], relu: relu)
                                                        }
                                                    }
                                                }
                                                guard let po else { continue }
                                                engine.timedInWorker(name, .forward, .pooling) {
                                                    for ch in 0..<kOut {
                                                        for i in 0..<count {
                                                            let offset = ch * pooledChannelStride + (first + i) * pooledImageStride + (y0 / 2) * (ow / 2)
                                                            let products = place.start + ch * place.channelStride + i * place.imageStride
                                                            if poolFirst {
                                                                MaxPool2d.poolRowsBiased(products, po + offset, height: pieceRows, width: ow, bias: bp[ch], relu: relu)
                                                            } else {
                                                                MaxPool2d.poolRows(products, po + offset, pw! + offset, height: pieceRows, width: ow)
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                                }
                                }
                            }
                        }
                    }
                }
            }
        }
        var result: Tensor
        if let destination {
            precondition(pooling, "\(name): a pooled destination needs even planes")
            run(destination.start, nil)
            result = Tensor(zeros: [0])
        } else if pooling, let pool {
            result = pool.forward(inputShape: pooledImageMajor ? [n, kOut, oh, ow] : [kOut, n, oh, ow], recordsWinners: !poolFirst) { run($0, $1) }
        } else {
            run(nil, nil)
            result = Tensor(zeros: [0])
        }
        input = training ? x : nil
        outputBuffer = out
        outputIsCurrent = keep
        lastPooledIsImageMajor = pooledImageMajor
        if let pool {
            if !pooling { result = pool.forward(out) }
            return result
        }
        return out
    }

    /// Accumulates weight and bias gradients from dy (K, N, H', W') (sets them with
    /// `replacing`); returns the input gradient (C, N, H, W) when `needInput`.
    public func backward(_ dy: Tensor, needInput: Bool, replacing: Bool = false) -> Tensor? {
        guard let x = input else { preconditionFailure("Conv2d.backward needs a training forward first") }
        defer { input = nil }
        if replacing { zeroGradients() }
        let (n, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = outputSize(h, w)
        let kOut = outChannels
        precondition(dy.shape == [kOut, n, oh, ow], "Conv2d.backward expects dy of shape \([kOut, n, oh, ow])")
        return dy.data.withUnsafeBufferPointer { g in
            nonisolated(unsafe) let gp = g.baseAddress!
            if let tile = winogradTile(height: h, width: w) { return winogradBackward(tile, x, .whole(gp), needInput: needInput) }
            return loweredBackward(x, .whole(gp), needInput: needInput)
        }
    }

    /// Backward from the gradient of the pooled output (K, N, H'/2, W'/2) of the last forward,
    /// whose 2 × 2 max-pool (`pool`) was fused into it: as `backward(pool.backward(dy, afterReLU:),
    /// needInput:)`, with the same bits. Each chunk (lowered) or piece's images (Winograd) has its
    /// gradient routed into a buffer that stays in cache instead of writing and reading back the
    /// conv-sized gradient (64, 32 and 16 MB a batch at SmallCNN's three convs).
    func backward(pooledGradient dy: Tensor, pool: MaxPool2d, needInput: Bool, replacing: Bool = false) -> Tensor? {
        guard let x = input else { preconditionFailure("Conv2d.backward needs a training forward first") }
        let (oh, ow) = outputSize(x.shape[2], x.shape[3])
        guard oh % 2 == 0, ow % 2 == 0 else {
            return backward(pool.backward(dy, afterReLU: fusedReLU), needInput: needInput, replacing: replacing)
        }
        defer { input = nil }
        if replacing { zeroGradients() }
        let tile = winogradTile(height: x.shape[2], width: x.shape[3])
        return pool.withRouter(dy, afterReLU: fusedReLU) { router in
            if let tile { return winogradBackward(tile, x, .routed(router), needInput: needInput) }
            if !needInput, weightGradientFromWinners, winnersBackward(x, router) { return nil }
            return loweredBackward(x, .routed(router), needInput: needInput)
        }
    }

    /// The weight and bias gradients of a lowered convolution that needs no input gradient
    /// (SmallCNN's first), read from the pool's winners (`PooledConvolution.weightGradient`):
    /// each window's gradient meets its winner's lowered row alone, where the lowered product
    /// multiplies the three zeros routed beside it too. Per fixed part of the batch, as the
    /// lowered backward, so the sums do not depend on the thread count. False, doing nothing,
    /// where that kernel does not run.
    private func winnersBackward(_ x: Tensor, _ router: MaxPool2d.Router) -> Bool {
        let (c, n, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let geometry = inputGeometry(of: x)
        guard PooledConvolution.weightGradientRuns(engine.kernel, geometry) else { return false }
        let kOut = outChannels, rows = c * kernel * kernel, partialSize = kOut * rows + kOut
        let parts = min(n, Self.gradientParts), engine = engine, name = name
        let windows = (geometry.outputHeight / 2) * (geometry.outputWidth / 2)
        if scratch.count < parts * partialSize { scratch = [Float](repeating: 0, count: parts * partialSize) }
        nonisolated(unsafe) let router = router
        x.data.withUnsafeBufferPointer { src in
            scratch.withUnsafeMutableBufferPointer { sc in
                nonisolated(unsafe) let (s, partials) = (src.baseAddress!, sc.baseAddress!)
                Parallel.forEachPart(parts, threads: engine.threads) { _, part in
                    let dW = partials + part * partialSize, dB = dW + kOut * rows
                    dW.update(repeating: 0, count: partialSize)
                    let images = Parallel.range(of: part, parts, n)
                    engine.timedInWorker(name, .backward, .gemm, operations: 2 * Double(kOut * rows * windows * images.count)) {
                        for i in images {
                            let done = PooledConvolution.weightGradient(engine.kernel, m: kOut, image: s + i * h * w, geometry,
                                                                        pooled: router.pooledPlanes(image: i, batch: n), into: dW, biasGradient: dB)
                            precondition(done, "the winners' weight gradient declined after it said it would run")
                        }
                    }
                }
            }
        }
        addGradientPartials(at: 0, parts: parts, rows: rows)
        return true
    }

    /// Whether a lowered weight gradient may run as dot products (`BLAS.usesDotProducts` says
    /// for which shapes): fp32 on AVX-512, and bf16 dot products where AVX512-BF16 runs the
    /// products. Conv 1's (32 × 27 over a chunk's pixels) took 13–16 ms a bf16 step in the packed
    /// bf16 product, which spends it packing both operands for 27 values of k; fp32 dot products
    /// with the columns made in cache took 7 ms, and bf16 ones, half the instructions for the
    /// same loads, are 1.35–1.55× faster again (AMD EPYC, one core, a chunk of 4 images). AMX's
    /// tiles keep their own product (no Intel machine here measured the choice).
    static func weightGradientInDotProducts(_ kernel: ProductKernel) -> Bool { kernel == .avx512 || kernel == .avx512BF16 }

    /// Where this convolution reads a (C, N, H, W) input batch `x`: its channel planes N·H·W
    /// apart, the kernel, padding and border values.
    private func inputGeometry(of x: Tensor) -> Im2Col.Geometry {
        let (n, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        return Im2Col.Geometry(channels: x.shape[0], channelStride: n * h * w, height: h, width: w, kernel: kernel, padding: padding,
                               paddingValues: paddingValues)
    }

    /// Adds the parts' weight and bias gradient partials (`parts` of K·rows + K floats each, from
    /// `scratch[start]` on) to the gradients, in part order: each element on its own, so any split
    /// of the elements over threads gives the same bits.
    private func addGradientPartials(at start: Int, parts: Int, rows: Int) {
        let kOut = outChannels, partialSize = kOut * rows + kOut, threads = engine.threads
        engine.timed(name, .backward, .activation) {
            weight.grad.data.withUnsafeMutableBufferPointer { dw in
                bias.grad.data.withUnsafeMutableBufferPointer { db in
                    scratch.withUnsafeBufferPointer { sc in
                        nonisolated(unsafe) let (dwp, dbp) = (dw.baseAddress!, db.baseAddress!)
                        nonisolated(unsafe) let partials = sc.baseAddress! + start
                        Parallel.shares(partialSize, threads: threads, minimumPerPart: 1 << 14) { range in
                            Self.addPartials(partials, parts: parts, partialSize: partialSize, range: range, split: kOut * rows,
                                             first: dwp, second: dbp)
                        }
                    }
                }
            }
        }
    }

    /// Adds elements `range` of `parts` partials (`partialSize` floats apart) in part order to
    /// their sums: element j < split to first[j], the others to second[j − split].
    private static func addPartials(_ partials: UnsafePointer<Float>, parts: Int, partialSize: Int, range: Range<Int>, split: Int,
                                    first: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>) {
        let low = range.clamped(to: 0..<split), high = range.clamped(to: split..<max(split, range.upperBound))
        if !low.isEmpty {
            Elementwise.addParts(partials + low.lowerBound, count: parts, partStride: partialSize, elements: low.count, into: first + low.lowerBound)
        }
        if !high.isEmpty {
            Elementwise.addParts(partials + high.lowerBound, count: parts, partStride: partialSize, elements: high.count,
                                 into: second + (high.lowerBound - split))
        }
    }

    /// A conv's gradients are small (SmallCNN's largest: 128 × 64 × 9), so replacing them is
    /// zeroing them and adding, which gives the bits of a caller's zeroing.
    private func zeroGradients() {
        weight.grad.data.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        bias.grad.data.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Where backward reads the output gradient: a (K, N, H', W') tensor, or routed from the
    /// pooled output's gradient chunk by chunk (or piece by piece).
    fileprivate enum OutputGradient {
        case whole(UnsafePointer<Float>)
        case routed(MaxPool2d.Router)

        /// Images `first ..< first + count` of the gradient of a (K, N, H', W') output with planes
        /// of `plane`: in place in the whole tensor, or routed into `buffer` (K × count planes,
        /// timed as the layer's pooling).
        func images(_ first: Int, count: Int, channels k: Int, batch n: Int, plane: Int, buffer: UnsafeMutablePointer<Float>?,
                    engine: Engine, layer: String) -> WinogradConvolution.GradientPlace {
            switch self {
            case .whole(let whole):
                return .init(start: whole + first * plane, channelStride: n * plane, imageStride: plane)
            case .routed(let router):
                guard let buffer else { preconditionFailure("a routed gradient needs a buffer") }
                engine.timedInWorker(layer, .backward, .pooling) {
                    for ch in 0..<k {
                        for i in 0..<count { router.route(plane: ch * n + first + i, into: buffer + (ch * count + i) * plane) }
                    }
                }
                return .init(start: UnsafePointer(buffer), channelStride: count * plane, imageStride: plane)
            }
        }
    }

    private func loweredBackward(_ x: Tensor, _ gradient: OutputGradient, needInput: Bool) -> Tensor? {
        let (c, n, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = outputSize(h, w)
        let kOut = outChannels
        let plan = plan(channels: c, images: n, outputHeight: oh, outputWidth: ow, backward: true)
        if scratch.count < plan.scratchSize(outChannels: kOut) { scratch = [Float](repeating: 0, count: plan.scratchSize(outChannels: kOut)) }
        // Per worker, one chunk's routed output gradient.
        let routedSize: Int
        if case .routed = gradient { routedSize = kOut * plan.chunk * plan.plane } else { routedSize = 0 }
        if pieceOutputScratch.count < plan.workers * routedSize { pieceOutputScratch = [Float](repeating: 0, count: plan.workers * routedSize) }
        var dx = needInput ? Tensor.take(&inputGradientBuffer, x.shape) : Tensor(zeros: [0])
        let geometry = inputGeometry(of: x)
        let rows = plan.rows, partialSize = plan.partialSize(outChannels: kOut), engine = engine, name = name, lowersInWeightGradient = lowersInWeightGradient
        nonisolated(unsafe) let gradient = gradient
        x.data.withUnsafeBufferPointer { src in
            pieceOutputScratch.withUnsafeMutableBufferPointer { routedScratch in
                scratch.withUnsafeMutableBufferPointer { sc in
                    dx.data.withUnsafeMutableBufferPointer { d in
                        weight.value.data.withUnsafeBufferPointer { wt in
                            nonisolated(unsafe) let (s, scp, dp, wp) = (src.baseAddress!, sc.baseAddress!, d.baseAddress, wt.baseAddress!)
                            nonisolated(unsafe) let routed = routedScratch.baseAddress
                            Parallel.forEachPart(plan.parts, threads: engine.threads) { worker, part in
                                let cols = scp + worker * plan.workerSize, dcols = cols + plan.columnsSize
                                let dW = scp + plan.workers * plan.workerSize + part * partialSize, dB = dW + kOut * rows
                                dW.update(repeating: 0, count: partialSize)
                                let images = Parallel.range(of: part, plan.parts, n)
                                for first in stride(from: images.lowerBound, to: images.upperBound, by: plan.chunk) {
                                    let count = min(plan.chunk, images.upperBound - first), width = count * plan.plane
                                    // This chunk's output gradient: each channel's `width` values (its images' planes,
                                    // one after another) `ld` apart.
                                    let chunk = gradient.images(first, count: count, channels: kOut, batch: n, plane: plan.plane,
                                                                buffer: routed.map { $0 + worker * routedSize }, engine: engine, layer: name)
                                    let (gp, ld) = (chunk.start, chunk.channelStride)
                                    engine.timedInWorker(name, .backward, .activation) {
                                        for ch in 0..<kOut { dB[ch] += Elementwise.sum(gp + ch * ld, count: width) }
                                    }
                                    // dW_part += dY · colsᵀ over this chunk; where it runs as dot products, with the
                                    // columns made in cache a block at a time rather than lowered into memory.
                                    // AVX512-BF16 takes them too, in bf16 (see `weightGradientInDotProducts`).
                                    let lowersInProduct = lowersInWeightGradient && Self.weightGradientInDotProducts(engine.kernel)
                                        && BLAS.usesDotProducts(m: kOut, n: rows, k: width)
                                        && engine.timedInWorker(name, .backward, .gemm, operations: 2 * Double(kOut * rows * width)) {
                                            BLAS.convolutionWeightGradient(m: kOut, dy: gp, ldy: ld, images: s + first * h * w, count: count, geometry,
                                                                           bf16: engine.kernel == .avx512BF16, beta: 1, into: dW, ldc: rows)
                                        }
                                    if !lowersInProduct {
                                        engine.timedInWorker(name, .backward, .lowering) {
                                            for i in 0..<count {
                                                Im2Col.lower(s + (first + i) * h * w, geometry, into: cols + i * plan.plane, rowStride: width)
                                            }
                                        }
                                        engine.timedInWorker(name, .backward, .gemm, operations: 2 * Double(kOut * rows * width)) {
                                            BLAS.gemmTransposedB(engine.kernel, m: kOut, n: rows, k: width, gp, lda: ld,
                                                                 cols, ldb: width, beta: 1, dW, ldc: rows)
                                        }
                                    }
                                    guard needInput, let dp else { continue }
                                    // dcols = Wᵀ · dY, folded back onto each image.
                                    engine.timedInWorker(name, .backward, .gemm, operations: 2 * Double(kOut * rows * width)) {
                                        BLAS.gemm(engine.kernel, true, false, m: rows, n: width, k: kOut, wp, lda: rows,
                                                  gp, ldb: ld, beta: 0, dcols, ldc: width)
                                    }
                                    engine.timedInWorker(name, .backward, .lowering) {
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
        }
        addGradientPartials(at: plan.workers * plan.workerSize, parts: plan.parts, rows: rows)
        guard needInput else { return nil }
        inputGradientBuffer = dx
        return dx
    }
}

extension Conv2d {
    /// Backward through Winograd: per fixed part of the batch (as the direct backward), each
    /// image in pieces of tile rows; the part's dU and db partials are added in part order,
    /// and dW += Gᵀ dU G once.
    fileprivate func winogradBackward(_ tile: WinogradConvolution.Tile, _ x: Tensor, _ gradient: OutputGradient, needInput: Bool) -> Tensor? {
        let (c, n, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let kOut = outChannels, engine = engine, name = name
        let parts = min(n, Self.gradientParts), workers = min(engine.threads, parts)
        // Small planes (F(4×4) at 32 px: 64 tiles) go several images of a part to a piece, so the
        // weight gradient's products sum over more tiles at a time.
        let pieces = WinogradConvolution.pieces(tile, inChannels: c, outChannels: kOut, height: h, width: w,
                                                images: (n + parts - 1) / parts, bytes: winogradPieceBytes)
        let uSize = WinogradConvolution.weightSize(tile, inChannels: c, outChannels: kOut)
        let tiles = pieces.tilesPerPiece
        let workerSize = WinogradConvolution.workspaceSize(tile, inChannels: c, outChannels: kOut, tiles: tiles, backward: true)
        let partialSize = uSize + kOut
        let partialsAt = uSize + workers * workerSize, sumAt = partialsAt + parts * partialSize
        let size = sumAt + uSize
        if winogradScratch.count < size { winogradScratch = [Float](repeating: 0, count: size) }
        transformedWeights = nil // backward lays the scratch out its own way
        let plane = h * w, tileRowsPerImage = h / tile.side
        // Per worker, one piece's images' routed output gradient.
        let routedSize: Int
        if case .routed = gradient { routedSize = kOut * pieces.images * plane } else { routedSize = 0 }
        if pieceOutputScratch.count < workers * routedSize { pieceOutputScratch = [Float](repeating: 0, count: workers * routedSize) }
        var dx = needInput ? Tensor.take(&inputGradientBuffer, x.shape) : Tensor(zeros: [0])
        nonisolated(unsafe) let gradient = gradient
        x.data.withUnsafeBufferPointer { src in
            pieceOutputScratch.withUnsafeMutableBufferPointer { routedScratch in
                winogradScratch.withUnsafeMutableBufferPointer { sc in
                    dx.data.withUnsafeMutableBufferPointer { d in
                        weight.value.data.withUnsafeBufferPointer { wt in
                            nonisolated(unsafe) let (s, scp, wp) = (src.baseAddress!, sc.baseAddress!, wt.baseAddress!)
                            nonisolated(unsafe) let routed = routedScratch.baseAddress
                            nonisolated(unsafe) let dp = needInput ? d.baseAddress : nil
                            engine.timed(name, .backward, .transform) {
                                WinogradConvolution.transformWeights(tile, wp, outChannels: kOut, inChannels: c, into: scp)
                            }
                            Parallel.forEachPart(parts, threads: engine.threads) { worker, part in
                                let workspace = scp + uSize + worker * workerSize
                                let du = scp + partialsAt + part * partialSize, db = du + uSize
                                du.update(repeating: 0, count: partialSize)
                                let images = Parallel.range(of: part, parts, n)
                                for first in stride(from: images.lowerBound, to: images.upperBound, by: pieces.images) {
                                    let count = min(pieces.images, images.upperBound - first)
                                    // These images' output gradient, each image's plane of a channel at channelStride · ch + imageStride · i.
                                    let dy = gradient.images(first, count: count, channels: kOut, batch: n, plane: plane,
                                                             buffer: routed.map { $0 + worker * routedSize }, engine: engine, layer: name)
                                    for i in 0..<count {
                                        let image = first + i
                                        engine.timedInWorker(name, .backward, .activation) {
                                            for ch in 0..<kOut { db[ch] += Elementwise.sum(dy.start + ch * dy.channelStride + i * dy.imageStride, count: plane) }
                                        }
                                        if let dp {
                                            engine.timedInWorker(name, .backward, .transform) {
                                                for ch in 0..<c { (dp + (ch * n + image) * plane).update(repeating: 0, count: plane) }
                                            }
                                        }
                                    }
                                    for row0 in stride(from: 0, to: tileRowsPerImage, by: pieces.tileRows) {
                                        let piece = WinogradConvolution.Piece(tile: tile, first: first, count: count, tileRow0: row0,
                                                                              tileRows: min(pieces.tileRows, tileRowsPerImage - row0),
                                                                              batch: n, height: h, width: w)
                                        WinogradConvolution.backward(piece, input: s, outputGradient: dy, inChannels: c, outChannels: kOut,
                                                                     weights: scp, workspace: workspace, du: du, dx: dp, engine: engine, name: name)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // The parts' partials added in part order, element by element; then dW += Gᵀ dU G.
        engine.timed(name, .backward, .activation) {
            weight.grad.data.withUnsafeMutableBufferPointer { dw in
                bias.grad.data.withUnsafeMutableBufferPointer { dbias in
                    winogradScratch.withUnsafeMutableBufferPointer { sc in
                        nonisolated(unsafe) let (dwp, dbp, scp) = (dw.baseAddress!, dbias.baseAddress!, sc.baseAddress!)
                        // dU's sums start from 0, the bias gradient's from its value.
                        (scp + sumAt).update(repeating: 0, count: uSize)
                        Parallel.shares(partialSize, threads: engine.threads, minimumPerPart: 1 << 14) { range in
                            Self.addPartials(scp + partialsAt, parts: parts, partialSize: partialSize, range: range, split: uSize,
                                             first: scp + sumAt, second: dbp)
                        }
                        WinogradConvolution.addWeightGradient(tile, scp + sumAt, outChannels: kOut, inChannels: c, into: dwp)
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

        /// `body` given the padding values as the C kernels take them: one per channel, or nil for 0.
        func withPaddingValues<Result>(_ body: (UnsafePointer<Float>?) -> Result) -> Result {
            guard let values = paddingValues else { return body(nil) }
            precondition(values.count == channels, "one padding value per input channel")
            return values.withUnsafeBufferPointer { body($0.baseAddress!) }
        }
    }

    /// cols[(ch·k + ky)·k + kx][y·W' + x] = image[ch][y + ky − p][x + kx − p] (outside the
    /// image 0, or the channel's padding value).
    /// Row r of this image's columns starts at `cols + r * rowStride` (the batch shares one matrix).
    /// With `outputRows`, only those output rows: row r then holds them one after another.
    static func lower(_ image: UnsafePointer<Float>, _ g: Geometry, outputRows: Range<Int>? = nil, into cols: UnsafeMutablePointer<Float>,
                      rowStride: Int) {
        let (h, w, k, p) = (g.height, g.width, g.kernel, g.padding)
        let oh = g.outputHeight, ow = g.outputWidth
        let band = outputRows ?? 0..<oh
        var row = cols
        for ch in 0..<g.channels {
            let plane = image + ch * g.channelStride
            let border = g.paddingValues?[ch] ?? 0
            for ky in 0..<k {
                for kx in 0..<k {
                    let dx = kx - p
                    let xLo = max(0, -dx), xHi = min(ow, w - dx) // valid output columns
                    for y in band {
                        let out = row + (y - band.lowerBound) * ow
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
