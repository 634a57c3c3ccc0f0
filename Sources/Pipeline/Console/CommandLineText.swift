/// A command line as text a user can paste into a POSIX shell: arguments with spaces, quotes
/// or shell characters are single-quoted.
public enum CommandLineText {
    public static func line(_ arguments: [String]) -> String {
        arguments.map(quote).joined(separator: " ")
    }

    public static func quote(_ argument: String) -> String {
        let plain = !argument.isEmpty && argument.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil)) || "-_./=:,+@%".unicodeScalars.contains($0)
        }
        return plain ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The command that started this process, as `asl-lab …`.
    public static var current: String {
        line(["asl-lab"] + CommandLine.arguments.dropFirst())
    }
}
