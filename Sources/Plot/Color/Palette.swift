import Canvas

/// Categorical colour palettes: colours for classes and series, each readable on white.
public enum Palette {
    /// matplotlib's default colour cycle ("tab10"), used for series in the order they are added.
    public static let tab10: [Color] = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ].map { Color(hex: $0)! }

    /// 26 distinct colours for the letters A–Z: tab10 without its grey, then 17 colours picked
    /// greedily to be as far as possible (CIELAB ΔE) from all before them, with lightness
    /// L* 32…72 and chroma 30…78 so none is near-white or neon, and at least 50 apart in 8-bit
    /// RGB. Neighbouring letters therefore differ most; the smallest pairwise ΔE is 27.5.
    public static let categorical26: [Color] = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
        "#bcbd22", "#17becf", "#165937", "#a6b17a", "#a6004e", "#9b6f0b", "#ff907a",
        "#007aff", "#00b185", "#9b0090", "#4e6400", "#90370b", "#de7aff", "#4e37b1",
        "#b1a6de", "#ff439b", "#64436f", "#d37a90", "#00bcff",
    ].map { Color(hex: $0)! }

    /// The colour for class `index`: `categorical26` for up to 26 classes, cycling beyond.
    public static func color(forClass index: Int) -> Color {
        categorical26[((index % categorical26.count) + categorical26.count) % categorical26.count]
    }
}
