/// A count with its noun for people: "1 epoch", "3 epochs", "1 cache entry", "2 cache entries".
/// Every count the tool prints goes through it, so no message says "1 epochs".
public enum Count {
    /// `n` and the noun, singular for exactly 1 and plural otherwise (0 included); `plural`
    /// defaults to the singular + "s".
    public static func of(_ n: Int, _ singular: String, plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? singular : plural ?? singular + "s")
    }

    /// The noun alone, for a count already written elsewhere in the sentence.
    public static func noun(_ n: Int, _ singular: String, plural: String? = nil) -> String {
        n == 1 ? singular : plural ?? singular + "s"
    }
}
