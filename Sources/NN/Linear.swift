/// Fully connected layer, as PyTorch's `nn.Linear(in, out)`: y = x·Wᵀ + b.
///
///     input (N, in) → output (N, out); weight (out, in), bias (out)
///
/// The threads split the output features (forward, weight gradient) or the input features
/// (input gradient), so each runs its own product on a disjoint slice of the result; every
/// entry is the same sum over the batch whatever the split, so results do not depend on the
/// thread count.
public final class Linear {
    public let name: String
    public let weight: Parameter
    public let bias: Parameter
    public let inFeatures: Int
    public let outFeatures: Int
    /// Threads, product kernel and profile.
    public var engine = Engine()
    // Released by backward so the producer can reuse its buffer.
    private var input: Tensor?
    /// The weights packed for inference products, one operand per thread's share of the output
    /// features, and what they were packed from: packing is most of the product for a batch
    /// of 32, and between two training steps every batch multiplies the same weights.
    private var packedWeights: (version: UInt64, kernel: ProductKernel, parts: Int, operands: [PackedOperand])?

    public init(name: String, inFeatures: Int, outFeatures: Int, random: inout Initializer) {
        self.name = name
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(name: name + ".weight", value: random.uniform(shape: [outFeatures, inFeatures], fanIn: inFeatures))
        bias = Parameter(name: name + ".bias", value: random.uniform(shape: [outFeatures], fanIn: inFeatures))
    }

