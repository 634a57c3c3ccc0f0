/// What can go wrong while drawing, encoding or decoding images.
public enum CanvasError: Error, CustomStringConvertible, Equatable {
    /// A PNG could not be decoded; `source` names the file (or "data" for bytes in memory).
    case unreadablePNG(source: String, reason: String)
    /// Encoding a PNG failed inside libpng.
    case encodingFailed(reason: String)
    /// Cairo refused to create or finish a surface.
    case cairo(status: String)
    /// A file could not be read or written.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadablePNG(let source, let reason):
            return "Cannot read the PNG image \(source): \(reason)."
        case .encodingFailed(let reason):
            return "Cannot encode a PNG image: \(reason)."
        case .cairo(let status):
            return "The drawing library Cairo reported an error: \(status)."
        case .io(let path, let reason):
            return "Cannot access \(path): \(reason)."
        }
    }
}
