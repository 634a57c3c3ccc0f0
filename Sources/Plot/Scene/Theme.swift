import Canvas

/// The house style: matplotlib-like clean defaults (light grid, open top and right spines,
/// 11–13 px DejaVu Sans). Sizes are CSS pixels.
public enum Theme {
    public static let fontFamily = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif"
    public static let text = Color(bytes: 0x26, 0x26, 0x26)
    public static let mutedText = Color(bytes: 0x4d, 0x4d, 0x4d)
    public static let spine = Color(bytes: 0x6e, 0x6e, 0x6e)
    public static let grid = Color(bytes: 0xe6, 0xe6, 0xe6)
    public static let legendBorder = Color(bytes: 0xd9, 0xd9, 0xd9)
    public static let missing = Color(bytes: 0xee, 0xee, 0xee)

    public static let tickLabelSize = 11.0
    public static let axisLabelSize = 12.0
    public static let titleSize = 13.0
    public static let figureTitleSize = 14.5
    public static let legendSize = 11.0

    public static let tickLength = 4.0
    public static let tickPad = 3.0
    public static let spineWidth = 1.0
    public static let gridWidth = 1.0
    public static let lineWidth = 1.75
    public static let outerPad = 8.0
}
