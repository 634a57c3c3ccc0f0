import Foundation

/// The single-file report: every figure's SVG inlined into the page (its raster layers are
/// already `data:` PNGs), and no links to files beside it.
enum SingleFile {
    /// `pages`: the files of the pages the single file holds; links to any other file (the
    /// drill-down galleries) become text.
    static func inline(_ page: PageModel, runFolder: String, pages: Set<String>) throws -> PageModel {
        var page = page
        for s in page.sections.indices {
            for b in page.sections[s].blocks.indices {
                var block = page.sections[s].blocks[b]
                if let figure = block.figure { block.figure = try inline(figure, runFolder: runFolder) }
                if let row = block.figureRow { block.figureRow = Group(items: try row.items.map { try inline($0, runFolder: runFolder) }) }
                if let links = block.links { block.links = Group(items: links.items.map { LinkModel(href: anchor($0.href, pages: pages), label: $0.label, detail: $0.detail) }) }
                if var table = block.table {
                    for r in table.rows.indices {
                        for c in table.rows[r].cells.indices { table.rows[r].cells[c].href = anchor(table.rows[r].cells[c].href, pages: pages) }
                    }
                    block.table = table
                }
                page.sections[s].blocks[b] = block
            }
        }
        return page
    }

    /// Links to pages become links to their part of the single file; links to files become text.
    static func anchor(_ href: String?, pages: Set<String>) -> String? {
        guard let href, pages.contains(href) else { return nil }
        return href == ReportFiles.index ? "#overview" : "#" + href.dropLast(".html".count)
    }

    static func inline(_ figure: FigureModel, runFolder: String) throws -> FigureModel {
        let path = (runFolder as NSString).appendingPathComponent(figure.src)
        guard var svg = try? String(contentsOfFile: path, encoding: .utf8) else { throw ReportError.missingFile(path) }
        if svg.hasPrefix("<?xml"), let end = svg.range(of: "?>") {
            svg = String(svg[end.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var figure = figure
        figure.inline = true
        figure.svg = svg
        figure.png = nil
        figure.csv = nil
        return figure
    }
}
