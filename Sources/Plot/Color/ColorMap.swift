import Canvas

/// A sequential colour map: a table of colours from low (t = 0) to high (t = 1), looked up
/// nearest-entry as matplotlib's `ListedColormap` does.
public struct ColorMap: Equatable, Sendable {
    public let name: String
    public let colors: [Color]

    public init(name: String, colors: [Color]) {
        precondition(colors.count >= 2, "a colour map needs at least two colours")
        self.name = name
        self.colors = colors
    }

    /// matplotlib's viridis: dark purple → blue → green → yellow, perceptually uniform.
    public static let viridis = ColorMap(name: "viridis", colors: viridisTable.map { Color(red: $0.0, green: $0.1, blue: $0.2) })
    /// matplotlib's inferno: black → purple → orange → pale yellow, perceptually uniform.
    public static let inferno = ColorMap(name: "inferno", colors: infernoTable.map { Color(red: $0.0, green: $0.1, blue: $0.2) })
    /// Near-white → dark blue (the ends and middle of matplotlib's Blues, interpolated
    /// linearly), for counts where zero should vanish into the page.
    public static let blues = ColorMap(name: "blues", colors: (0..<256).map { i in
        let t = Double(i) / 255
        let stops: [(Double, Double, Double)] = [(247, 251, 255), (107, 174, 214), (8, 48, 107)]
        let s = t < 0.5 ? t * 2 : (t - 0.5) * 2
        let (a, b) = t < 0.5 ? (stops[0], stops[1]) : (stops[1], stops[2])
        return Color(red: (a.0 + (b.0 - a.0) * s) / 255, green: (a.1 + (b.1 - a.1) * s) / 255, blue: (a.2 + (b.2 - a.2) * s) / 255)
    })
    /// Black → white.
    public static let gray = ColorMap(name: "gray", colors: (0..<256).map { i in
        Color(red: Double(i) / 255, green: Double(i) / 255, blue: Double(i) / 255)
    })

    /// The colour at `t` in 0…1 (clamped; NaN gives the lowest colour).
    public func color(at t: Double) -> Color {
        colors[index(at: t)]
    }

    /// The colour of `value` with `domain` stretched over the map.
    public func color(for value: Double, in domain: ClosedRange<Double>) -> Color {
        color(at: normalized(value, in: domain))
    }

    /// The table index for `t`, as matplotlib computes it: ⌊t · N⌋, clamped to N − 1.
    func index(at t: Double) -> Int {
        guard t.isFinite else { return 0 }
        let n = colors.count
        return min(n - 1, max(0, Int((t * Double(n)).rounded(.down))))
    }

    func normalized(_ value: Double, in domain: ClosedRange<Double>) -> Double {
        let span = domain.upperBound - domain.lowerBound
        return span > 0 ? (value - domain.lowerBound) / span : 0.5
    }

    /// A `rows × columns` image of `matrix` (row-major, row 0 on top) coloured over `domain`
    /// (default: the matrix's finite min…max); non-finite entries are drawn in `missing`.
    public func image(_ matrix: [[Double]], domain: ClosedRange<Double>? = nil, missing: Color = Color(bytes: 0xee, 0xee, 0xee)) -> RGBImage? {
        guard let first = matrix.first, !first.isEmpty, matrix.allSatisfy({ $0.count == first.count }) else { return nil }
        let finite = matrix.joined().filter { $0.isFinite }
        let range = domain ?? ((finite.min() ?? 0)...(finite.max() ?? 1))
        let lookup = colors.map { c in
            (UInt8((c.red * 255).rounded()), UInt8((c.green * 255).rounded()), UInt8((c.blue * 255).rounded()))
        }
        let none = (UInt8((missing.red * 255).rounded()), UInt8((missing.green * 255).rounded()), UInt8((missing.blue * 255).rounded()))
        var pixels = [UInt8](repeating: 0, count: matrix.count * first.count * 3)
        var o = 0
        for row in matrix {
            for value in row {
                let c = value.isFinite ? lookup[index(at: normalized(value, in: range))] : none
                pixels[o] = c.0; pixels[o + 1] = c.1; pixels[o + 2] = c.2
                o += 3
            }
        }
        return RGBImage(width: first.count, height: matrix.count, pixels: pixels)
    }
}
