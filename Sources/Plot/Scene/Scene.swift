import Canvas

/// A figure flattened into drawing primitives in CSS pixels: what marks and axes decide,
/// and all that the SVG and raster writers need to draw. Writers make no layout decisions.
public struct Scene: Sendable {
    public var width: Double
    public var height: Double
    public var background: Color
    /// A short description for the SVG's `<title>` (screen readers, hover), if any.
    public var title: String?
    public var items: [SceneItem]

    public init(width: Double, height: Double, background: Color = .white, title: String? = nil, items: [SceneItem] = []) {
        self.width = width
        self.height = height
        self.background = background
        self.title = title
        self.items = items
    }
}

/// How a line or outline is stroked.
public struct Stroke: Equatable, Sendable {
    public var color: Color
    /// Width in CSS pixels.
    public var width: Double
    /// Dash pattern (on, off, …) in CSS pixels; empty for a solid line.
    public var dash: [Double]

    public init(color: Color, width: Double = 1, dash: [Double] = []) {
        self.color = color
        self.width = width
        self.dash = dash
    }
}

/// Which point of a text's box `TextItem.position` names, horizontally.
public enum TextAnchor: String, Sendable {
    case start, middle, end
}

/// Which point of a text's box `TextItem.position` names, vertically.
public enum TextBaseline: Sendable {
    /// The baseline letters sit on.
    case alphabetic
    /// Half-way up capital letters and digits.
    case middle
    /// The top of capital letters and digits.
    case top
    /// The bottom of descenders.
    case bottom

    /// How far below `position` the alphabetic baseline lies, for DejaVu Sans at `size`
    /// (cap height 0.73 em, descent 0.24 em), in the text's own (possibly rotated) frame.
    func offset(size: Double) -> Double {
        switch self {
        case .alphabetic: return 0
        case .middle: return 0.365 * size
        case .top: return 0.76 * size
        case .bottom: return -0.24 * size
        }
    }
}

/// One run of text in DejaVu Sans.
public struct TextItem: Equatable, Sendable {
    public var text: String
    public var position: Point
    /// Font size in CSS pixels.
    public var size: Double
    public var color: Color
    public var anchor: TextAnchor
    public var baseline: TextBaseline
    public var bold: Bool
    /// Rotation about `position` in degrees, clockwise on screen (−90 reads bottom to top).
    public var rotation: Double
    /// A halo of this colour behind the glyphs keeps text readable over dense marks.
    public var halo: Color?
    /// The SVG class of the `<text>` element (for tests and styling).
    public var className: String?

    public init(_ text: String, at position: Point, size: Double, color: Color = Theme.text, anchor: TextAnchor = .start,
                baseline: TextBaseline = .alphabetic, bold: Bool = false, rotation: Double = 0, halo: Color? = nil,
                className: String? = nil) {
        self.text = text
        self.position = position
        self.size = size
        self.color = color
        self.anchor = anchor
        self.baseline = baseline
        self.bold = bold
        self.rotation = rotation
        self.halo = halo
        self.className = className
    }
}

/// How an image is resampled when drawn at another size.
public enum ImageInterpolation: Sendable {
    /// Smooth filtering (photographs, samples shrunk into thumbnails).
    case smooth
    /// Hard pixel edges (heatmaps as images, small filters blown up).
    case nearest
}

/// A named group of items, optionally clipped, optionally turned into one raster image in SVG.
public struct SceneGroup: Sendable {
    /// The SVG class of the `<g>` (e.g. "axes", "grid", "mark scatter").
    public var className: String
    /// Items are clipped to this rectangle.
    public var clip: Rect?
    /// When set (with `clip`), the SVG writer draws the items into a PNG of the clip rectangle
    /// at `rasterScale` × resolution on this background and embeds it as one `<image>`; the
    /// raster writer draws the items as usual. Keeps SVGs of 50 000 points small.
    public var raster: Color?
    public var items: [SceneItem]

    public init(className: String, clip: Rect? = nil, raster: Color? = nil, items: [SceneItem]) {
        self.className = className
        self.clip = clip
        self.raster = raster
        self.items = items
    }
}

/// One drawing primitive. Coordinates are CSS pixels of the figure.
public indirect enum SceneItem: Sendable {
    case line(from: Point, to: Point, stroke: Stroke)
    /// An open polyline (`closed: false`) or a polygon.
    case path(points: [Point], closed: Bool, fill: Color?, stroke: Stroke?)
    case rect(Rect, fill: Color?, stroke: Stroke?)
    case circle(center: Point, radius: Double, fill: Color?, stroke: Stroke?)
    case text(TextItem)
    case image(RGBImage, frame: Rect, interpolation: ImageInterpolation)
    case group(SceneGroup)
}
