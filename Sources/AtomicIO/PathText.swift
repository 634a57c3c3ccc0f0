/// Path arithmetic done on the text, for where Foundation's is unsafe: on Linux,
/// `NSString.deletingLastPathComponent` crashes on a one-character relative path such as `C`
/// or `.` (swift-corelibs-foundation), which a user's `--cache C` reaches.
public enum PathText {
    /// The folder part of `path`, as `NSString.deletingLastPathComponent` gives it: "" for a
    /// bare name, "/" for a name in the root, trailing and repeated slashes ignored.
    public static func parent(_ path: String) -> String {
        var text = Substring(path)
        while text.count > 1, text.hasSuffix("/") { text = text.dropLast() }
        guard text != "/" else { return "/" }
        guard let slash = text.lastIndex(of: "/") else { return "" }
        var folder = text[..<slash]
        while folder.hasSuffix("/") { folder = folder.dropLast() }
        return folder.isEmpty ? "/" : String(folder)
    }

    /// `name` as part of a file name: letters, digits, "-" and "_" kept, anything else "-", at
    /// most 60 characters (how run and sweep folders carry the names users give them).
    public static func fileNamePart(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" }.prefix(60))
    }
}
