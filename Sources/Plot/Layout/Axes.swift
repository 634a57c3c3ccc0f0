import Canvas

/// How an axes' frame is drawn.
public enum AxesFrame: Sendable {
    /// Left and bottom spines with ticks (matplotlib without the top and right spines).
    case open
    /// All four spines, ticks on left and bottom (matrices).
    case box
    /// No spines and no tick marks; tick labels (e.g. row names) still shown.
    case hidden
}

/// One plot: a rectangle in the figure with x/y scales, marks, title, axis labels, and an
/// optional legend and colour bar. Settings left nil are taken from the marks' hints.
public struct Axes: Sendable {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var xScale: ScaleType = .linear
    public var yScale: ScaleType = .linear
    /// Fixed data ranges; nil fits the data plus `margin` on each side.
    public var xDomain: ClosedRange<Double>?
    public var yDomain: ClosedRange<Double>?
    /// Fixed ticks (value and label); nil computes nice ticks or category labels.
    public var xTicks: [Tick]?
    public var yTicks: [Tick]?
    /// Automatic x ticks on whole numbers only, for counts such as epochs: a 3-epoch run gets
    /// 1, 2, 3, not 1.0, 1.5, …, 3.0.
    public var xWholeNumbers = false
    /// Automatic margin around the data, as a fraction of its range (matplotlib: 0.05).
    public var margin: Double = 0.05
    public var grid: Bool?
    public var equalAspect: Bool?
    public var frame: AxesFrame?
    /// The legend, shown when any mark has labelled entries; nil hides it.
    public var legend: Legend? = Legend()
    public var colorBar: ColorBar?
    /// Where the axes sits in the figure, as fractions of the figure (0…1, y down);
    /// nil lets the figure place it in a grid.
    public var cell: Rect?
    public private(set) var marks: [any Mark] = []
    private var cycleIndex = 0

    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Adds `mark` on top of the marks already added; a mark without a colour takes the next
    /// colour of matplotlib's cycle (tab10).
    public mutating func add<M: Mark>(_ mark: M) {
        var mark = mark
        if mark.adoptCycleColor(Palette.tab10[cycleIndex % Palette.tab10.count]) { cycleIndex += 1 }
        marks.append(mark)
    }

    /// The legend entries of all marks, in the order the marks were added.
    public var legendEntries: [LegendEntry] {
        marks.flatMap { $0.legendEntries }
    }

    /// The marks' hints merged (first mark that states something wins) and overridden by
    /// this axes' own settings.
    public var resolvedHints: AxisHints {
        var hints = AxisHints()
        for mark in marks {
            let h = mark.hints
            if hints.xCategories == nil { hints.xCategories = h.xCategories }
            if hints.yCategories == nil { hints.yCategories = h.yCategories }
            hints.yFromTop = hints.yFromTop || h.yFromTop
            hints.xLabelsOnTop = hints.xLabelsOnTop || h.xLabelsOnTop
            hints.equalAspect = hints.equalAspect || h.equalAspect
            if hints.frame == nil { hints.frame = h.frame }
            if hints.grid == nil { hints.grid = h.grid }
            if hints.xCells == nil { hints.xCells = h.xCells }
            if hints.yCells == nil { hints.yCells = h.yCells }
        }
        if let equalAspect { hints.equalAspect = equalAspect }
        if let frame { hints.frame = frame }
        if let grid { hints.grid = grid }
        return hints
    }
}

/// Where the legend goes.
public enum LegendPosition: Sendable {
    /// Inside the plot, in the corner (or edge middle) covering the fewest data points.
    case best
    case upperRight, upperLeft, lowerLeft, lowerRight
    /// Outside the plot, to its right (for many entries; columns added as needed).
    case outsideRight
}

/// Legend settings.
public struct Legend: Sendable {
    public var position: LegendPosition
    /// Number of columns; nil: one inside the plot, as many as needed outside.
    public var columns: Int?
    public var title: String?

    public init(position: LegendPosition = .best, columns: Int? = nil, title: String? = nil) {
        self.position = position
        self.columns = columns
        self.title = title
    }
}

/// A colour bar beside the plot: the colour map over `domain`, with ticks and a label.
public struct ColorBar: Sendable {
    public var colorMap: ColorMap
    public var domain: ClosedRange<Double>
    public var label: String?

    public init(colorMap: ColorMap, domain: ClosedRange<Double>, label: String? = nil) {
        self.colorMap = colorMap
        self.domain = domain
        self.label = label
    }
}
