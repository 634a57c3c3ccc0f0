import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// `labels.xlsx`: the label table as a minimal Office Open XML workbook (one sheet, inline
/// strings, no styles), which Excel, LibreOffice and openpyxl read; and a reader for it and for
/// workbooks those programs save (shared strings).
public enum LabelsWorkbook {
    // A fixed entry date keeps the file's bytes a function of its rows only.
    private static let entryDate = Date(timeIntervalSince1970: 946_728_000) // 2000-01-01 12:00 UTC

    /// The .xlsx bytes of `rows`, with the header row first.
    public static func xlsx(_ rows: [LabelRow]) throws -> Data {
        var sheet = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        sheet += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        sheet += "<row r=\"1\">" + LabelsTable.header.enumerated().map { textCell(column: $0.offset, row: 1, $0.element) }.joined() + "</row>"
        for (i, row) in rows.enumerated() {
            let r = i + 2
            sheet += "<row r=\"\(r)\">" + textCell(column: 0, row: r, row.filepath) + textCell(column: 1, row: r, row.letter)
                + "<c r=\"C\(r)\"><v>\(LabelsTable.formatDistance(row.distance))</v></c></row>"
        }
        sheet += "</sheetData></worksheet>"

        let parts: [(String, String)] = [
            ("[Content_Types].xml", #"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>
            """#),
            ("_rels/.rels", #"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """#),
            ("xl/workbook.xml", #"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="labels" sheetId="1" r:id="rId1"/></sheets></workbook>
            """#),
            ("xl/_rels/workbook.xml.rels", #"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>
            """#),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: entryDate,
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let bytes = archive.data else { throw SynthError.workbook(file: "labels.xlsx", problem: "the archive could not be built") }
        return bytes
    }

    /// Reads the first sheet of a workbook as checked label rows; `file` names it in errors
    /// (rows are numbered as the spreadsheet numbers them).
    public static func read(_ data: Data, file: String) throws -> [LabelRow] {
        let cells = try firstSheet(data, file: file)
        guard let header = cells.first else {
            throw SynthError.labels(file: file, line: 1, problem: "the sheet is empty; expected the header \"filepath,letter,distance\"")
        }
        try LabelsTable.checkHeader(header.cells, file: file, line: header.number)
        return try cells.dropFirst().filter { !$0.cells.allSatisfy(\.isEmpty) }.map { row in
            try LabelsTable.row(row.cells, file: file, line: row.number)
        }
    }

    /// The text of every cell of the first worksheet, row by row, with spreadsheet row numbers.
    static func firstSheet(_ data: Data, file: String) throws -> [(number: Int, cells: [String])] {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw SynthError.workbook(file: file, problem: "it is not a ZIP archive (an .xlsx file is one)")
        }
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var out = Data()
            do {
                _ = try archive.extract(entry) { out.append($0) }
            } catch {
                throw SynthError.workbook(file: file, problem: "the part \(path) is damaged")
            }
            return out
        }
        guard let sheet = try part("xl/worksheets/sheet1.xml") else {
            throw SynthError.workbook(file: file, problem: "it has no first worksheet (xl/worksheets/sheet1.xml)")
        }
        let shared = try part("xl/sharedStrings.xml").map { try SharedStringsParser.parse($0, file: file) } ?? []
        return try SheetParser.parse(sheet, sharedStrings: shared, file: file)
    }

    private static func textCell(column: Int, row: Int, _ text: String) -> String {
        "<c r=\"\(columnName(column))\(row)\" t=\"inlineStr\"><is><t>\(escapeXML(text))</t></is></c>"
    }

    static func columnName(_ index: Int) -> String {
        var n = index + 1, name = ""
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name
    }

    static func escapeXML(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}

/// Reads `<si>` entries of xl/sharedStrings.xml.
private final class SharedStringsParser: NSObject, XMLParserDelegate {
    private var strings: [String] = []
    private var current = ""
    private var inText = false

    static func parse(_ data: Data, file: String) throws -> [String] {
        let delegate = SharedStringsParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else { throw SynthError.workbook(file: file, problem: "xl/sharedStrings.xml is not valid XML") }
        return delegate.strings
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if name == "si" { current = "" }
        if name == "t" { inText = true }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "t" { inText = false }
        if name == "si" { strings.append(current) }
    }
}

/// Reads the cells of a worksheet part into rows of text, placing cells by their references.
private final class SheetParser: NSObject, XMLParserDelegate {
    private let sharedStrings: [String]
    private var rows: [(number: Int, cells: [String])] = []
    private var rowNumber = 0
    private var cells: [String] = []
    private var column = 0
    private var cellType = ""
    private var text = ""
    private var collecting = false
    private var badSharedIndex: String?

    init(sharedStrings: [String]) {
        self.sharedStrings = sharedStrings
    }

    static func parse(_ data: Data, sharedStrings: [String], file: String) throws -> [(number: Int, cells: [String])] {
        let delegate = SheetParser(sharedStrings: sharedStrings)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else { throw SynthError.workbook(file: file, problem: "the worksheet is not valid XML") }
        if let bad = delegate.badSharedIndex { throw SynthError.workbook(file: file, problem: "a cell refers to shared string \(bad), which does not exist") }
        return delegate.rows
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch name {
        case "row":
            rowNumber = Int(attributes["r"] ?? "") ?? rowNumber + 1
            cells = []
            column = 0
        case "c":
            cellType = attributes["t"] ?? "n"
            if let ref = attributes["r"] {
                let letters = ref.prefix { $0.isLetter }.uppercased()
                column = letters.unicodeScalars.reduce(0) { $0 * 26 + Int($1.value) - 64 } - 1
            }
            text = ""
        case "v", "t":
            collecting = true
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collecting { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t":
            collecting = false
        case "c":
            var value = text
            if cellType == "s" {
                if let i = Int(text), sharedStrings.indices.contains(i) { value = sharedStrings[i] } else { badSharedIndex = text }
            }
            if column >= 0 {
                while cells.count < column { cells.append("") }
                if cells.count == column { cells.append(value) } else { cells[column] = value }
            }
            column += 1
        case "row":
            rows.append((rowNumber, cells))
        default:
            break
        }
    }
}
