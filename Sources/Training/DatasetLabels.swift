import AtomicIO
import Foundation
import Synth

/// The label table of any data set folder, generated or brought by the user: `labels.csv`, or
/// `labels.xlsx` when there is no CSV.
///
/// Two headers are understood. `filepath,letter,distance` is what `asl-lab generate` writes:
/// every row is checked as before (a letter A–Z, a distance) and the classes are A–Z. Any other
/// header must name a `filepath` and a `label` column (a `letter` column counts as `label`), and
/// may name a `distance` column; other columns are ignored and listed in `ignoredColumns`.
/// Labels are any non-empty UTF-8 text; the classes are the distinct labels sorted by their
/// Unicode code points, so the order does not depend on the order of the rows.
public struct DatasetLabels: Sendable {
    /// One image and its label.
    public struct Row: Equatable, Sendable {
        public var filepath: String
        /// Index into `classes`.
        public var label: Int
        /// The distance column's value, 0 when the table has none.
        public var distance: Double
        /// Line (CSV) or row (workbook) number, for errors.
        public var line: Int
    }

    /// The smallest and largest number of classes a data set may have.
    public static let classRange = 2...1000
    /// Longest class name accepted, in characters (names appear on every chart).
    public static let longestName = 200

    /// The label file read.
    public var file: String
    public var rows: [Row]
    /// Class names in index order (A–Z for a generated data set).
    public var classes: [String]
    /// Whether the table has a distance column (a generated one always has).
    public var hasDistance: Bool
    /// Columns of the header that are not used, in header order.
    public var ignoredColumns: [String]
    /// True for the header `filepath,letter,distance` that `asl-lab generate` writes.
    public var generated: Bool

    /// Reads and checks the label table of `folder`.
    public static func read(folder: String) throws -> DatasetLabels {
        let csv = (folder as NSString).appendingPathComponent("labels.csv")
        let xlsx = (folder as NSString).appendingPathComponent("labels.xlsx")
        if let text = try ifPresent(csv, { () throws(FileReadError) in try InputFile.readText(csv, limit: InputFile.Limit.labelsCSV) }) {
            return try parseCSV(text, file: csv)
        }
        if let data = try ifPresent(xlsx, { () throws(FileReadError) in try InputFile.read(xlsx, limit: InputFile.Limit.labelsWorkbook) }) {
            return try parseTable(LabelsWorkbook.firstSheet(data, file: xlsx).filter { !$0.cells.allSatisfy(\.isEmpty) }, file: xlsx) {
                try LabelsWorkbook.read(data, file: xlsx)
            }
        }
        throw TrainingError.missingLabels(folder: folder)
    }

