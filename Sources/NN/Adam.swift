import Foundation
import SIMDKernels

/// Adam's moments and step count, saved in checkpoints.
public struct AdamState: Sendable {
    public var step: Int
    public var firstMoments: [Tensor]
    public var secondMoments: [Tensor]

    public init(step: Int, firstMoments: [Tensor], secondMoments: [Tensor]) {
        self.step = step
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }
}

/// Adam exactly as `torch.optim.Adam` (no weight decay, no amsgrad):
/// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).
public final class Adam {
    public let parameters: [Parameter]
    /// The rate of the next `step`; a schedule may change it between steps.
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    /// Threads and profile (the update is element-wise: any thread count gives the same bits).
    public var engine = Engine()
    private var step_ = 0
    private var first: [[Float]]
    private var second: [[Float]]

    /// The moments and step, for checkpoints; setting it resumes from them.
    public var state: AdamState {
        get {
            AdamState(step: step_, firstMoments: zip(parameters, first).map { Tensor(shape: $0.value.shape, data: $1) },
                      secondMoments: zip(parameters, second).map { Tensor(shape: $0.value.shape, data: $1) })
        }
        set {
            step_ = newValue.step
            first = newValue.firstMoments.map(\.data)
            second = newValue.secondMoments.map(\.data)
        }
    }

    public init(parameters: [Parameter], learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        first = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        second = first
    }

    public func step() {
        step_ += 1
        let t = Double(step_)
        let correction1 = 1 - pow(Double(beta1), t), correction2 = 1 - pow(Double(beta2), t)
        let stepSize = Float(Double(learningRate) / correction1)
        let root2 = Float(correction2.squareRoot())
        let (b1, b2, eps) = (beta1, beta2, epsilon), threads = engine.threads
        engine.timed("optimizer", .update, .adam, operations: 10 * Double(parameters.reduce(0) { $0 + $1.value.count })) {
        for (i, p) in parameters.enumerated() {
            p.value.data.withUnsafeMutableBufferPointer { value in
                p.grad.data.withUnsafeBufferPointer { grad in
                    first[i].withUnsafeMutableBufferPointer { m in
                        second[i].withUnsafeMutableBufferPointer { v in
                            nonisolated(unsafe) let (pv, pg, pm, ps) = (value.baseAddress!, grad.baseAddress!, m.baseAddress!, v.baseAddress!)
                            // Element-wise, so any split gives the same bits; the AVX-512 pass and
                            // the plain one round every operation alike.
                            Parallel.shares(value.count, threads: threads, minimumPerPart: 1 << 16) { range in
                                let (lo, count) = (range.lowerBound, range.count)
                                if asl_adam_avx512(pv + lo, pg + lo, pm + lo, ps + lo, count, b1, b2, stepSize, root2, eps) == 0 {
                                    Adam.update(pv + lo, pg + lo, pm + lo, ps + lo, count: count, beta1: b1, beta2: b2,
                                                stepSize: stepSize, root2: root2, epsilon: eps)
                                }
                            }
                        }
                    }
                }
            }
        }
        }
    }

    /// The plain update, the reference for the AVX-512 pass (SIMDKernels) and its stand-in on
    /// CPUs without AVX-512.
    static func update(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                       _ v: UnsafeMutablePointer<Float>, count: Int, beta1 b1: Float, beta2 b2: Float, stepSize: Float, root2: Float,
                       epsilon eps: Float) {
        for j in 0..<count {
            let gj = g[j]
            m[j] = b1 * m[j] + (1 - b1) * gj
            v[j] = b2 * v[j] + (1 - b2) * gj * gj
            p[j] -= stepSize * m[j] / (v[j].squareRoot() / root2 + eps)
        }
    }
}
