/// The content of one report page as plain values that the Mustache templates render: a page
/// is a list of sections, a section a list of blocks (figures, tables, cards, notes …).
/// Templates see these through Mirror, so property names are the template's keys; every
/// string is HTML-escaped by `{{…}}` in the templates.
public struct PageModel: Sendable {
    /// "overview", "dataset" …: the anchor in the single-file report.
    public var id: String
    public var title: String
    /// The page's file name, "index.html", "dataset.html" …
    public var file: String
    /// One paragraph under the title: what this page answers.
    public var lead: String
    public var sections: [SectionModel]
}

public struct SectionModel: Sendable {
    public var anchor: String
    public var heading: String
    public var blocks: [BlockModel]

    public init(_ heading: String, anchor: String, _ blocks: [BlockModel]) {
        self.heading = heading
        self.anchor = anchor
        self.blocks = blocks
    }
}

/// Exactly one of the optionals is set. Their names are distinct from every key of the
/// enclosing section and page, so Mustache's lookup never finds a parent's value instead.
public struct BlockModel: Sendable {
    public var figure: FigureModel?
    public var table: TableModel?
    public var cards: Group<CardModel>?
    /// A "not available" box.
    public var note: String?
    public var paragraph: String?
    public var details: DetailsModel?
    public var links: Group<LinkModel>?
    /// Several figures side by side on wide screens.
    public var figureRow: Group<FigureModel>?

    public static func figure(_ f: FigureModel) -> BlockModel { BlockModel(figure: f) }
    public static func table(_ t: TableModel) -> BlockModel { BlockModel(table: t) }
    public static func cards(_ c: [CardModel]) -> BlockModel { BlockModel(cards: Group(items: c)) }
    public static func note(_ text: String) -> BlockModel { BlockModel(note: text) }
    public static func paragraph(_ text: String) -> BlockModel { BlockModel(paragraph: text) }
    public static func details(_ d: DetailsModel) -> BlockModel { BlockModel(details: d) }
    public static func links(_ l: [LinkModel]) -> BlockModel { BlockModel(links: Group(items: l)) }
    public static func row(_ figures: [FigureModel]) -> BlockModel { BlockModel(figureRow: Group(items: figures)) }

    /// This block with its figure marked `wide` when `wide` is true.
    func scrolling(_ wide: Bool = true) -> BlockModel {
        var block = self
        if wide { block.figure?.wide = true }
        return block
    }
}

/// A list rendered inside one wrapper element (`{{#cards}}<div>{{#items}}…{{/items}}</div>{{/cards}}`).
public struct Group<Item: Sendable>: Sendable {
    public var items: [Item]
}

/// A figure written by `FigureFile` into `figures/`.
public struct FigureModel: Sendable {
    /// The file name without extension, unique in the report (also the SVG's id prefix).
    public var name: String
    public var caption: String
    public var alt: String
    public var width: Int
    public var height: Int
    /// Relative URLs of the SVG shown, and the PNG and CSV linked (nil in the single file).
    public var src: String
    public var png: String?
    public var csv: String?
    /// A figure wider than the page (one bar or cell per class of many): shown at full size
    /// in a box that scrolls sideways, instead of shrunk to unreadable text.
    public var wide: Bool = false
    /// True in the single-file report: `svg` holds the markup to inline.
    public var inline: Bool = false
    public var svg: String = ""
}

public struct TableModel: Sendable {
    public var caption: String
    public var header: [HeaderCell]
    public var rows: [RowModel]

    public init(caption: String, header: [String], numeric: Set<Int> = [], rows: [[String]]) {
        self.init(caption: caption, header: header, numeric: numeric, cells: rows.map { $0.map { CellModel(text: $0) } })
    }

    /// A table whose cells may link or be code; `numeric` columns are right-aligned.
    public init(caption: String, header: [String], numeric: Set<Int> = [], cells: [[CellModel]]) {
        self.caption = caption
        self.header = header.enumerated().map { HeaderCell(text: $1, numeric: numeric.contains($0)) }
        self.rows = cells.map { row in
            RowModel(cells: row.enumerated().map { column, cell in
                var cell = cell
                cell.numeric = numeric.contains(column)
                return cell
            })
        }
    }
}

public struct HeaderCell: Sendable {
    public var text: String
    public var numeric: Bool
}

public struct RowModel: Sendable {
    public var cells: [CellModel]
}

public struct CellModel: Sendable {
    public var text: String
    public var numeric: Bool
    /// A link target, when the cell links somewhere.
    public var href: String?
    /// Shown as code (a config key).
    public var code: Bool

    public init(text: String, numeric: Bool = false, href: String? = nil, code: Bool = false) {
        self.text = text
        self.numeric = numeric
        self.href = href
        self.code = code
    }
}

/// A headline number.
public struct CardModel: Sendable {
    public var label: String
    public var value: String
    public var detail: String
}

/// A collapsible block of preformatted text (the config).
public struct DetailsModel: Sendable {
    public var summary: String
    public var text: String
}

public struct LinkModel: Sendable {
    /// nil: shown as plain text (a file the single-file report does not link to).
    public var href: String?
    public var label: String
    public var detail: String
}
