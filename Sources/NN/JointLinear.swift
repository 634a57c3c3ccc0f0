/// Two linear layers that read the same input (the heads' first layers, both on the flattened
/// features), multiplied in one product for inference. Split between two threads, the class
/// head's 256 features and the distance head's 128 each filled 3 and 2 of the kernel's
/// 48-wide strips (6 + 4 strips for 384 features, where 8 suffice), and each product packed
/// the batch's features again; one product over the 384 features does neither. Each output
/// is still its own dot product in the kernel's order, so the bits are those of each layer's
/// own inference forward.
final class JointLinear {
    let first: Linear, second: Linear
    /// The name the profile gives the joint product.
    let name: String
    /// Both layers' weights packed as one (first's rows, then second's), per part of the split,
    /// and the weight versions, kernel and part count they were packed for.
    private var packed: (versions: [UInt64], kernel: ProductKernel, parts: Int, operands: [PackedOperand])?

    init(_ first: Linear, _ second: Linear, name: String) {
        precondition(first.inFeatures == second.inFeatures, "joint linear layers read the same input")
        (self.first, self.second, self.name) = (first, second, name)
    }

    /// Both layers' inference outputs for `x` (N, in): (N, first.out) and (N, second.out); nil
    /// where the engine's kernel has no packed form (OpenBLAS), where each layer runs alone.
    func inference(_ x: Tensor) -> (Tensor, Tensor)? {
        let engine = first.engine, n = x.shape[0], inF = first.inFeatures
        let (outA, outB) = (first.outFeatures, second.outFeatures), outF = outA + outB
        precondition(x.count == n * inF, "JointLinear expects \(inF) features")
        guard let operands = packedWeights(engine: engine) else { return nil }
        let bias = first.bias.value.data + second.bias.value.data
        var joint = Tensor.uninitialized([n, outF])
        engine.timed(name, .forward, .gemm, operations: 2 * Double(n * inF * outF)) {
            joint.data.withUnsafeMutableBufferPointer { o in
                x.data.withUnsafeBufferPointer { xs in
                    bias.withUnsafeBufferPointer { b in
                        Linear.product(n: n, inFeatures: inF, outFeatures: outF, xs.baseAddress!, weights: nil, packed: operands,
                                       bias: b.baseAddress!, into: o.baseAddress!, engine: engine)
                    }
                }
            }
        }
        var a = Tensor.uninitialized([n, outA]), b = Tensor.uninitialized([n, outB])
        for i in 0..<n {
            a.data.replaceSubrange((i * outA)..<((i + 1) * outA), with: joint.data[(i * outF)..<(i * outF + outA)])
            b.data.replaceSubrange((i * outB)..<((i + 1) * outB), with: joint.data[(i * outF + outA)..<((i + 1) * outF)])
        }
        return (a, b)
    }

    /// The two weight matrices stacked and packed, again only after either changed.
    private func packedWeights(engine: Engine) -> [PackedOperand]? {
        let outF = first.outFeatures + second.outFeatures
        let parts = Parallel.partCount(outF, threads: engine.threads, minimumPerPart: Linear.minimumPerThread)
        let versions = [first.weight.version, second.weight.version]
        if let cached = packed, cached.versions == versions, cached.kernel == engine.kernel, cached.parts == parts {
            return cached.operands
        }
        packed = nil // freed before packing again, so two packings are never held at once
        let stacked = first.weight.value.data + second.weight.value.data
        let operands = stacked.withUnsafeBufferPointer {
            Linear.packTransposed($0.baseAddress!, outFeatures: outF, inFeatures: first.inFeatures, engine: engine, layer: name)
        }
        guard let operands else { return nil }
        packed = (versions, engine.kernel, parts, operands)
        return operands
    }
}
