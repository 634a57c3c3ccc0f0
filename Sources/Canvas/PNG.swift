import AtomicIO
import Foundation
import PNGCodec

/// PNG encoding and decoding through libpng.
public enum PNG {
    /// How hard zlib works: `fast` is what data sets use (speed first), `small` is for figures.
    public struct Compression: Sendable, Equatable {
        /// zlib level, 0 (store) … 9 (smallest).
        public var level: Int32
        /// Row filter: 0 none, 1 sub, 2 up, 3 adaptive (libpng picks per row).
        public var filter: Int32
        /// zlib strategy: 0 default, 1 filtered, 2 Huffman only, 3 RLE.
        public var strategy: Int32
        public init(level: Int32, filter: Int32, strategy: Int32 = 0) {
            self.level = level
            self.filter = filter
            self.strategy = strategy
        }
        public static let fast = Compression(level: 1, filter: 1)
        public static let small = Compression(level: 6, filter: 3)
        /// Our own encoder: Up filter, one dynamic Huffman block, no LZ77. Several times
        /// faster than zlib for noisy images (data set samples), and as small as zlib's
        /// Huffman-only strategy; poor for flat images (figures), which need `.small`.
        public static let huffmanOnly = Compression(level: -1, filter: 2, strategy: 2)
    }

    /// The PNG file bytes of `image`.
    public static func encode(_ image: RGBImage, compression: Compression = .fast) throws -> [UInt8] {
        var buffer = asl_png_buffer(data: nil, size: 0, capacity: 0)
        defer { asl_png_buffer_free(&buffer) }
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            if compression == .huffmanOnly {
                return asl_png_encode_rgb_fast(pixels.baseAddress, UInt32(image.width), UInt32(image.height),
                                               &buffer, &message, message.count)
            }
            return asl_png_encode_rgb(pixels.baseAddress, UInt32(image.width), UInt32(image.height),
                                      compression.level, compression.filter, compression.strategy, &buffer, &message, message.count)
        }
        guard status == 0, let data = buffer.data else {
            throw CanvasError.encodingFailed(reason: errorText(message))
        }
        return Array(UnsafeBufferPointer(start: data, count: buffer.size))
    }

    /// Decodes PNG bytes into RGB; `source` names them in errors.
    public static func decode(_ bytes: [UInt8], source: String = "data") throws -> RGBImage {
        var message = [CChar](repeating: 0, count: 256)
        var width: UInt32 = 0
        var height: UInt32 = 0
        let sizeStatus = bytes.withUnsafeBufferPointer { asl_png_read_size($0.baseAddress, $0.count, &width, &height, &message, message.count) }
        guard sizeStatus == 0 else {
            throw CanvasError.unreadablePNG(source: source, reason: errorText(message))
        }
        guard width > 0, height > 0 else {
            throw CanvasError.unreadablePNG(source: source, reason: "the image is empty")
        }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        let status = bytes.withUnsafeBufferPointer { input in
            pixels.withUnsafeMutableBufferPointer { output in
                asl_png_decode_rgb(input.baseAddress, input.count, output.baseAddress, width, height, &message, message.count)
            }
        }
        guard status == 0 else {
            throw CanvasError.unreadablePNG(source: source, reason: errorText(message))
        }
        return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    /// Reads and decodes the PNG file at `path`.
    public static func read(path: String) throws -> RGBImage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CanvasError.io(path: path, reason: FileManager.default.fileExists(atPath: path) ? "it cannot be read" : "no such file")
        }
        return try decode([UInt8](data), source: path)
    }

    /// Encodes `image` and writes it to `path` atomically (temporary file, then rename).
    public static func write(_ image: RGBImage, to path: String, compression: Compression = .fast) throws {
        let bytes = try encode(image, compression: compression)
        do { try AtomicFile.write(Data(bytes), to: path) } catch { throw CanvasError.io(path: error.path, reason: error.reason) }
    }
}

/// The NUL-terminated text libpng left in `buffer`.
private func errorText(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
