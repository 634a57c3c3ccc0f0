import Canvas

/// What to write in heatmap cells.
public enum HeatmapAnnotation: Sendable {
    case none
    /// The cell's value with this many decimals.
    case values(decimals: Int)
    /// Given text per cell, `[row][column]`.
    case text([[String]])
}

/// A matrix drawn as coloured cells, row 0 on top (confusion matrices, filters, feature maps),
/// with optional row/column labels and cell annotations whose colour contrasts with the cell.
public struct HeatmapMark: Mark {
    public let matrix: [[Double]]
    public let rowLabels: [String]?
    public let columnLabels: [String]?
    public var colorMap: ColorMap
    /// The values the colour map spans.
    public let domain: ClosedRange<Double>
    public var annotation: HeatmapAnnotation
    /// Leave cells whose value is exactly zero unannotated (sparse confusion matrices).
    public var hidesZeroAnnotations: Bool
    /// Above this many cells an unannotated matrix is drawn as one image rather than a
    /// rectangle per cell (a 64 × 64 feature map stays a few kilobytes).
    public var cellLimit = 1024

    public var kind: String { "heatmap" }
    public var rows: Int { matrix.count }
    public var columns: Int { matrix.first?.count ?? 0 }

    public init(matrix: [[Double]], rowLabels: [String]? = nil, columnLabels: [String]? = nil, colorMap: ColorMap = .viridis,
                domain: ClosedRange<Double>? = nil, annotation: HeatmapAnnotation = .none, hidesZeroAnnotations: Bool = false) throws {
        guard let first = matrix.first, !first.isEmpty else { throw PlotError.emptyData(mark: "heatmap") }
        for (r, row) in matrix.enumerated() where row.count != first.count {
            throw PlotError.raggedMatrix(mark: "heatmap", row: r, expected: first.count, got: row.count)
        }
        if let rowLabels { try Validate.sameCount("heatmap", "matrix rows", matrix.count, "row labels", rowLabels.count) }
        if let columnLabels { try Validate.sameCount("heatmap", "matrix columns", first.count, "column labels", columnLabels.count) }
        if case .text(let text) = annotation {
            try Validate.sameCount("heatmap", "matrix rows", matrix.count, "annotation rows", text.count)
            for (r, row) in text.enumerated() where row.count != first.count {
                throw PlotError.raggedMatrix(mark: "heatmap annotation", row: r, expected: first.count, got: row.count)
            }
        }
        let finite = matrix.joined().filter { $0.isFinite }
        guard let lo = finite.min(), let hi = finite.max() else { throw PlotError.emptyData(mark: "heatmap") }
        self.matrix = matrix
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.colorMap = colorMap
        self.domain = domain ?? (lo...hi)
        self.annotation = annotation
        self.hidesZeroAnnotations = hidesZeroAnnotations
    }

    /// The fill colour of cell (`row`, `column`); the missing-value grey for NaN.
    public func cellColor(row: Int, column: Int) -> Color {
        let v = matrix[row][column]
        return v.isFinite ? colorMap.color(for: v, in: domain) : Theme.missing
    }

    /// The annotation text of a cell, or nil for none.
    public func annotationText(row: Int, column: Int) -> String? {
        let v = matrix[row][column]
        if hidesZeroAnnotations && v == 0 { return nil }
        switch annotation {
        case .none: return nil
        case .values(let decimals): return v.isFinite ? TickFormat.fixed(v, decimals: decimals) : nil
        case .text(let text): return text[row][column].isEmpty ? nil : text[row][column]
        }
    }

    /// A colour bar matching the cells.
    public func colorBar(label: String? = nil) -> ColorBar {
        ColorBar(colorMap: colorMap, domain: domain, label: label)
    }

    public var hints: AxisHints {
        AxisHints(xCategories: columnLabels, yCategories: rowLabels, yFromTop: true, equalAspect: true, frame: .box, grid: false,
                  xCells: columns, yCells: rows)
    }

    public var extent: DataExtent? {
        let x = -0.5...(Double(columns) - 0.5), y = -0.5...(Double(rows) - 0.5)
        return DataExtent(x: x, y: y, stickyX: [x.lowerBound, x.upperBound], stickyY: [y.lowerBound, y.upperBound])
    }

    public func items(in context: MarkContext) -> [SceneItem] {
        let frame = cellFrame(row: 0, column: 0, context: context)
        let whole = Rect(x: min(context.x.map(-0.5), context.x.map(Double(columns) - 0.5)),
                         y: min(context.y.map(-0.5), context.y.map(Double(rows) - 0.5)),
                         width: abs(context.x.map(Double(columns) - 0.5) - context.x.map(-0.5)),
                         height: abs(context.y.map(Double(rows) - 0.5) - context.y.map(-0.5)))
        var items: [SceneItem] = []
        if rows * columns > cellLimit, case .none = annotation, let image = colorMap.image(matrix, domain: domain, missing: Theme.missing) {
            items.append(.image(image, frame: whole, interpolation: .nearest))
        } else {
            var cells: [SceneItem] = []
            cells.reserveCapacity(rows * columns)
            for r in 0..<rows {
                for c in 0..<columns {
                    cells.append(.rect(cellFrame(row: r, column: c, context: context), fill: cellColor(row: r, column: c), stroke: nil))
                }
            }
            items.append(.group(SceneGroup(className: "cells", items: cells)))
        }

        // Annotations: as large as fits the cell (at most 11 px), none when too small to read.
        var texts: [(Int, Int, String)] = []
        for r in 0..<rows {
            for c in 0..<columns {
                if let text = annotationText(row: r, column: c) { texts.append((r, c, text)) }
            }
        }
        if !texts.isEmpty {
            let widest = texts.map { context.metrics.width($0.2, size: 10) / 10 }.max() ?? 1
            let size = min(11, frame.height * 0.55, frame.width * 0.88 / max(widest, 0.3))
            if size >= 6 {
                let labels: [SceneItem] = texts.map { r, c, text in
                    let cell = cellFrame(row: r, column: c, context: context)
                    return .text(TextItem(text, at: Point(x: cell.midX, y: cell.midY), size: size.rounded(toStep: 0.5),
                                          color: cellColor(row: r, column: c).contrastingText, anchor: .middle, baseline: .middle,
                                          className: "annotation"))
                }
                items.append(.group(SceneGroup(className: "annotations", items: labels)))
            }
        }
        return items
    }

    func cellFrame(row: Int, column: Int, context: MarkContext) -> Rect {
        let x0 = context.x.map(Double(column) - 0.5), x1 = context.x.map(Double(column) + 0.5)
        let y0 = context.y.map(Double(row) - 0.5), y1 = context.y.map(Double(row) + 0.5)
        return Rect(x: min(x0, x1), y: min(y0, y1), width: abs(x1 - x0), height: abs(y1 - y0))
    }
}

extension Double {
    func rounded(toStep step: Double) -> Double { (self / step).rounded(.down) * step }
}
