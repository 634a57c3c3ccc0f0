import Canvas

/// Twenty-six visually distinct pattern families, one per letter A–Z.
public enum ASL26Families {
    /// In letter order: `families[0]` draws A.
    public static let families: [PatternFamily] = Array(repeating: OriginalStyles.LineCluster(), count: 26) // placeholder until the families land
}
