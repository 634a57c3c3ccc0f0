import AtomicIO
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation
import AtomicIO

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
        return try workbook(sheet: sheet)
    }

    /// An .xlsx archive around one worksheet's XML (and `extraParts`, path and text).
    static func workbook(sheet: String, extraParts: [(String, String)] = []) throws -> Data {
        try workbook(sheetBytes: Data(sheet.utf8), extraParts: extraParts.map { ($0.0, Data($0.1.utf8)) })
    }

    /// `workbook(sheet:)` for a sheet given as bytes (tests give ones that are not UTF-8).
    static func workbook(sheetBytes sheet: Data, extraParts: [(String, Data)]) throws -> Data {
        let fixed: [(String, String)] = [
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
        ]
        let parts = fixed.map { ($0.0, Data($0.1.utf8)) } + [("xl/worksheets/sheet1.xml", sheet)] + extraParts
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, data) in parts {
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
        var unique = LabelsTable.UniquePaths(file: file)
        return try cells.dropFirst().filter { !$0.cells.allSatisfy(\.isEmpty) }.map { row in
            let label = try LabelsTable.row(row.cells, file: file, line: row.number)
            try unique.insert(label.filepath, line: row.number)
            return label
        }
    }

    /// The text of every cell of the first worksheet, row by row, with spreadsheet row numbers.
    public static func firstSheet(_ data: Data, file: String) throws -> [(number: Int, cells: [String])] {
        let archive: Archive
        do {
            archive = try openArchive(data)
        } catch let error as SynthError {
            throw error
        } catch {
            throw SynthError.workbook(file: file, problem: "it is not a ZIP archive (an .xlsx file is one)")
        }
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            return try inflate(entry, from: archive, path: path, file: file)
        }
        guard let sheet = try part("xl/worksheets/sheet1.xml") else {
            throw SynthError.workbook(file: file, problem: "it has no first worksheet (xl/worksheets/sheet1.xml)")
        }
        let shared = try part("xl/sharedStrings.xml").map { try SharedStringsParser.parse($0, file: file) } ?? []
        return try SheetParser.parse(sheet, sharedStrings: shared, file: file)
    }

    /// An archive reading `data`. ZIPFoundation's in-memory archive traps when a damaged zip
    /// seeks past the end of its buffer (a negative range in its read callback), so the bytes
    /// are read through a private temporary file (mkstemp: an unpredictable name, created
    /// exclusively), removed as soon as the archive has it open.
    static func openArchive(_ data: Data) throws -> Archive {
        var template = Array((NSTemporaryDirectory() + "asl-lab-xlsx-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw SynthError.cannotWrite(path: NSTemporaryDirectory(), reason: SystemReason.current(path: NSTemporaryDirectory())) }
        let path = String(cString: template)
        defer { unlink(path) }
        let written = data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        let reason = SystemReason.current(path: path)
        close(fd)
        guard written else { throw SynthError.cannotWrite(path: path, reason: reason) }
        return try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    }

    /// Largest inflated size of one part: a sheet of 1,048,576 rows (all a spreadsheet holds)
    /// is about 160 MB as our writer writes it.
    public static let maximumPartBytes = 256 << 20
    /// Deflate cannot shrink data more than 1032 to 1; a part that claims more is lying.
    static let maximumDeflateRatio: UInt64 = 1032

    /// The bytes of one part, inflated under a bound: the size its header claims must be
    /// plausible for its compressed size and at most `maximumPartBytes`, and inflating stops
    /// as soon as the output passes the claim (a zip bomb is refused before it grows).
    static func inflate(_ entry: Entry, from archive: Archive, path: String, file: String) throws -> Data {
        let claimed = entry.uncompressedSize, compressed = entry.compressedSize
        guard claimed <= UInt64(maximumPartBytes) else {
            throw SynthError.workbook(file: file, problem: "the part \(path) claims \(claimed) bytes when inflated, more than the \(maximumPartBytes) a label sheet may have")
        }
        guard claimed <= compressed.multipliedReportingOverflow(by: maximumDeflateRatio).partialValue + 1024 else {
            throw SynthError.workbook(file: file, problem: "the part \(path) claims \(claimed) bytes from \(compressed) compressed ones, more than compression allows; the file is damaged")
        }
        var out = Data()
        out.reserveCapacity(Int(claimed))
        do {
            _ = try archive.extract(entry) { chunk in
                guard out.count + chunk.count <= Int(claimed) else { throw PartTooLarge() }
                out.append(chunk)
            }
        } catch is PartTooLarge {
            throw SynthError.workbook(file: file, problem: "the part \(path) inflates to more than the \(claimed) bytes its header claims; the file is damaged")
        } catch {
            throw SynthError.workbook(file: file, problem: "the part \(path) is damaged")
        }
        guard out.count == Int(claimed) else {
            throw SynthError.workbook(file: file, problem: "the part \(path) inflates to \(out.count) bytes, not the \(claimed) its header claims; the file is damaged")
        }
        // Foundation's XMLParser traps on element names that are not UTF-8 (libxml2 passes them
        // on), so the part must be UTF-8 throughout and declare no other encoding.
        guard String(validating: out, as: UTF8.self) != nil else {
            throw SynthError.workbook(file: file, problem: "the part \(path) is not UTF-8 text (byte \(InputText.firstInvalidUTF8(out) ?? 0))")
        }
        if let prolog = String(decoding: out.prefix(200), as: UTF8.self).range(of: #"encoding\s*=\s*["']([^"']*)["']"#, options: .regularExpression) {
            let declared = String(decoding: out.prefix(200), as: UTF8.self)[prolog].lowercased()
            guard declared.contains("utf-8") || declared.contains("utf8") else {
                throw SynthError.workbook(file: file, problem: "the part \(path) declares an encoding other than UTF-8")
            }
        }
        // Foundation's XMLParser dereferences a null pointer on a processing instruction
        // without data (<?x?>); a workbook part holds none but its XML declaration.
        var body = out.starts(with: [0xEF, 0xBB, 0xBF]) ? out.dropFirst(3) : out[...]
        if body.starts(with: Data("<?xml".utf8)), let end = body.range(of: Data("?>".utf8)) { body = body[end.upperBound...] }
        if body.range(of: Data("<?".utf8)) != nil {
            throw SynthError.workbook(file: file, problem: "the part \(path) holds a processing instruction (<?…?>), which a workbook never has")
        }
        // Label sheets never declare a DTD; refusing one keeps entity expansion out of reach.
        if out.range(of: Data("<!DOCTYPE".utf8)) != nil || out.range(of: Data("<!ENTITY".utf8)) != nil {
            throw SynthError.workbook(file: file, problem: "the part \(path) declares a DTD (<!DOCTYPE or <!ENTITY), which a workbook never has")
        }
        return out
    }

    private struct PartTooLarge: Error {}

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
    /// The first problem found, after which parsing stops.
    private(set) var problem: String?
    /// A label sheet has three columns; cells further right must be empty.
    static let columns = 3
    /// The last column a spreadsheet has (XFD).
    static let maximumColumn = 16384

    init(sharedStrings: [String]) {
        self.sharedStrings = sharedStrings
    }

    private func fail(_ problem: String, _ parser: XMLParser) {
        if self.problem == nil { self.problem = problem }
        parser.abortParsing()
    }

    /// The 0-based column of a cell reference such as "C12", or nil when its letters are
    /// missing or name a column past XFD (16384), or no row number follows.
    static func column(ofReference ref: String) -> Int? {
        let letters = ref.prefix { $0.isASCII && $0.isLetter }
        let digits = ref.dropFirst(letters.count)
        guard !letters.isEmpty, letters.count <= 3, !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let column = letters.uppercased().unicodeScalars.reduce(0) { $0 * 26 + Int($1.value) - 64 }
        return column <= maximumColumn ? column - 1 : nil
    }

    static func parse(_ data: Data, sharedStrings: [String], file: String) throws -> [(number: Int, cells: [String])] {
        let delegate = SheetParser(sharedStrings: sharedStrings)
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        let parsed = parser.parse()
        if let problem = delegate.problem { throw SynthError.workbook(file: file, problem: problem) }
        guard parsed else { throw SynthError.workbook(file: file, problem: "the worksheet is not valid XML (line \(parser.lineNumber))") }
        if let bad = delegate.badSharedIndex { throw SynthError.workbook(file: file, problem: "a cell refers to shared string \(bad), which does not exist") }
        return delegate.rows
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch name {
        case "row":
            if let r = attributes["r"] {
                guard let number = Int(r), number >= 1, number <= Int(Int32.max) else {
                    fail("the row number \(InputText.quoted(r, limit: 20)) is not a whole number between 1 and \(Int32.max)", parser)
                    return
                }
                rowNumber = number
            } else {
                rowNumber += 1
            }
            cells = []
            column = 0
        case "c":
            cellType = attributes["t"] ?? "n"
            if let ref = attributes["r"] {
                guard let parsed = Self.column(ofReference: ref) else {
                    fail("the cell reference \(InputText.quoted(ref, limit: 20)) is not a column (A–XFD) followed by a row number", parser)
                    return
                }
                column = parsed
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
            if column >= Self.columns {
                // Cells right of the table must be empty (no memory is spent on them).
                if !value.isEmpty {
                    fail("row \(rowNumber) has a value in column \(LabelsWorkbook.columnName(column)); a label sheet has only the columns filepath, letter, distance", parser)
                    return
                }
            } else if column >= 0 {
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
