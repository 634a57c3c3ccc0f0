import Foundation

/// Turns tick values into short labels: as many decimals as the tick step needs, `k`/`M`/`G`
/// suffixes from 10 000 up, scientific notation below 0.001, and a true minus sign (U+2212)
/// as matplotlib uses.
public enum TickFormat {
    /// Labels for evenly spaced `values` (the spacing decides the decimals).
    public static func labels(_ values: [Double]) -> [String] {
        guard !values.isEmpty else { return [] }
        let maxAbs = values.map { abs($0) }.max() ?? 0
        var step = 0.0
        if values.count > 1 {
            step = zip(values.dropFirst(), values).map { abs($0 - $1) }.filter { $0 > 0 }.min() ?? 0
        }
        if step == 0 { step = maxAbs > 0 ? pow(10, floor(log10(maxAbs))) : 1 }
        if maxAbs >= 10_000 {
            let (unit, suffix): (Double, String) = maxAbs >= 1e9 ? (1e9, "G") : maxAbs >= 1e6 ? (1e6, "M") : (1e3, "k")
            let decimals = decimalsFor(step: step / unit)
            return values.map { $0 == 0 ? "0" : fixed($0 / unit, decimals: decimals) + suffix }
        }
        if maxAbs < 1e-3 && maxAbs > 0 {
            return values.map { scientific($0, step: step) }
        }
        let decimals = decimalsFor(step: step)
        return values.map { fixed($0, decimals: decimals) }
    }

    /// One value alone, with up to `maxDecimals` decimals and trailing zeros dropped.
    public static func compact(_ value: Double, maxDecimals: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "−∞") }
        if abs(value) >= 10_000 { return labels([value]).first ?? "" }
        if value != 0 && abs(value) < 1e-3 { return scientific(value, step: abs(value) / 100) }
        var text = fixed(value, decimals: maxDecimals)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "−0" ? "0" : text
    }

    /// `value` with exactly `decimals` decimals and a Unicode minus; never "−0".
    static func fixed(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(max(0, decimals))f", abs(value))
        let isZero = text.allSatisfy { $0 == "0" || $0 == "." }
        return (value < 0 && !isZero ? "\u{2212}" : "") + text
    }

    /// Decimals that show every multiple of `step` exactly (step from a 1-2-5 sequence).
    static func decimalsFor(step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        var decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        // A step like 0.25 (from explicit ticks) needs one more decimal than its magnitude.
        while decimals < 12 {
            let scaled = step * pow(10, Double(decimals))
            if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { break }
            decimals += 1
        }
        return decimals
    }

    /// "2e−5"-style text with the mantissa decimals the step needs.
    static func scientific(_ value: Double, step: Double) -> String {
        if value == 0 { return "0" }
        let exponent = Int(floor(log10(abs(value)) + 1e-9))
        let mantissa = value / pow(10, Double(exponent))
        let decimals = max(0, min(6, exponent - Int(floor(log10(step) + 1e-9))))
        var text = fixed(mantissa, decimals: decimals)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text + "e" + (exponent < 0 ? "\u{2212}" : "") + String(abs(exponent))
    }

    /// "10³"-style text for a power of ten, as log axes label decades outside 0.001…10 000.
    static func powerOfTen(_ exponent: Int) -> String {
        let superscripts: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        let digits = String(abs(exponent)).map { superscripts[Int(String($0))!] }
        return "10" + (exponent < 0 ? "⁻" : "") + String(digits)
    }
}
