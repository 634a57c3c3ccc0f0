import BF16Instructions
@testable import NN
import SIMDKernels
import XCTest

/// Holds this CPU's two AVX512-BF16 instructions to the bits Intel's SDM defines for them.
/// The AVX512-BF16 route of bf16 training uses only these two beyond IEEE float32 arithmetic
/// and integer work, so two CPUs that pass both give the same bf16 bytes on that route. (AMX's
/// tdpbf16ps adds its pairs in another order, so AMX bytes are another matter.)
final class BF16InstructionTests: XCTestCase {
    /// VDPBF16PS against the SDM's operation: the odd (high) pair's product is added first,
    /// then the even one's, each an FP32 fused multiply-add rounding to nearest even, with
    /// denormal inputs read as zero and denormal results flushed. Inputs are chosen to tell
    /// that order and rounding from the other plausible ones: the sum of both products rounded
    /// once, and the even pair first; each of those must disagree with the instruction
    /// somewhere, so the comparison could fail.
    func testDotOfPairsRoundsAsTheSDMDefines() throws {
        let lanes = 1 << 20
        var random = Initializer(seed: 51)
        var acc = [Float](), a = [UInt32](), b = [UInt32]()
        for lane in 0..<lanes {
            let range = ExponentRange(rawValue: lane % 3)!
            let x = UInt32(random.bf16(range)) | UInt32(random.bf16(range)) << 16
            let y = UInt32(random.bf16(range)) | UInt32(random.bf16(range)) << 16
            acc.append(random.accumulator(near: bf16Value(UInt16(x & 0xFFFF)) * bf16Value(UInt16(y & 0xFFFF)), range: range))
            a.append(x)
            b.append(y)
        }
        var out = [Float](repeating: 0, count: lanes)
        let ran = out.withUnsafeMutableBufferPointer { asl_bf16_dot_pairs(acc, a, b, $0.baseAddress!, lanes) }
        guard asl_simd_has_avx512_bf16() != 0 else {
            XCTAssertEqual(ran, 0, "without AVX512-BF16 the probe must decline")
            XCTAssertTrue(out.allSatisfy { $0 == 0 }, "a declined call must write nothing")
            return
        }
        XCTAssertEqual(ran, 1)
        var compared = 0, wrong = 0, fusedDiffers = 0, evenFirstDiffers = 0
        var firstWrong: String?
        for i in 0..<lanes {
            let expected = Self.sdmDot(acc[i], a[i], b[i])
            if expected.isNaN || out[i].isNaN {
                if expected.isNaN != out[i].isNaN {
                    wrong += 1
                    firstWrong = firstWrong ?? Self.describe(i, acc, a, b, out[i], expected)
                }
                continue
            }
            compared += 1
            if out[i].bitPattern != expected.bitPattern {
                wrong += 1
                firstWrong = firstWrong ?? Self.describe(i, acc, a, b, out[i], expected)
            }
            if Self.fusedDot(acc[i], a[i], b[i]).bitPattern != out[i].bitPattern { fusedDiffers += 1 }
            if Self.evenFirstDot(acc[i], a[i], b[i]).bitPattern != out[i].bitPattern { evenFirstDiffers += 1 }
        }
        XCTAssertEqual(wrong, 0, "lanes unlike the SDM's VDPBF16PS; the first: \(firstWrong ?? "")")
        XCTAssertGreaterThan(compared, lanes * 9 / 10, "too few lanes without a NaN to compare")
        XCTAssertGreaterThan(fusedDiffers, lanes / 100, "the inputs must tell two roundings from one")
        XCTAssertGreaterThan(evenFirstDiffers, lanes / 100, "the inputs must tell the order of the two products")
    }

    /// VCVTNE2PS2BF16 against the SDM's convert_fp32_to_bfloat16: zero and denormal to a
    /// signed zero, infinity truncated, NaN truncated and made quiet, everything else rounded
    /// to nearest even by an integer add. Every class, both signs, ties and the largest finite
    /// values (which round to infinity), and random bit patterns.
    func testConversionRoundsAsTheSDMDefines() {
        var values: [UInt32] = [0, 0x0000_0001, 0x007F_FFFF, 0x0080_0000, 0x7F7F_FFFF, 0x7F7F_7FFF, 0x7F80_0000,
                                0x7F80_0001, 0x7FC0_0000, 0x7FFF_FFFF, 0x3F80_8000, 0x3F81_8000, 0x3F80_7FFF, 0x3F80_8001]
        values += values.map { $0 | 0x8000_0000 }
        var random = Initializer(seed: 52)
        for _ in 0..<(1 << 18) {
            let bits = UInt32(truncatingIfNeeded: random.next())
            values.append(bits)
            values.append(bits & 0xFFFF_0000 | 0x8000) // a tie
        }
        let floats = values.map { Float(bitPattern: $0) }
        var out = [UInt16](repeating: 0, count: floats.count)
        let ran = out.withUnsafeMutableBufferPointer { asl_bf16_convert(floats, $0.baseAddress!, floats.count) }
        guard asl_simd_has_avx512_bf16() != 0 else {
            XCTAssertEqual(ran, 0, "without AVX512-BF16 the probe must decline")
            XCTAssertTrue(out.allSatisfy { $0 == 0 }, "a declined call must write nothing")
            return
        }
        XCTAssertEqual(ran, 1)
        var wrong = 0
        for (bits, got) in zip(values, out) where got != Self.sdmConvert(bits) {
            if wrong == 0 {
                XCTFail(String(format: "%08x gave %04x, the SDM's conversion %04x", bits, got, Self.sdmConvert(bits)))
            }
            wrong += 1
        }
        XCTAssertEqual(wrong, 0, "conversions unlike the SDM's")
    }

