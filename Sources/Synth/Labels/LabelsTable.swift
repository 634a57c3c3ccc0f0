import AtomicIO
import Foundation

/// One row of a data set's label table.
public struct LabelRow: Equatable, Sendable {
    /// Path of the image relative to the data set folder, e.g. "A/A_00000.png".
    public var filepath: String
    /// "A" … "Z".
    public var letter: String
    /// The distance scalar the image was drawn at.
    public var distance: Double

    public init(filepath: String, letter: String, distance: Double) {
        self.filepath = filepath
        self.letter = letter
        self.distance = distance
    }
}

/// `labels.csv`: header `filepath,letter,distance`, one row per image, as the original's
/// labels.xlsx.
public enum LabelsTable {
    public static let header = ["filepath", "letter", "distance"]

    /// Largest distance a label may carry (and `data.distance.max` may ask for): at 1000 a
    /// pattern is drawn at 1/667 of its size, and the distance loss stays far from float's
    /// overflow. Distances must also be greater than 0 (the pattern is drawn at scale 1.5/d).
    public static let maximumDistance = 1000.0

    /// The CSV text of `rows`, distances with 6 decimals (they are drawn at that precision).
    public static func csv(_ rows: [LabelRow]) -> String {
        var text = header.joined(separator: ",") + "\n"
        text.reserveCapacity(rows.count * 32)
        for row in rows {
            text += "\(quoted(row.filepath)),\(row.letter),\(formatDistance(row.distance))\n"
        }
        return text
    }

    /// Distances as written in label files: 6 decimals.
    public static func formatDistance(_ d: Double) -> String {
        String(format: "%.6f", d)
    }

    /// Parses and checks a labels table: header, a letter A–Z, a finite distance and a relative
    /// path that stays inside the data set on every line. `file` names the table in errors.
    public static func parseCSV(_ text: String, file: String) throws -> [LabelRow] {
        var rows: [LabelRow] = []
        var unique = UniquePaths(file: file)
        var lineNumber = 0
        var sawHeader = false
        // "\r\n" is one Character in Swift, so split on any newline, not on "\n".
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let line = String(rawLine)
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let fields = try splitCSV(line, file: file, line: lineNumber)
            if !sawHeader {
                try checkHeader(fields, file: file, line: lineNumber)
                sawHeader = true
                continue
            }
            let row = try row(fields, file: file, line: lineNumber)
            try unique.insert(row.filepath, line: lineNumber)
            rows.append(row)
        }
        guard sawHeader else {
            throw SynthError.labels(file: file, line: 1, problem: "the file is empty; expected the header \"filepath,letter,distance\"")
        }
        return rows
    }

    static func checkHeader(_ fields: [String], file: String, line: Int) throws {
        guard fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) == header else {
            let got = fields.joined(separator: ",")
            throw SynthError.labels(file: file, line: line, problem: "expected the header \"filepath,letter,distance\", got \(InputText.quoted(got))\(InputText.invisibleNote(got))")
        }
    }

    /// Refuses a second row for one image (two spellings of one path count as one): a
    /// sample listed twice can fall into both the training and the test split.
    public struct UniquePaths {
        let file: String
        private var firstLine: [String: Int] = [:]

        public init(file: String) { self.file = file }

        public mutating func insert(_ path: String, line: Int) throws {
            let key = path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).filter { $0 != "." }.joined(separator: "/")
            if let first = firstLine[key] {
                throw SynthError.labels(file: file, line: line, problem: "the image \(InputText.quoted(path)) is listed again (first on line \(first)); each image may have one row, or it could land in both the training and the test split")
            }
            firstLine[key] = line
        }
    }

    /// Checks one row's three fields.
    static func row(_ fields: [String], file: String, line: Int) throws -> LabelRow {
        guard fields.count == 3 else {
            throw SynthError.labels(file: file, line: line, problem: "expected 3 fields (filepath, letter, distance), got \(fields.count)")
        }
        let path = fields[0], letter = fields[1].trimmingCharacters(in: .whitespaces)
        let distanceText = fields[2].trimmingCharacters(in: .whitespaces)
        guard Letters.index(of: letter) != nil else {
            throw SynthError.labels(file: file, line: line, problem: "the letter must be one of A–Z, got \(InputText.quoted(letter))\(InputText.invisibleNote(letter))")
        }
        guard let distance = Double(distanceText), distance.isFinite, distance > 0, distance <= maximumDistance else {
            throw SynthError.labels(file: file, line: line, problem: "the distance must be a number greater than 0 and at most \(Int(maximumDistance)), got \(InputText.quoted(distanceText))")
        }
        if let problem = pathProblem(path) {
            throw SynthError.labels(file: file, line: line, problem: "the path \(InputText.quoted(path)) \(problem)")
        }
        return LabelRow(filepath: path, letter: letter, distance: distance)
    }

    /// Why a label path is unsafe (absolute, escaping with "..", empty), or nil if it is fine.
    public static func pathProblem(_ path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.hasPrefix("/") || path.hasPrefix("\\") || path.contains(":") { return "must be relative to the data set folder" }
        let parts = path.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        if parts.contains("..") { return "leaves the data set folder (\"..\")" }
        if path.contains("\0") { return "contains a NUL character" }
        return nil
    }

    private static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Splits one CSV line, honouring double quotes ("" inside quotes is one quote).
    public static func splitCSV(_ line: String, file: String, line number: Int) throws -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var quoteJustClosed = false
        for ch in line {
            if inQuotes {
                if ch == "\"" { inQuotes = false; quoteJustClosed = true } else { current.append(ch) }
            } else if ch == "\"" {
                if quoteJustClosed { current.append("\""); inQuotes = true; quoteJustClosed = false } // "" → "
                else if current.isEmpty { inQuotes = true } else {
                    throw SynthError.labels(file: file, line: number, problem: "a quote inside an unquoted field")
                }
            } else if ch == "," {
                fields.append(current); current = ""; quoteJustClosed = false
            } else {
                if quoteJustClosed { throw SynthError.labels(file: file, line: number, problem: "unexpected text after a closing quote") }
                current.append(ch)
            }
        }
        guard !inQuotes else { throw SynthError.labels(file: file, line: number, problem: "a quoted field is not closed") }
        fields.append(current)
        return fields
    }
}
