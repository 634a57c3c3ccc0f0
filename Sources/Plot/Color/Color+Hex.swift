import Canvas
import Foundation

extension Color {
    /// A colour from "#rrggbb" (or "rrggbb"); nil when the text is not six hex digits.
    public init?(hex: String) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else { return nil }
        self.init(bytes: UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff))
    }

    /// "#rrggbb", alpha ignored, components rounded to 8 bits.
    public var hex: String {
        let bytes = [red, green, blue].map { Int(($0 * 255).rounded().clamped(to: 0...255)) }
        return String(format: "#%02x%02x%02x", bytes[0], bytes[1], bytes[2])
    }

    /// WCAG relative luminance, 0 (black) … 1 (white).
    public var relativeLuminance: Double {
        func linear(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// Black or white, whichever contrasts more with this colour (WCAG contrast ratio):
    /// the text colour for an annotation on a cell filled with it.
    public var contrastingText: Color {
        let l = relativeLuminance
        let againstBlack = (l + 0.05) / 0.05
        let againstWhite = 1.05 / (l + 0.05)
        return againstBlack >= againstWhite ? Color(bytes: 0x1a, 0x1a, 0x1a) : .white
    }

    /// The same colour with alpha `alpha`.
    public func withAlpha(_ alpha: Double) -> Color {
        Color(red: red, green: green, blue: blue, alpha: alpha)
    }
}

extension Comparable {
    func clamped(to limits: ClosedRange<Self>) -> Self {
        min(max(self, limits.lowerBound), limits.upperBound)
    }
}
