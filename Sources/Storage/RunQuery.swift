import Foundation

/// `runs list --where key=value --sort KEY --json`: choosing, ordering and exporting runs. A key
/// is a field of the list (`name`, `status`, `tag`, `accuracy`, `mae`, `duration`, `created`,
/// `folder`, `note`) or any config key (`train.learning_rate`). Values that read as numbers on
/// both sides compare as numbers, so `train.learning_rate=1e-3` matches `0.001`.
public struct RunQuery: Sendable {
    public var filters: [(key: String, value: String)] = []
    public var sortKey: String?
    public var descending = false

    public static let fields = ["folder", "name", "status", "tag", "note", "created", "accuracy", "mae", "duration"]

    /// Parses `--where` texts (`key=value`) and `--sort` (`KEY`, or `-KEY` for largest first).
    public init(where conditions: [String] = [], sort: String? = nil) throws {
        for condition in conditions {
            guard let equals = condition.firstIndex(of: "="), equals != condition.startIndex else {
                throw StorageError.badQuery("--where \(condition) is not key=value, e.g. --where tag=baseline or --where train.epochs=3.")
            }
            filters.append((String(condition[..<equals]), String(condition[condition.index(after: equals)...])))
        }
        if var key = sort {
            if key.hasPrefix("-") {
                descending = true
                key.removeFirst()
            }
            guard !key.isEmpty else { throw StorageError.badQuery("--sort needs a key, e.g. --sort accuracy or --sort -accuracy (largest first).") }
            sortKey = key
        }
    }

    /// The rows that match every filter, sorted (stable; rows without the key last).
    public func apply(_ rows: [RunStore.Row]) throws -> [RunStore.Row] {
        for key in filters.map(\.key) + [sortKey].compactMap({ $0 }) { try Self.check(key, rows: rows) }
        var chosen = rows.filter { row in
            filters.allSatisfy { filter in Self.values(filter.key, of: row).contains { Self.equal($0, filter.value) } }
        }
        if let sortKey {
            let keyed = chosen.enumerated().map { (offset: $0.offset, row: $0.element, value: Self.values(sortKey, of: $0.element).first) }
            chosen = keyed.sorted { a, b in
                switch (a.value, b.value) {
                case (nil, nil): return a.offset < b.offset
                case (nil, _): return false
                case (_, nil): return true
                case let (x?, y?):
                    if Self.equal(x, y) { return a.offset < b.offset }
                    return Self.less(x, y) != descending
                }
            }.map(\.row)
        }
        return chosen
    }

    /// A key no run has is a mistake worth naming (a typo would otherwise match nothing).
    static func check(_ key: String, rows: [RunStore.Row]) throws {
        guard !fields.contains(key), !rows.contains(where: { $0.configValue(key) != nil }) else { return }
        let configKeys = Set(rows.flatMap(\.config.keys))
        let near = configKeys.filter { $0.hasSuffix("." + key) || $0.contains(key) }.sorted().prefix(3)
        let hint = near.isEmpty ? "" : " Did you mean \(near.joined(separator: ", "))?"
        throw StorageError.badQuery("No run has the key \"\(key)\".\(hint) Keys are \(fields.joined(separator: ", ")) and the config keys (`asl-lab config show` lists them).")
    }

    /// What a row holds under `key` (several values for `tag`).
    static func values(_ key: String, of row: RunStore.Row) -> [String] {
        switch key {
        case "folder": return [row.folder]
        case "name": return [row.name]
        case "status": return [row.status, String(row.status.split(separator: " ").first ?? "")]
        case "tag": return row.tags
        case "note": return row.note.map { [$0] } ?? []
        case "created": return [row.created]
        case "accuracy": return row.accuracy.map { [String($0 * 100)] } ?? []
        case "mae": return row.mae.map { [String($0)] } ?? []
        case "duration": return [String(row.seconds)]
        default: return row.configValue(key).map { [$0] } ?? []
        }
    }

    static func equal(_ a: String, _ b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x == y }
        return a == b
    }

    static func less(_ a: String, _ b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x < y }
        return a < b
    }
}

extension RunStore {
    /// One run as `runs list --json` writes it.
    public struct ListedRun: Codable, Equatable, Sendable {
        public var folder: String
        public var name: String
        public var status: String
        public var created: String
        public var tags: [String]
        public var note: String?
        public var testAccuracy: Double?
        public var testDistanceMAE: Double?
        public var seconds: Double
        public var hasReport: Bool
        public var config: [String: String]

        enum CodingKeys: String, CodingKey {
            case folder, name, status, created, tags, note, seconds, config
            case testAccuracy = "test_accuracy", testDistanceMAE = "test_distance_mae", hasReport = "has_report"
        }
    }

    /// `runs list --json`: the rows as a JSON array (keys sorted, one run per element).
    public func listJSON(_ rows: [Row]) throws -> String {
        let listed = rows.map {
            ListedRun(folder: $0.folder, name: $0.name, status: $0.status, created: $0.created, tags: $0.tags, note: $0.note,
                      testAccuracy: $0.accuracy, testDistanceMAE: $0.mae, seconds: $0.seconds, hasReport: $0.hasReport, config: $0.config)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(listed), as: UTF8.self) + "\n"
    }
}
