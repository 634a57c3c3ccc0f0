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
}