    /// Below this many features per thread, splitting costs more than it saves.
    static let minimumPerThread = 32

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x.shape[0]
        precondition(x.count == n * inFeatures, "Linear expects \(inFeatures) features")
        var out = Tensor.uninitialized([n, outFeatures])
        let (inF, outF) = (inFeatures, outFeatures), engine = engine
        // Inference reuses the weights packed once (training changes them every step).
        let packed = training ? nil : packedWeightsForInference()
        engine.timed(name, .forward, .gemm, operations: 2 * Double(n * inF * outF)) {
        out.data.withUnsafeMutableBufferPointer { o in
            x.data.withUnsafeBufferPointer { xs in
                weight.value.data.withUnsafeBufferPointer { wt in
                    bias.value.data.withUnsafeBufferPointer { b in
                        Self.product(n: n, inFeatures: inF, outFeatures: outF, xs.baseAddress!, weights: wt.baseAddress!, packed: packed,
                                     bias: b.baseAddress!, into: o.baseAddress!, engine: engine)
                    }
                }
            }
        }
        }
        input = training ? x : nil
        return out
    }

    /// out (n × outF) = x · Wᵀ + b, the threads splitting the output features; from `packed`
    /// (`packTransposed`'s operands for this split) when given, else from `weights` (outF × inF).
    static func product(n: Int, inFeatures inF: Int, outFeatures outF: Int, _ x: UnsafePointer<Float>, weights: UnsafePointer<Float>?,
                        packed: [PackedOperand]?, bias: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, engine: Engine) {
        nonisolated(unsafe) let (op, xp, wp, bp) = (out, x, weights, bias)
        Parallel.split(outF, threads: engine.threads, minimumPerPart: minimumPerThread) { part, features in
            for i in 0..<n { (op + i * outF + features.lowerBound).update(from: bp + features.lowerBound, count: features.count) }
            if let packed {
                BLAS.gemm(false, m: n, n: features.count, k: inF, xp, lda: inF, packed: packed[part], beta: 1,
                          op + features.lowerBound, ldc: outF)
            } else {
                BLAS.gemm(engine.kernel, false, true, m: n, n: features.count, k: inF, xp, lda: inF, wp! + features.lowerBound * inF,
                          ldb: inF, beta: 1, op + features.lowerBound, ldc: outF)
            }
        }
    }

    /// Wᵀ packed for this engine's kernel, one operand per part of `forward`'s split of the
    /// features, packed again only after the weights changed; nil where the kernel has no
    /// packed form (OpenBLAS).
    private func packedWeightsForInference() -> [PackedOperand]? {
        let parts = Parallel.partCount(outFeatures, threads: engine.threads, minimumPerPart: Self.minimumPerThread)
        if let cached = packedWeights, cached.version == weight.version, cached.kernel == engine.kernel, cached.parts == parts {
            return cached.operands
        }
        packedWeights = nil // freed before packing again, so two packings are never held at once
        let operands = weight.value.data.withUnsafeBufferPointer {
            Self.packTransposed($0.baseAddress!, outFeatures: outFeatures, inFeatures: inFeatures, engine: engine, layer: name)
        }
        guard let operands else { return nil }
        packedWeights = (weight.version, engine.kernel, parts, operands)
        return operands
    }

    /// Wᵀ of weights `w` (outF × inF) packed for `engine`'s kernel, one operand per part of
    /// `product`'s split of the features; nil where the kernel has no packed form.
    static func packTransposed(_ w: UnsafePointer<Float>, outFeatures outF: Int, inFeatures inF: Int, engine: Engine,
                               layer: String) -> [PackedOperand]? {
        let parts = Parallel.partCount(outF, threads: engine.threads, minimumPerPart: minimumPerThread), kernel = engine.kernel
        return engine.timed(layer, .forward, .packing) { () -> [PackedOperand]? in
            nonisolated(unsafe) let wp = w
            let slots = PackedSlots(count: parts)
            Parallel.split(outF, threads: engine.threads, minimumPerPart: minimumPerThread) { part, features in
                slots.store(PackedOperand(kernel: kernel, transB: true, k: inF, n: features.count, wp + features.lowerBound * inF, ldb: inF), at: part)
            }
            return slots.all
        }
    }

    /// Accumulates gradients (sets them with `replacing`: the weight gradient, the largest
    /// tensor of a step, is then written without being read or zeroed first); returns the
    /// input gradient when `needInput`.
    public func backward(_ dy: Tensor, needInput: Bool = true, replacing: Bool = false) -> Tensor? {
        guard let x = input else { preconditionFailure("Linear.backward needs a training forward first") }
        defer { input = nil }
        let n = x.shape[0]
        let (inF, outF) = (inFeatures, outFeatures), engine = engine
        var dx = needInput ? Tensor.uninitialized(x.shape) : Tensor(zeros: [0])
        engine.timed(name, .backward, .gemm, operations: 2 * Double(n * inF * outF) * (needInput ? 2 : 1)) {
        dy.data.withUnsafeBufferPointer { g in
            bias.grad.data.withUnsafeMutableBufferPointer { db in
                if replacing { db.update(repeating: 0) }
                for i in 0..<n { for j in 0..<outF { db[j] += g[i * outF + j] } }
            }
            x.data.withUnsafeBufferPointer { xs in
                weight.grad.data.withUnsafeMutableBufferPointer { dw in
                    weight.value.data.withUnsafeBufferPointer { wt in
                        dx.data.withUnsafeMutableBufferPointer { d in
                            nonisolated(unsafe) let (gp, xp, dwp, wp, dp) = (g.baseAddress!, xs.baseAddress!, dw.baseAddress!, wt.baseAddress!, d.baseAddress)
                            // dW[rows] += dY[:, rows]ᵀ · X
                            Parallel.split(outF, threads: engine.threads, minimumPerPart: Self.minimumPerThread) { _, rows in
                                // beta 0 gives the bits of adding to zeros: the kernel's sums never end in −0.
                                BLAS.gemm(engine.kernel, true, false, m: rows.count, n: inF, k: n, gp + rows.lowerBound, lda: outF, xp, ldb: inF,
                                          beta: replacing ? 0 : 1, dwp + rows.lowerBound * inF, ldc: inF)
                            }
                            guard needInput, let dp else { return }
                            nonisolated(unsafe) let dOut = dp
                            // dX[:, cols] = dY · W[:, cols], in shares taken by whichever thread is free
                            // (each strip of columns packs only its own part of W).
                            Parallel.shares(inF, threads: engine.threads, minimumPerPart: Self.minimumPerThread) { cols in
                                BLAS.gemm(engine.kernel, false, false, m: n, n: cols.count, k: outF, gp, lda: outF, wp + cols.lowerBound, ldb: inF,
                                          beta: 0, dOut + cols.lowerBound, ldc: inF)
                            }
                        }
                    }
                }
            }
        }
        }
        return needInput ? dx : nil
    }
}

/// One slot per part of a parallel loop, each written by its own part only (through a pointer:
/// no part touches a shared array's storage header).
private final class PackedSlots: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<PackedOperand?>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    func store(_ operand: PackedOperand?, at part: Int) { slots[part] = operand }

    /// Every part's operand, or nil if any part could not pack.
    var all: [PackedOperand]? {
        let present = (0..<count).compactMap { slots[$0] }
        return present.count == count ? present : nil
    }
}
