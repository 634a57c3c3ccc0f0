import Canvas

/// Something drawn inside an axes' plot area from data: lines, points, bars, cells, images.
///
/// A mark states its data extent and preferences (categories, aspect, frame) as values;
/// `Axes` resolves scales and layout from them, then asks the mark for scene items.
public protocol Mark: Sendable {
    /// A short lowercase name ("line", "scatter") for SVG classes and error messages.
    var kind: String { get }
    /// The data's bounding box, or nil when the mark has nothing to bound.
    var extent: DataExtent? { get }
    /// What the mark would like of its axes (categories, row 0 on top, square units, frame).
    var hints: AxisHints { get }
    /// Entries this mark contributes to the legend (one per labelled series or class).
    var legendEntries: [LegendEntry] { get }
    /// Up to `limit` data points the legend should avoid covering.
    func footprint(limit: Int) -> [Point]
    /// Whether the SVG should draw this mark (and what lies under it) as one raster image.
    var prefersRaster: Bool { get }
    /// Scene items in figure pixels, given the resolved scales.
    func items(in context: MarkContext) -> [SceneItem]
    /// Takes `color` from the axes' colour cycle if the mark was given none; true if taken.
    mutating func adoptCycleColor(_ color: Color) -> Bool
}

extension Mark {
    public var hints: AxisHints { AxisHints() }
    public var legendEntries: [LegendEntry] { [] }
    public func footprint(limit: Int) -> [Point] { [] }
    public var prefersRaster: Bool { false }
    public mutating func adoptCycleColor(_ color: Color) -> Bool { false }
}

/// The bounding box of a mark's data, and edges the automatic margins must not cross
/// (matplotlib's "sticky edges": bars start at zero, heatmap cells end at the matrix edge).
public struct DataExtent: Equatable, Sendable {
    public var x: ClosedRange<Double>
    public var y: ClosedRange<Double>
    public var stickyX: [Double]
    public var stickyY: [Double]

    public init(x: ClosedRange<Double>, y: ClosedRange<Double>, stickyX: [Double] = [], stickyY: [Double] = []) {
        self.x = x
        self.y = y
        self.stickyX = stickyX
        self.stickyY = stickyY
    }

    /// The extent of finite (x, y) pairs, or nil if there are none.
    static func of(x xs: [Double], y ys: [Double]) -> DataExtent? {
        var minX = Double.infinity, maxX = -Double.infinity, minY = Double.infinity, maxY = -Double.infinity
        for i in 0..<min(xs.count, ys.count) where xs[i].isFinite && ys[i].isFinite {
            minX = min(minX, xs[i]); maxX = max(maxX, xs[i])
            minY = min(minY, ys[i]); maxY = max(maxY, ys[i])
        }
        guard minX <= maxX else { return nil }
        return DataExtent(x: minX...maxX, y: minY...maxY)
    }
}

/// A mark's wishes for its axes; `Axes` settings override them.
public struct AxisHints: Equatable, Sendable {
    /// Category names along x: category `i` is centred on x = i.
    public var xCategories: [String]?
    /// Category names along y: category `i` is centred on y = i.
    public var yCategories: [String]?
    /// Whether y grows downwards (row 0 on top), as images and matrices are shown.
    public var yFromTop: Bool
    /// Whether one data unit should be as long on x as on y (square cells, round clusters).
    public var equalAspect: Bool
    public var frame: AxesFrame?
    public var grid: Bool?
    /// The data spans this many unit cells along x (from −0.5), so the plot is made a whole
    /// number of pixels per cell and neighbouring cells meet without seams.
    public var xCells: Int?
    public var yCells: Int?
    /// Whether the x tick labels go above the plot instead of below: column headings of a tall
    /// grid belong where a reader starts, not many rows further down.
    public var xLabelsOnTop: Bool

    public init(xCategories: [String]? = nil, yCategories: [String]? = nil, yFromTop: Bool = false,
                equalAspect: Bool = false, frame: AxesFrame? = nil, grid: Bool? = nil, xCells: Int? = nil, yCells: Int? = nil,
                xLabelsOnTop: Bool = false) {
        self.xLabelsOnTop = xLabelsOnTop
        self.xCategories = xCategories
        self.yCategories = yCategories
        self.xCells = xCells ?? xCategories?.count
        self.yCells = yCells ?? yCategories?.count
        self.yFromTop = yFromTop
        self.equalAspect = equalAspect
        self.frame = frame
        self.grid = grid
    }
}

/// What a mark needs to draw: the resolved scales and the plot rectangle.
public struct MarkContext {
    public let x: AxisScale
    public let y: AxisScale
    /// The plot area in figure pixels.
    public let plot: Rect
    /// Device pixels per CSS pixel of the raster output (images are prepared at this size).
    public let rasterScale: Double
    let metrics: TextMetrics

    /// The figure-pixel position of data point (`x`, `y`).
    public func point(_ x: Double, _ y: Double) -> Point {
        Point(x: self.x.map(x), y: self.y.map(y))
    }
}

/// One legend line: a swatch and a label.
public struct LegendEntry: Equatable, Sendable {
    public var label: String
    public var color: Color
    public var symbol: LegendSymbol

    public init(label: String, color: Color, symbol: LegendSymbol) {
        self.label = label
        self.color = color
        self.symbol = symbol
    }
}

/// How a legend entry's swatch looks.
public enum LegendSymbol: Equatable, Sendable {
    case line(width: Double, dash: [Double])
    case marker(radius: Double)
    case patch
}

/// Checks shared by mark initialisers.
enum Validate {
    static func sameCount(_ mark: String, _ firstName: String, _ first: Int, _ secondName: String, _ second: Int) throws {
        if first != second {
            throw PlotError.mismatchedLengths(mark: mark, first: firstName, firstCount: first, second: secondName, secondCount: second)
        }
    }

    /// Evenly spread indices into `0..<count`, at most `limit` of them.
    static func sample(_ count: Int, limit: Int) -> [Int] {
        guard count > limit, limit > 0 else { return Array(0..<count) }
        return (0..<limit).map { $0 * count / limit }
    }
}
