/// Fully connected layer, as PyTorch's `nn.Linear(in, out)`: y = x·Wᵀ + b.
/// input (N, in) → output (N, out); weight (out, in), bias (out).
public final class Linear {
    public let weight: Parameter
    public let bias: Parameter
    public let inFeatures: Int
    public let outFeatures: Int
    private var input: Tensor?

    public init(name: String, inFeatures: Int, outFeatures: Int, random: inout Initializer) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(name: name + ".weight", value: random.uniform(shape: [outFeatures, inFeatures], fanIn: inFeatures))
        bias = Parameter(name: name + ".bias", value: random.uniform(shape: [outFeatures], fanIn: inFeatures))
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x.shape[0]
        precondition(x.count == n * inFeatures, "Linear expects \(inFeatures) features")
        var out = Tensor.uninitialized([n, outFeatures])
        let (inF, outF) = (inFeatures, outFeatures)
        out.data.withUnsafeMutableBufferPointer { o in
            bias.value.data.withUnsafeBufferPointer { b in
                for i in 0..<n { (o.baseAddress! + i * outF).update(from: b.baseAddress!, count: outF) }
            }
            x.data.withUnsafeBufferPointer { xs in
                weight.value.data.withUnsafeBufferPointer { wt in
                    BLAS.gemm(false, true, m: n, n: outF, k: inF, xs.baseAddress!, lda: inF, wt.baseAddress!, ldb: inF,
                              beta: 1, o.baseAddress!, ldc: outF)
                }
            }
        }
        input = training ? x : nil
        return out
    }

    /// Accumulates gradients; returns the input gradient when `needInput`.
    public func backward(_ dy: Tensor, needInput: Bool = true) -> Tensor? {
        guard let x = input else { preconditionFailure("Linear.backward needs a training forward first") }
        let n = x.shape[0]
        let (inF, outF) = (inFeatures, outFeatures)
        dy.data.withUnsafeBufferPointer { g in
            bias.grad.data.withUnsafeMutableBufferPointer { db in
                for i in 0..<n { for j in 0..<outF { db[j] += g[i * outF + j] } }
            }
            x.data.withUnsafeBufferPointer { xs in
                weight.grad.data.withUnsafeMutableBufferPointer { dw in
                    BLAS.gemm(true, false, m: outF, n: inF, k: n, g.baseAddress!, lda: outF, xs.baseAddress!, ldb: inF,
                              beta: 1, dw.baseAddress!, ldc: inF)
                }
            }
        }
        guard needInput else { return nil }
        var dx = Tensor.uninitialized(x.shape)
        dy.data.withUnsafeBufferPointer { g in
            weight.value.data.withUnsafeBufferPointer { wt in
                dx.data.withUnsafeMutableBufferPointer { d in
                    BLAS.gemm(false, false, m: n, n: inF, k: outF, g.baseAddress!, lda: outF, wt.baseAddress!, ldb: inF,
                              beta: 0, d.baseAddress!, ldc: inF)
                }
            }
        }
        return dx
    }
}
