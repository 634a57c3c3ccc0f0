import Foundation

/// A base-10 logarithmic map from a positive data domain to a pixel range. Ticks sit on
/// powers of ten (1, 10, 100, 1000), on 1-2-5 multiples within a single decade, and every
/// few decades when the domain spans many.
public struct LogScale: Equatable, Sendable {
    public var domain: ClosedRange<Double>
    public var rangeStart: Double
    public var rangeEnd: Double

    /// `domain` must be positive (a log axis cannot show zero); `Axes` checks user data.
    public init(domain: ClosedRange<Double>, range: (start: Double, end: Double) = (0, 1)) {
        precondition(domain.lowerBound > 0, "a log scale's domain must be positive")
        self.domain = domain
        self.rangeStart = range.start
        self.rangeEnd = range.end
    }

    /// The pixel position of `value`; non-positive values have none and give NaN.
    public func map(_ value: Double) -> Double {
        guard value > 0 else { return .nan }
        let lo = log10(domain.lowerBound), hi = log10(domain.upperBound)
        guard hi > lo else { return (rangeStart + rangeEnd) / 2 }
        return rangeStart + (log10(value) - lo) / (hi - lo) * (rangeEnd - rangeStart)
    }

    /// The data value at pixel `position`; the inverse of `map`.
    public func invert(_ position: Double) -> Double {
        let lo = log10(domain.lowerBound), hi = log10(domain.upperBound)
        let pixels = rangeEnd - rangeStart
        guard pixels != 0 else { return domain.lowerBound }
        return pow(10, lo + (position - rangeStart) / pixels * (hi - lo))
    }

    /// Tick values inside the domain: decades (every `k`-th so at most about `count + 1`),
    /// or 1-2-5 multiples when fewer than two decades fall inside.
    public func ticks(count: Int = 5) -> [Double] {
        let lo = domain.lowerBound, hi = domain.upperBound
        let tolerance = 1e-9
        let first = Int(ceil(log10(lo) - tolerance)), last = Int(floor(log10(hi) + tolerance))
        if last - first + 1 >= 2 {
            let decades = last - first
            let every = max(1, Int(ceil(Double(decades) / Double(max(1, count)))))
            return stride(from: first, through: last, by: every).map { pow(10, Double($0)) }
        }
        var values: [Double] = []
        for exponent in (first - 1)...(last + 1) {
            for multiple in [1.0, 2.0, 5.0] {
                let value = multiple * pow(10, Double(exponent))
                if value >= lo * (1 - tolerance) && value <= hi * (1 + tolerance) { values.append(value) }
            }
        }
        if values.count >= 2 { return values }
        return LinearScale.niceTicks(lo, hi, count: count)
    }

    /// Labels for `ticks`: plain numbers from 0.001 to 10 000, "10⁵" beyond.
    public func tickLabels(_ ticks: [Double]) -> [String] {
        ticks.map { value in
            let exponent = log10(value)
            let isDecade = abs(exponent - exponent.rounded()) < 1e-9
            if isDecade && (exponent.rounded() > 4 || exponent.rounded() < -3) {
                return TickFormat.powerOfTen(Int(exponent.rounded()))
            }
            return TickFormat.compact(value, maxDecimals: 4)
        }
    }
}
