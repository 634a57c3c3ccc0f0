import Foundation

/// Why an input file could not be read: its path and what is wrong, as a phrase that completes
/// "Cannot read PATH: …". Each module turns it into its own error type.
public struct FileReadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, so callers can tell a missing file (often a choice between two files)
    /// from a bad one.
    public enum Problem: Equatable, Sendable {
        /// Nothing exists at the path.
        case missing
        /// Something exists but is not a regular file: "a FIFO", "a device", "a folder", "a socket".
        case notARegularFile(kind: String)
        /// The file is larger than the limit for its kind.
        case tooLarge(bytes: Int, limit: Int)
        /// The system refused: errno's phrase ("permission denied").
        case system(String)
        /// The file should be UTF-8 text but is not, from this byte on.
        case notText(byteOffset: Int)
    }

    public var path: String
    public var problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    /// The problem as a phrase: "no such file", "it is a FIFO, not a regular file".
    public var reason: String {
        switch problem {
        case .missing: return "no such file"
        case .notARegularFile(let kind): return "it is \(kind), not a regular file"
        case .tooLarge(let bytes, let limit):
            return "it is \(ByteCount.text(bytes)), more than the \(ByteCount.text(limit)) such a file may have"
        case .system(let phrase): return phrase
        case .notText(let offset): return "it is not UTF-8 text (byte \(offset) is not valid UTF-8; save it as UTF-8)"
        }
    }

    public var description: String { "Cannot read \(path): \(reason)." }
}

/// The one way every reader opens an input file: without blocking (a FIFO or a terminal given
/// as input must not hang the tool), only if it is a regular file, and only up to a size limit
/// stated for each kind of file, so no input can make a reader allocate without bound.
public enum InputFile {
    /// Size limits for each kind of input, in bytes. Each is far above what asl-lab writes for
    /// the largest config it accepts, and low enough that reading one is never the problem.
    public enum Limit {
        /// labels.csv: 26 million rows (26 × the largest images_per_letter) of ~30 bytes.
        public static let labelsCSV = 1 << 30
        /// labels.xlsx, the compressed file; each part is bounded again when inflated.
        public static let labelsWorkbook = 256 << 20
        /// One PNG image (a noisy 4096-pixel RGB image is about 50 MB).
        public static let pngImage = 256 << 20
        /// A model or checkpoint (.safetensors).
        public static let model = 2 << 30
        /// A NumPy .npy array.
        public static let numPyArray = 4 << 30
        /// A YAML config file.
        public static let config = 1 << 20
        /// A report template or stylesheet.
        public static let template = 1 << 20
        /// A small JSON or CSV file a run writes (manifest, metrics, history).
        public static let runRecord = 64 << 20
    }

