/// Facts about this build of the tool, recorded in every artifact it writes.
public enum ToolInfo {
    /// Semantic version of asl-lab; part of every stage's cache key.
    public static let version = "0.1.0"
}
