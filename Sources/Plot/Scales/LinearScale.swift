import Foundation

/// A linear map from a data domain to a pixel range, with "nice" ticks on 1-2-5 steps.
///
/// The range may run backwards (a y axis maps the domain's lower end to the bottom pixel,
/// which is the larger number). A domain of zero width maps everything to the range's middle.
public struct LinearScale: Equatable, Sendable {
    public var domain: ClosedRange<Double>
    /// Where `domain.lowerBound` lands, in pixels.
    public var rangeStart: Double
    /// Where `domain.upperBound` lands, in pixels.
    public var rangeEnd: Double

    public init(domain: ClosedRange<Double>, range: (start: Double, end: Double) = (0, 1)) {
        self.domain = domain
        self.rangeStart = range.start
        self.rangeEnd = range.end
    }

    /// The pixel position of data value `value` (values outside the domain extrapolate).
    public func map(_ value: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        guard span > 0 else { return (rangeStart + rangeEnd) / 2 }
        return rangeStart + (value - domain.lowerBound) / span * (rangeEnd - rangeStart)
    }

    /// The data value at pixel position `position`; the inverse of `map`.
    public func invert(_ position: Double) -> Double {
        let pixels = rangeEnd - rangeStart
        guard pixels != 0 else { return domain.lowerBound }
        return domain.lowerBound + (position - rangeStart) / pixels * (domain.upperBound - domain.lowerBound)
    }

    /// About `count` tick values inside the domain, on multiples of 1, 2 or 5 × 10ⁿ
    /// (d3's algorithm). 0…1 with count 5 gives 0, 0.2, …, 1; 0…97 gives 0, 20, …, 80.
    public func ticks(count: Int = 5) -> [Double] {
        LinearScale.niceTicks(domain.lowerBound, domain.upperBound, count: count)
    }

    /// The spacing `ticks(count:)` uses.
    public func tickStep(count: Int = 5) -> Double {
        LinearScale.niceStep(domain.lowerBound, domain.upperBound, count: count)
    }

    /// Labels for `ticks`, formatted compactly (see `TickFormat`).
    public func tickLabels(_ ticks: [Double]) -> [String] {
        TickFormat.labels(ticks)
    }

    /// This scale with its domain widened outwards to the nearest multiples of the tick step,
    /// so the first and last ticks sit on the domain's ends (0…97 → 0…100).
    public func niced(count: Int = 5) -> LinearScale {
        var copy = self
        let lo = domain.lowerBound, hi = domain.upperBound
        guard hi > lo, lo.isFinite, hi.isFinite else { return copy }
        var step = LinearScale.niceStep(lo, hi, count: count)
        var newLo = lo, newHi = hi
        // Widening can change the step; two rounds settle it (as d3's nice does).
        for _ in 0..<2 {
            newLo = floor(lo / step) * step
            newHi = ceil(hi / step) * step
            step = LinearScale.niceStep(newLo, newHi, count: count)
        }
        copy.domain = newLo...newHi
        return copy
    }

    // MARK: tick arithmetic

    static let e10 = sqrt(50.0), e5 = sqrt(10.0), e2 = sqrt(2.0)

    static func niceStep(_ lo: Double, _ hi: Double, count: Int) -> Double {
        let span = hi - lo
        guard span > 0, span.isFinite, count > 0 else { return 1 }
        let raw = span / Double(count)
        let power = floor(log10(raw))
        let error = raw / pow(10, power)
        let factor: Double = error >= e10 ? 10 : error >= e5 ? 5 : error >= e2 ? 2 : 1
        return factor * pow(10, power)
    }

    static func niceTicks(_ lo: Double, _ hi: Double, count: Int) -> [Double] {
        guard lo.isFinite, hi.isFinite, count > 0 else { return [] }
        if hi == lo { return [lo] }
        let (start, stop) = (min(lo, hi), max(lo, hi))
        let step = niceStep(start, stop, count: count)
        // Work in integer multiples so 0.1 * 3 prints as 0.3; a hair of tolerance keeps
        // ends that are a rounding error away from the domain.
        let tolerance = (stop - start) * 1e-9
        let power = floor(log10(step))
        var values: [Double] = []
        if power < 0 {
            let inverse = (pow(10, -power) / (step / pow(10, power))).rounded()
            let first = ceil((start - tolerance) * inverse), last = floor((stop + tolerance) * inverse)
            guard last >= first, last - first < 10_000 else { return [] }
            var i = first
            while i <= last { values.append(i / inverse); i += 1 }
        } else {
            let first = ceil((start - tolerance) / step), last = floor((stop + tolerance) / step)
            guard last >= first, last - first < 10_000 else { return [] }
            var i = first
            while i <= last { values.append(i * step); i += 1 }
        }
        return values.map { $0 == 0 ? 0 : $0 }  // no -0
    }
}