    /// The bytes of the regular file at `path`, at most `limit` of them; anything else (no
    /// file, a FIFO, a device, a folder, a larger file, a read error) throws.
    public static func read(_ path: String, limit: Int) throws(FileReadError) -> Data {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            throw FileReadError(path: path, problem: errno == ENOENT || errno == ENOTDIR ? .missing : .system(AtomicFile.systemReason()))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw FileReadError(path: path, problem: .system(AtomicFile.systemReason())) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw FileReadError(path: path, problem: .notARegularFile(kind: FileKind(mode: status.st_mode).phrase))
        }
        let size = Int(status.st_size)
        guard size <= limit else { throw FileReadError(path: path, problem: .tooLarge(bytes: size, limit: limit)) }
        // The size fstat gives is a hint (files in /proc say 0, a file may grow while read):
        // read until end of file, but never past the limit.
        var data = Data(count: size + 1)
        var filled = 0
        while true {
            if filled == data.count {
                guard data.count <= limit else { throw FileReadError(path: path, problem: .tooLarge(bytes: filled, limit: limit)) }
                data.count = min(limit + 1, max(data.count * 2, 4096))
            }
            let room = data.count - filled
            let n = data.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress! + filled, room) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileReadError(path: path, problem: .system(AtomicFile.systemReason()))
            }
            if n == 0 { break }
            filled += n
        }
        guard filled <= limit else { throw FileReadError(path: path, problem: .tooLarge(bytes: filled, limit: limit)) }
        data.count = filled
        return data
    }

    /// `read`, with a failure turned into the caller's own error: `makeError` gets the reason
    /// as a phrase ("it is a FIFO (named pipe), not a regular file").
    public static func read<E: Error>(_ path: String, limit: Int, orThrow makeError: (String) -> E) throws(E) -> Data {
        do {
            return try read(path, limit: limit)
        } catch {
            throw makeError(error.reason)
        }
    }

    /// The text of the UTF-8 file at `path` (`read`'s checks, then the encoding; a leading
    /// byte-order mark is dropped, as editors on Windows write one).
    public static func readText(_ path: String, limit: Int) throws(FileReadError) -> String {
        let data = try read(path, limit: limit)
        guard let text = String(validating: data, as: UTF8.self) else {
            let offset = InputText.firstInvalidUTF8(data) ?? 0
            throw FileReadError(path: path, problem: .notText(byteOffset: offset))
        }
        return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
    }

    /// `readText`, with a failure turned into the caller's own error.
    public static func readText<E: Error>(_ path: String, limit: Int, orThrow makeError: (String) -> E) throws(E) -> String {
        do {
            return try readText(path, limit: limit)
        } catch {
            throw makeError(error.reason)
        }
    }
}

/// Sizes taken from files or configs, multiplied without overflow and held to a limit before
/// anything is allocated for them.
public enum ByteCount {
    /// The product of `factors`, or nil when a factor is negative, the product overflows `Int`
    /// or exceeds `limit`.
    public static func product(_ factors: [Int], limit: Int = .max) -> Int? {
        var result = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            guard !overflow, next <= limit else { return nil }
            result = next
        }
        return result
    }

    /// The sum of `terms`, or nil when a term is negative, the sum overflows `Int` or exceeds `limit`.
    public static func sum(_ terms: [Int], limit: Int = .max) -> Int? {
        var result = 0
        for term in terms {
            guard term >= 0 else { return nil }
            let (next, overflow) = result.addingReportingOverflow(term)
            guard !overflow, next <= limit else { return nil }
            result = next
        }
        return result
    }

    /// A byte count for people: "812 bytes", "64 KB", "256 MB", "4.1 TB". The one formatter
    /// for sizes the tool shows anywhere (console, reports, lists), so a file has one size
    /// everywhere. Units are powers of 1024 (1 KB = 1024 bytes, 1 MB = 1024² bytes), as `ls -h`,
    /// `du -h` and `free -h` count them.
    public static func text(_ bytes: Int) -> String { text(Double(bytes)) }

    /// Sizes as people type them on the command line, in the units `text` prints: "5G", "500M",
    /// "2.5GB", "800KiB", "123" (bytes); K, M, G and T are powers of 1024. Nil for anything else.
    public static func parse(_ text: String) -> UInt64? {
        var number = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where number.hasSuffix(suffix) && number.count > suffix.count {
            number.removeLast(suffix.count)
            break
        }
        let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
        var scale = 1.0
        if let last = number.last, let unit = units[last] {
            scale = unit
            number.removeLast()
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0 else { return nil }
        let bytes = (value * scale).rounded()
        return bytes < 1.8e19 ? UInt64(bytes) : nil
    }

    /// `text` for counts that may not fit an `Int` (estimates).
    public static func text(_ bytes: Double) -> String {
        if bytes < 1024 { return "\(Int(bytes)) bytes" }
        let units = ["KB", "MB", "GB", "TB", "PB", "EB"]
        var value = bytes / 1024, unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return value < 10 && value != value.rounded() ? String(format: "%.1f %@", value, units[unit]) : "\(Int(value.rounded())) \(units[unit])"
    }
}
