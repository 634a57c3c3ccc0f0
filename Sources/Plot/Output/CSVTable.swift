/// The data behind a figure as a table: a header row and rows of text, written as RFC 4180
/// CSV (CRLF line ends; fields with commas, quotes or line breaks quoted, quotes doubled).
public struct CSVTable: Equatable, Sendable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    /// A table from named numeric columns; shorter columns leave their cells empty, and
    /// NaN is written as an empty cell.
    public init(columns: [(name: String, values: [Double])]) {
        header = columns.map { $0.name }
        let count = columns.map { $0.values.count }.max() ?? 0
        rows = (0..<count).map { i in
            columns.map { i < $0.values.count ? CSVTable.format($0.values[i]) : "" }
        }
    }

    public mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The CSV text.
    public var text: String {
        var out = ""
        out.reserveCapacity((rows.count + 1) * max(1, header.count) * 8)
        for row in [header] + rows {
            out += row.map(CSVTable.quote).joined(separator: ",")
            out += "\r\n"
        }
        return out
    }

    /// A number as CSV text: integers without ".0", others in Swift's shortest round-trip form.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "" : (value > 0 ? "inf" : "-inf") }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
