/// Which pattern family draws each letter.
public enum FamilySet: String, Sendable, CaseIterable {
    /// A distinct family per letter (`ASL26Families`).
    case asl26
    /// The original mapping: letter i draws original style i mod 4.
    case seed4

    /// The family that draws `letter` (0 = A … 25 = Z).
    public func family(forLetter letter: Int) -> PatternFamily {
        switch self {
        case .asl26: return ASL26Families.families[letter]
        case .seed4: return OriginalStyles.styles[letter % 4]
        }
    }
}
