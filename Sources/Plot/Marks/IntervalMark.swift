import Canvas

/// A mark of an interval [low, high] at each x (error bars, bands): the data they bound and
/// the cycle colour they take are the same for all of them.
protocol IntervalMark: Mark {
    var x: [Double] { get }
    var low: [Double] { get }
    var high: [Double] { get }
    var color: Color? { get set }
}

extension IntervalMark {
    public var extent: DataExtent? {
        guard let a = DataExtent.of(x: x, y: low), let b = DataExtent.of(x: x, y: high) else { return nil }
        return DataExtent(x: min(a.x.lowerBound, b.x.lowerBound)...max(a.x.upperBound, b.x.upperBound),
                          y: min(a.y.lowerBound, b.y.lowerBound)...max(a.y.upperBound, b.y.upperBound))
    }

    public mutating func adoptCycleColor(_ color: Color) -> Bool {
        guard self.color == nil else { return false }
        self.color = color
        return true
    }

    /// Checks that `x`, `low` and `high` are as long, naming `mark` if not.
    static func checkLengths(_ mark: String, x: [Double], low: [Double], high: [Double]) throws {
        try Validate.sameCount(mark, "x values", x.count, "low values", low.count)
        try Validate.sameCount(mark, "x values", x.count, "high values", high.count)
    }
}
