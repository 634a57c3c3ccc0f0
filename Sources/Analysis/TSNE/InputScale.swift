import Foundation

/// t-SNE's result does not change when every input value is multiplied by one factor: each
/// point's bandwidth is fitted to the distances it sees and the initialisation is scaled to a
/// fixed spread. Float squared distances do change: values around 1e20 square past float's
/// range (3.4e38) and turn into infinities, and NaN reaches integer conversions that trap.
/// So inputs far outside a comfortable range are scaled by a power of two (exact in binary,
/// so relative values are kept) into it; inputs within it are left as they are, bit for bit.
enum InputScale {
    /// Largest magnitude left alone: 2³², whose squared distances over thousands of columns
    /// stay far below float's range.
    static let largest: Float = 0x1p32
    /// Smallest largest magnitude left alone: below it, squared distances underflow to 0.
    static let smallest: Float = 0x1p-32

    /// `x`, multiplied by a power of two when its largest magnitude is outside
    /// [`smallest`, `largest`], so that it becomes about 2¹⁶.
    static func normalised(_ x: [Float]) -> [Float] {
        let largestValue = x.reduce(Float(0)) { max($0, abs($1)) }
        guard largestValue > largest || (largestValue > 0 && largestValue < smallest) else { return x }
        let factor = Float(sign: .plus, exponent: 16 - largestValue.exponent, significand: 1)
        return x.map { $0 * factor }
    }
}
