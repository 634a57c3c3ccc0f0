import Canvas
import Foundation

/// How a histogram chooses its bins.
public enum HistogramBins: Sendable {
    /// About as many bins as the Freedman–Diaconis rule suggests (10…60), on nice edges.
    case auto
    /// This many equal bins from the smallest to the largest value.
    case count(Int)
    /// These bin edges (increasing); values outside are not counted.
    case edges([Double])
}

/// A histogram: finite values counted into bins and drawn as bars from zero.
public struct HistogramMark: Mark {
    /// Bin edges, increasing; bin `i` is [edges[i], edges[i+1]), the last bin closed.
    public let edges: [Double]
    /// Count (or density) per bin.
    public let heights: [Double]
    /// Values that were NaN or infinite and so not counted.
    public let skippedCount: Int
    public var color: Color?
    public var alpha: Double
    public var label: String?

    public var kind: String { "histogram" }

    /// Bins `values` (NaN and infinities are skipped); `density` scales heights so the area is 1.
    public init(values: [Double], bins: HistogramBins = .auto, density: Bool = false, color: Color? = nil,
                alpha: Double = 0.85, label: String? = nil) throws {
        let finite = values.filter { $0.isFinite }
        guard let lo = finite.min(), let hi = finite.max() else { throw PlotError.emptyData(mark: "histogram") }
        let edges: [Double]
        switch bins {
        case .auto:
            edges = HistogramMark.niceEdges(for: finite)
        case .count(let n):
            guard n > 0 else {
                throw PlotError.invalidParameter(mark: "histogram", name: "bin count", reason: "it must be at least 1, not \(n)")
            }
            let (a, b) = lo < hi ? (lo, hi) : (lo - 0.5, hi + 0.5)
            edges = (0...n).map { a + (b - a) * Double($0) / Double(n) }
        case .edges(let given):
            guard given.count >= 2, zip(given, given.dropFirst()).allSatisfy({ $0 < $1 }), given.allSatisfy({ $0.isFinite }) else {
                throw PlotError.invalidParameter(mark: "histogram", name: "bin edges", reason: "they must be at least two finite, increasing numbers")
            }
            edges = given
        }
        var counts = [Double](repeating: 0, count: edges.count - 1)
        for v in finite {
            guard let bin = HistogramMark.bin(of: v, edges: edges) else { continue }
            counts[bin] += 1
        }
        if density {
            let total = counts.reduce(0, +)
            if total > 0 {
                for i in counts.indices { counts[i] /= total * (edges[i + 1] - edges[i]) }
            }
        }
        self.edges = edges
        self.heights = counts
        self.skippedCount = values.count - finite.count
        self.color = color
        self.alpha = alpha
        self.label = label
    }

    /// Nice bin edges for `values`: a 1-2-5 step near the Freedman–Diaconis width, 10…60 bins.
    public static func niceEdges(for values: [Double]) -> [Double] {
        let finite = values.filter { $0.isFinite }.sorted()
        guard let lo = finite.first, let hi = finite.last else { return [0, 1] }
        if lo == hi { return [lo - 0.5, lo + 0.5] }
        let n = Double(finite.count)
        let iqr = quantile(finite, 0.75) - quantile(finite, 0.25)
        var target = iqr > 0 ? ((hi - lo) / (2 * iqr / pow(n, 1.0 / 3))).rounded(.up) : n.squareRoot().rounded(.up)
        target = min(60, max(10, target))
        let step = LinearScale.niceStep(lo, hi, count: Int(target))
        let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
        var edges = stride(from: first, through: max(last, first + 1), by: 1).map { $0 * step }
        if edges.count < 2 { edges = [lo, hi] }
        return edges
    }

    static func bin(of value: Double, edges: [Double]) -> Int? {
        guard let first = edges.first, let last = edges.last, value >= first, value <= last else { return nil }
        if value == last { return edges.count - 2 }
        var lo = 0, hi = edges.count - 1  // edges[lo] <= value < edges[hi]
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if edges[mid] <= value { lo = mid } else { hi = mid }
        }
        return lo
    }

    public var extent: DataExtent? {
        guard let first = edges.first, let last = edges.last else { return nil }
        return DataExtent(x: first...last, y: 0...(heights.max() ?? 1), stickyY: [0])
    }

    public var legendEntries: [LegendEntry] {
        guard let label else { return [] }
        return [LegendEntry(label: label, color: (color ?? Palette.tab10[0]).withAlpha(alpha), symbol: .patch)]
    }

    public mutating func adoptCycleColor(_ color: Color) -> Bool {
        guard self.color == nil else { return false }
        self.color = color
        return true
    }

    public func footprint(limit: Int) -> [Point] {
        heights.indices.flatMap { i -> [Point] in
            let mid = (edges[i] + edges[i + 1]) / 2
            return stride(from: 0.0, through: 1.0, by: 0.25).map { Point(x: mid, y: heights[i] * $0) }
        }
    }

    public func items(in context: MarkContext) -> [SceneItem] {
        let fill = (color ?? Palette.tab10[0]).withAlpha(alpha)
        let zero = context.y.map(max(0, context.y.domain.lowerBound))
        var items: [SceneItem] = []
        for i in heights.indices where heights[i] > 0 {
            let x0 = context.x.map(edges[i]), x1 = context.x.map(edges[i + 1])
            let top = context.y.map(heights[i])
            guard x0.isFinite, x1.isFinite, top.isFinite, zero.isFinite else { continue }
            let rect = Rect(x: min(x0, x1), y: min(top, zero), width: abs(x1 - x0), height: abs(zero - top))
            // A thin white edge separates neighbouring bins once they are wide enough to show it.
            let edge = rect.width >= 5 ? Stroke(color: .white, width: 0.6) : nil
            items.append(.rect(rect, fill: fill, stroke: edge))
        }
        return items
    }
}

/// The `q`-quantile of sorted values, linearly interpolated (numpy's default).
func quantile(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down)), upper = min(sorted.count - 1, lower + 1)
    let t = position - Double(lower)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * t
}
