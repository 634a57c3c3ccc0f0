/// `entry.json` of a cache entry, written last: what the finished entry holds, each file with
/// its size, modification time and SHA-256. An entry without one, or whose files no longer
/// match it, is never used.
public struct CacheSeal: JSONRecord, Equatable, Sendable {
    public static let fileName = "entry.json"
    public static let what = "a cache entry's seal"
    public static let escapesSlashes = true

    public var stage: String
    public var key: String
    public var toolVersion: String
    public var files: [File]

    public struct File: Codable, Equatable, Sendable {
        /// Relative to the entry's folder.
        public var path: String
        public var size: UInt64
        /// Nanoseconds since 1970.
        public var modified: Int64
        public var sha256: String

        public init(path: String, size: UInt64, modified: Int64, sha256: String) {
            self.path = path
            self.size = size
            self.modified = modified
            self.sha256 = sha256
        }
    }

    public init(stage: String, key: String, toolVersion: String, files: [File]) {
        self.stage = stage
        self.key = key
        self.toolVersion = toolVersion
        self.files = files
    }
}
