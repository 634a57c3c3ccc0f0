import Foundation
import Synchronization
import XCTest
@testable import NN

/// The engine computes with denormals flushed to zero on every thread that does its work, and
/// leaves the calling thread's mode as it found it (`Denormals`).
final class DenormalsTests: XCTestCase {
    /// 2⁻¹²⁶, the smallest normal float, in a variable so that the compiler cannot fold the
    /// products below into constants made in IEEE's mode.
    nonisolated(unsafe) private static var smallestNormal = Float.leastNormalMagnitude

    /// Half the smallest normal float, made at run time in the calling thread's mode.
    @inline(never)
    private static func halfOfSmallest() -> Float { smallestNormal * 0.5 }

    func testEveryParallelPartFlushesDenormalsAndTheCallerKeepsIEEEUnderflow() {
        #if arch(x86_64)
        XCTAssertFalse(Denormals.flushing, "a test thread starts in IEEE's mode")
        XCTAssertEqual(Self.halfOfSmallest(), Float.leastNormalMagnitude / 2, "IEEE's gradual underflow")
        for threads in [1, 2, 3] {
            let seen = Mutex([(flushing: Bool, half: Float)]())
            let record: @Sendable () -> Void = {
                let half = DenormalsTests.halfOfSmallest()
                seen.withLock { $0.append((Denormals.flushing, half)) }
            }
            Parallel.split(6, threads: threads) { _, _ in record() }
            Parallel.shares(1 << 10, threads: threads) { _ in record() }
            Parallel.forEachPart(5, threads: threads) { _, _ in record() }
            let parts = seen.withLock { $0 }
            XCTAssertGreaterThanOrEqual(parts.count, 3, "\(threads) threads")
            XCTAssertTrue(parts.allSatisfy { $0.flushing && $0.half == 0 }, "\(threads) threads: \(parts)")
            XCTAssertFalse(Denormals.flushing, "the caller's mode is put back after \(threads) threads")
            XCTAssertEqual(Self.halfOfSmallest(), Float.leastNormalMagnitude / 2)
        }
        // Nested: an inner scope's end leaves the outer one flushing.
        Denormals.flushed {
            Denormals.flushed { XCTAssertEqual(Self.halfOfSmallest(), 0) }
            XCTAssertTrue(Denormals.flushing)
            XCTAssertEqual(Self.halfOfSmallest(), 0)
        }
        XCTAssertFalse(Denormals.flushing)
        #else
        XCTAssertFalse(Denormals.flushing, "no flush mode off x86: IEEE's underflow everywhere")
        #endif
    }

    /// A weight whose gradient is 0 has its first moment shrink by β₁ a step: from the smallest
    /// normal float it becomes 0 (IEEE would keep 0.9 · 2⁻¹²⁶, a denormal, and shrink it on
    /// every later step), and the second moment likewise; the weight does not move. In the
    /// AVX-512 pass and its tail, on one part and on several.
    func testAdamStoresMomentsBelowTheSmallestNormalFloatAsZero() {
        #if arch(x86_64)
        let count = (3 << 16) + 5
        for threads in [1, 2] {
            let start = (0..<count).map { Float($0 % 97) / 97 - 0.5 }
            let p = Parameter(name: "p", value: Tensor(shape: [count], data: start))
            let adam = Adam(parameters: [p], learningRate: 0.001)
            adam.engine = Engine(threads: threads)
            let tiny = Tensor(shape: [count], data: [Float](repeating: .leastNormalMagnitude, count: count))
            adam.state = AdamState(step: 10, firstMoments: [tiny], secondMoments: [tiny])
            adam.step() // gradients are 0
            XCTAssertTrue(adam.state.firstMoments[0].data.allSatisfy { $0 == 0 }, "\(threads) threads")
            XCTAssertTrue(adam.state.secondMoments[0].data.allSatisfy { $0 == 0 }, "\(threads) threads")
            XCTAssertEqual(p.value.data, start)
        }
        #endif
    }

    /// A confident prediction's probability for another letter, e⁻⁹⁰ ≈ 8 × 10⁻⁴⁰, is a denormal
    /// float: its gradient entry is 0, the others as IEEE's.
    func testLossGradientOfAnUnderflowingProbabilityIsZero() {
        #if arch(x86_64)
        XCTAssertNotEqual(Float(exp(-90.0)), 0, "a denormal in IEEE's mode")
        let loss = DualHeadLoss.evaluate(logits: Tensor(shape: [1, 3], data: [0, -90, -1]), distance: Tensor(shape: [1, 1], data: [1]),
                                         classes: [0], distances: [1], distanceWeight: 0.25)
        XCTAssertEqual(loss.logitsGradient.data[1], 0)
        let other = exp(-1.0) / (1 + exp(-1.0) + exp(-90.0))
        XCTAssertEqual(loss.logitsGradient.data[2], Float(other), accuracy: 1e-7)
        XCTAssertEqual(loss.logitsGradient.data[0], Float(1 / (1 + exp(-1.0) + exp(-90.0)) - 1), accuracy: 1e-7)
        XCTAssertFalse(Denormals.flushing)
        #endif
    }
}