    /// Parses a CSV label table; `file` names it in errors.
    public static func parseCSV(_ text: String, file: String) throws -> DatasetLabels {
        var lines: [(number: Int, cells: [String])] = []
        var number = 0
        // "\r\n" is one Character in Swift, so split on any newline, not on "\n".
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            lines.append((number, try LabelsTable.splitCSV(line, file: file, line: number)))
        }
        return try parseTable(lines, file: file) { try LabelsTable.parseCSV(text, file: file) }
    }

    /// A table of cells (header first). A generated header is handed to `generatedRows`, the
    /// strict reader of the generator's own format.
    static func parseTable(_ lines: [(number: Int, cells: [String])], file: String,
                           generatedRows: () throws -> [LabelRow]) throws -> DatasetLabels {
        guard let header = lines.first else {
            throw SynthError.labels(file: file, line: 1, problem: "the file is empty; expected a header naming the columns filepath and label (and optionally distance)")
        }
        let names = header.cells.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if names == LabelsTable.header {
            let rows = try generatedRows()
            return DatasetLabels(file: file, rows: rows.enumerated().map { i, row in
                Row(filepath: row.filepath, label: Letters.index(of: row.letter)!, distance: row.distance, line: i + 2)
            }, classes: Letters.all, hasDistance: true, ignoredColumns: [], generated: true)
        }
        func column(_ candidates: [String]) -> Int? { names.firstIndex { candidates.contains($0) } }
        let missing = [("filepath", column(["filepath"])), ("label", column(["label", "letter"]))].filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty, let pathColumn = column(["filepath"]), let labelColumn = column(["label", "letter"]) else {
            let got = header.cells.joined(separator: ",")
            throw SynthError.labels(file: file, line: header.number,
                                    problem: "the header has no \(missing.joined(separator: " and no ")) column (got \(InputText.quoted(got))\(InputText.invisibleNote(got))); a label table needs the columns filepath and label, and may have distance")
        }
        let distanceColumn = column(["distance"])
        let used = Set([pathColumn, labelColumn] + (distanceColumn.map { [$0] } ?? []))
        let ignored = header.cells.indices.filter { !used.contains($0) }.map { header.cells[$0] }

        var unique = LabelsTable.UniquePaths(file: file)
        var raw: [(path: String, label: String, distance: Double, line: Int)] = []
        for line in lines.dropFirst() {
            let needed = max(pathColumn, labelColumn, distanceColumn ?? 0) + 1
            guard line.cells.count >= needed else {
                throw SynthError.labels(file: file, line: line.number, problem: "expected at least \(needed) fields (the header has \(header.cells.count)), got \(line.cells.count)")
            }
            let path = line.cells[pathColumn]
            if let problem = LabelsTable.pathProblem(path) {
                throw SynthError.labels(file: file, line: line.number, problem: "the path \(InputText.quoted(path)) \(problem)")
            }
            let label = line.cells[labelColumn].trimmingCharacters(in: .whitespaces)
            guard !label.isEmpty else { throw SynthError.labels(file: file, line: line.number, problem: "the label is empty") }
            guard label.count <= longestName, !label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw SynthError.labels(file: file, line: line.number,
                                        problem: "the label \(InputText.quoted(String(label.prefix(60)))) is longer than \(longestName) characters or holds a control character")
            }
            var distance = 0.0
            if let distanceColumn {
                let text = line.cells[distanceColumn].trimmingCharacters(in: .whitespaces)
                guard let d = Double(text), d.isFinite, d > 0, d <= LabelsTable.maximumDistance else {
                    throw SynthError.labels(file: file, line: line.number, problem: "the distance must be a number greater than 0 and at most \(Int(LabelsTable.maximumDistance)), got \(InputText.quoted(text))")
                }
                distance = d
            }
            try unique.insert(path, line: line.number)
            raw.append((path, label, distance, line.number))
        }
        let classes = Array(Set(raw.map(\.label))).sorted { Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }
        guard classRange.contains(classes.count) else {
            throw TrainingError.classCount(labels: file, count: classes.count, names: classes)
        }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        return DatasetLabels(file: file, rows: raw.map { Row(filepath: $0.path, label: index[$0.label]!, distance: $0.distance, line: $0.line) },
                             classes: classes, hasDistance: distanceColumn != nil, ignoredColumns: ignored, generated: false)
    }

    /// Throws, naming them, when classes have fewer images than a split by `fractions` needs
    /// to give each split one (see `DataSplit.imagesNeeded`).
    public func checkClassSizes(fractions: (train: Double, val: Double, test: Double)) throws {
        let needed = DataSplit.imagesNeeded(fractions: fractions)
        var counts = [Int](repeating: 0, count: classes.count)
        for row in rows { counts[row.label] += 1 }
        let small = counts.indices.filter { counts[$0] < needed }.map { (name: classes[$0], images: counts[$0]) }
        guard small.isEmpty else { throw TrainingError.classesTooSmall(labels: file, needed: needed, classes: small) }
    }

    /// Rows as the report's `LabelRow`s (class name in `letter`; distance 0 without a column).
    public var labelRows: [LabelRow] {
        rows.map { LabelRow(filepath: $0.filepath, letter: classes[$0.label], distance: $0.distance) }
    }

    /// What `read` reads from the label file `path`, or nil when the file does not exist.
    private static func ifPresent<T>(_ path: String, _ read: () throws(FileReadError) -> T) throws -> T? {
        do {
            return try read()
        } catch {
            if error.problem == .missing { return nil }
            throw TrainingError.unreadableLabels(path: path, reason: error.reason)
        }
    }
}

/// Class names as the model file records them: A–Z as the letters joined ("ABC…Z", as every
/// model has recorded them), any other list as a JSON array.
public enum ClassNames {
    /// True for exactly the 26 letters A–Z in order.
    public static func areLetters(_ names: [String]) -> Bool { names == Letters.all }

    /// A short description for messages: "A–Z", or the count and the first few names.
    public static func summary(_ names: [String]) -> String {
        if areLetters(names) { return "A–Z" }
        let shown = names.prefix(5).map { InputText.quoted($0) }.joined(separator: ", ")
        return "\(names.count) classes (\(shown)\(names.count > 5 ? ", …" : ""))"
    }

    /// The JSON array of `names`.
    public static func json(_ names: [String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: names, options: [.withoutEscapingSlashes])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The names a JSON array holds, or nil.
    public static func parse(json: String) -> [String]? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(json.utf8)), let names = value as? [String] else { return nil }
        return names
    }
}
