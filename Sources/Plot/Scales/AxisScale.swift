/// One tick of an axis: its data value, its label, and its pixel position along the axis.
public struct Tick: Equatable, Sendable {
    public var value: Double
    public var label: String
    public var position: Double

    public init(value: Double, label: String, position: Double = 0) {
        self.value = value
        self.label = label
        self.position = position
    }
}

/// How an axis maps data to pixels, as `Axes` is asked for.
public enum ScaleType: Equatable, Sendable {
    case linear
    case log
}

/// An axis's resolved scale: linear or logarithmic. Categorical axes are linear scales over
/// category indices (category `i` is centred on value `i`, as matplotlib places them).
public enum AxisScale: Equatable, Sendable {
    case linear(LinearScale)
    case log(LogScale)

    public func map(_ value: Double) -> Double {
        switch self {
        case .linear(let scale): return scale.map(value)
        case .log(let scale): return scale.map(value)
        }
    }

    public func invert(_ position: Double) -> Double {
        switch self {
        case .linear(let scale): return scale.invert(position)
        case .log(let scale): return scale.invert(position)
        }
    }

    public var domain: ClosedRange<Double> {
        switch self {
        case .linear(let scale): return scale.domain
        case .log(let scale): return scale.domain
        }
    }

    /// Pixel positions of the domain's lower and upper ends.
    public var range: (start: Double, end: Double) {
        switch self {
        case .linear(let scale): return (scale.rangeStart, scale.rangeEnd)
        case .log(let scale): return (scale.rangeStart, scale.rangeEnd)
        }
    }

    /// The scale with a new pixel range.
    public func withRange(_ start: Double, _ end: Double) -> AxisScale {
        switch self {
        case .linear(var scale):
            scale.rangeStart = start; scale.rangeEnd = end
            return .linear(scale)
        case .log(var scale):
            scale.rangeStart = start; scale.rangeEnd = end
            return .log(scale)
        }
    }

    /// About `count` labelled ticks inside the domain, with their pixel positions.
    public func ticks(count: Int) -> [Tick] {
        let values: [Double], labels: [String]
        switch self {
        case .linear(let scale):
            values = scale.ticks(count: count)
            labels = scale.tickLabels(values)
        case .log(let scale):
            values = scale.ticks(count: count)
            labels = scale.tickLabels(values)
        }
        return zip(values, labels).map { Tick(value: $0, label: $1, position: map($0)) }
    }
}