    // MARK: The SDM's definitions

    private static func flushed(_ x: Float) -> Float { x.isSubnormal ? Float(sign: x.sign, exponent: 0, significand: 0) : x }

    /// The SDM's make_fp32 with its denormal input read as zero.
    private static func operand(_ pair: UInt32, high: Bool) -> Float {
        flushed(bf16Value(UInt16(truncatingIfNeeded: high ? pair >> 16 : pair)))
    }

    /// One of the instruction's steps: a fused multiply-add, denormals in as zero, out flushed.
    private static func step(_ acc: Float, _ x: Float, _ y: Float) -> Float { flushed(flushed(acc).addingProduct(x, y)) }

    static func sdmDot(_ acc: Float, _ a: UInt32, _ b: UInt32) -> Float {
        step(step(acc, operand(a, high: true), operand(b, high: true)), operand(a, high: false), operand(b, high: false))
    }

    /// The plausible alternatives the test's inputs must tell apart from the SDM's.
    static func evenFirstDot(_ acc: Float, _ a: UInt32, _ b: UInt32) -> Float {
        step(step(acc, operand(a, high: false), operand(b, high: false)), operand(a, high: true), operand(b, high: true))
    }

    static func fusedDot(_ acc: Float, _ a: UInt32, _ b: UInt32) -> Float {
        // One rounding to float32 at the end (float64 holds each product exactly).
        let sum = Double(operand(a, high: true)) * Double(operand(b, high: true)) + Double(operand(a, high: false)) * Double(operand(b, high: false))
        return flushed(Float(Double(flushed(acc)) + sum))
    }

    static func sdmConvert(_ bits: UInt32) -> UInt16 {
        let x = Float(bitPattern: bits)
        if x.isZero || x.isSubnormal { return UInt16(bits >> 16) & 0x8000 }
        if x.isInfinite { return UInt16(bits >> 16) }
        if x.isNaN { return UInt16(bits >> 16) | 0x40 }
        return UInt16((bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }

    private static func describe(_ i: Int, _ acc: [Float], _ a: [UInt32], _ b: [UInt32], _ got: Float, _ expected: Float) -> String {
        String(format: "acc %08x, a %08x, b %08x: %08x, the SDM's %08x", acc[i].bitPattern, a[i], b[i], got.bitPattern, expected.bitPattern)
    }
}

private func bf16Value(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

/// Spans of bf16 exponents: near 1 (products and accumulators of one scale, so sums cancel
/// and round), the whole range (denormals, overflow, infinities, NaN) and a wide middle.
private enum ExponentRange: Int {
    case nearOne, all, wide

    func exponent(_ r: UInt64) -> UInt16 {
        switch self {
        case .nearOne: return UInt16(120 + r % 16)
        case .all: return UInt16(r % 256)
        case .wide: return UInt16(100 + r % 56)
        }
    }
}

/// Draws from the engine's seeded generator, shaped for these tests.
private extension Initializer {
    mutating func bf16(_ range: ExponentRange) -> UInt16 {
        let sign = UInt16(next() & 1) << 15
        return sign | range.exponent(next()) << 7 | UInt16(next() & 0x7F)
    }

    /// An accumulator that makes the instruction's roundings matter: the negated first
    /// product (exact cancellation), that product with its low bits changed, any bit pattern,
    /// a multiple of the product, or (over the whole range) a denormal.
    mutating func accumulator(near product: Float, range: ExponentRange) -> Float {
        let pick = next() % 5
        if range == .all && pick == 4 { return Float(bitPattern: UInt32(truncatingIfNeeded: next()) & 0x807F_FFFF) }
        switch pick {
        case 0: return -product
        case 1: return Float(bitPattern: product.bitPattern ^ UInt32(next() & 0xFFFF))
        case 2: return Float(bitPattern: UInt32(truncatingIfNeeded: next()))
        default: return product * Float(next() % 1000) / 7
        }
    }
}
