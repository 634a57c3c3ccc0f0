/// What can go wrong while building or writing a figure. User data never crashes `Plot`:
/// non-finite values are skipped, and everything else that cannot be drawn is one of these.
public enum PlotError: Error, CustomStringConvertible, Equatable {
    /// A mark was given no data it could draw (empty input, or only NaN/infinite values).
    case emptyData(mark: String)
    /// Two inputs of a mark that pair up element by element have different lengths.
    case mismatchedLengths(mark: String, first: String, firstCount: Int, second: String, secondCount: Int)
    /// A matrix row has a different number of columns from the first row.
    case raggedMatrix(mark: String, row: Int, expected: Int, got: Int)
    /// A parameter is outside what it can be (a negative size, zero columns, …).
    case invalidParameter(mark: String, name: String, reason: String)
    /// A log axis was asked to show zero or negative values.
    case nonPositiveLogDomain(axis: String, lower: Double)
    /// The figure's width or height is not a positive size that can be drawn.
    case invalidFigureSize(width: Double, height: Double)
    /// A figure file name is empty or contains a path separator.
    case invalidFileName(String)
    /// Drawing or encoding through Canvas failed.
    case drawing(reason: String)

    public var description: String {
        switch self {
        case .emptyData(let mark):
            return "The \(mark) has no data to draw: it needs at least one finite value."
        case .mismatchedLengths(let mark, let first, let firstCount, let second, let secondCount):
            return "The \(mark) needs as many \(second) as \(first), but got \(secondCount) \(second) for \(firstCount) \(first)."
        case .raggedMatrix(let mark, let row, let expected, let got):
            return "The \(mark) needs a rectangular matrix, but row \(row) has \(got) columns where the first row has \(expected)."
        case .invalidParameter(let mark, let name, let reason):
            return "The \(mark) cannot use its \(name): \(reason)."
        case .nonPositiveLogDomain(let axis, let lower):
            return "The \(axis) axis is logarithmic, so it can only show positive values, but its range starts at \(lower)."
        case .invalidFigureSize(let width, let height):
            return "A figure needs a positive width and height of at most 20000 px, but got \(width) × \(height)."
        case .invalidFileName(let name):
            return "A figure file name must be non-empty and contain no '/', but got \"\(name)\"."
        case .drawing(let reason):
            return "Drawing the figure failed: \(reason)"
        }
    }
}
