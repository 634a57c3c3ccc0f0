/// Facts about this build of the tool, recorded in every artifact it writes.
public enum ToolInfo {
    /// Semantic version of asl-lab; part of every stage's cache key.
    public static let version = "0.1.0"

    /// The git commit the binary was built from, recorded when it was built (nil when it was
    /// built outside a git checkout).
    public static let commit: String? = SourceRevision.commit

    /// Whether the checkout it was built from had changes that commit does not hold.
    public static let dirty: Bool = SourceRevision.dirty

    /// What `asl-lab --version` prints: "0.1.0 (commit 1a2b…, clean)".
    public static var versionLine: String {
        guard let commit else { return "\(version) (built outside a git checkout: commit unknown)" }
        return "\(version) (commit \(commit), \(dirty ? "with uncommitted changes" : "clean"))"
    }
}
