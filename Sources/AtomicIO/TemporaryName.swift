import Foundation

/// Names for temporary files and folders beside their final place:
/// `.NAME.KIND-HOST-PID-RANDOM`. The random part (64 bits from the system's generator) makes
/// the name unpredictable, so nobody can plant a link under it in advance; the host and the
/// process id let a later run tell a leftover of a dead process from the work of a live one,
/// even on a file system that several machines share.
public struct TemporaryName: Equatable, Sendable {
    /// "tmp" for files, "partial" for folders.
    public var kind: String
    public var host: String
    public var pid: Int32

    /// A fresh name for a temporary beside `finalName`.
    public static func make(for finalName: String, kind: String) -> String {
        // The final name is shortened so that the temporary name stays within NAME_MAX whenever
        // the final name does.
        let stem = String(decoding: finalName.utf8.prefix(Int(NAME_MAX) - 64), as: UTF8.self)
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return ".\(stem).\(kind)-\(hostTag)-\(getpid())-\(random)"
    }

    /// Parses a name `make` produced; nil for any other name.
    public init?(parsing name: String) {
        guard name.hasPrefix("."), let dash = name.range(of: "-", options: .backwards) else { return nil }
        let head = name[..<dash.lowerBound]
        let parts = head.split(separator: "-")
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 1]),
              let kindStart = parts[parts.count - 3].range(of: ".", options: .backwards) else { return nil }
        let kind = String(parts[parts.count - 3][kindStart.upperBound...])
        guard kind == "tmp" || kind == "partial", UInt64(name[dash.upperBound...], radix: 16) != nil else { return nil }
        self.kind = kind
        host = String(parts[parts.count - 2])
        self.pid = pid
    }

    /// Whether the process that made this name is certainly gone: it ran on this host and no
    /// process with its id is alive. (On another host nothing can be known, so nothing is.)
    public var isLeftover: Bool {
        host == Self.hostTag && kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Eight hex digits naming this machine (FNV-1a of its host name).
    public static let hostTag: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        var hash: UInt32 = 2_166_136_261
        for byte in buffer.prefix(while: { $0 != 0 }).map({ UInt8(bitPattern: $0) }) { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }()
}
