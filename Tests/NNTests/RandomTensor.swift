@testable import NN

/// A tensor of uniform values in [−1, 1) drawn from `seed`: the same values for the same seed.
func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var random = Initializer(seed: seed)
    var t = Tensor(zeros: shape)
    for i in t.data.indices { t.data[i] = Float(random.unit()) * 2 - 1 }
    return t
}

/// Largest difference relative to the largest magnitude of the reference.
func relativeError(_ a: [Float], _ reference: [Float]) -> Float {
    let scale = max(reference.map { abs($0) }.max()!, 1e-12)
    return zip(a, reference).map { abs($0 - $1) }.max()! / scale
}
