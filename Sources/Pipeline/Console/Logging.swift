import Foundation
import Logging

/// Log lines on standard error: `[HH:mm:ss] level: message key=value …`.
public struct StandardErrorLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        ConsoleOutput.standardError.write("[\(Self.clock())] \(event.level): \(event.message)\(fields)\n")
    }

    private static func clock() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}

/// Sets up swift-log once per process: info by default, debug when `verbose`.
public enum LogSetup {
    private static let once: Void = {
        LoggingSystem.bootstrap { StandardErrorLogHandler(label: $0, level: .info) }
    }()

    public static func bootstrap() { _ = once }

    /// The tool's logger.
    public static func logger(_ label: String = "asl-lab") -> Logger {
        bootstrap()
        return Logger(label: label)
    }
}
