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
        if let problem = sizeProblem(bytes, width: Int(width), height: Int(height)) {
            throw CanvasError.unreadablePNG(source: source, reason: problem)
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

    /// Reads and decodes the PNG file at `path` (a regular file of at most
    /// `InputFile.Limit.pngImage` bytes).
    public static func read(path: String) throws -> RGBImage {
        let data = try InputFile.read(path, limit: InputFile.Limit.pngImage) { CanvasError.io(path: path, reason: $0) }
        return try decode([UInt8](data), source: path)
    }

    /// Most pixels a decoded image may have: 32 Mi (a 5792-pixel square; data sets go up to
    /// 4096), so decoding never asks for more than about 130 MB.
    public static let maximumPixels = 1 << 25

    /// Why a header's size cannot be decoded from these bytes, or nil: too many pixels, or
    /// more raw bytes than the file could hold at deflate's best ratio (1032 : 1), which
    /// tells a truncated or lying file before its pixels are allocated.
    static func sizeProblem(_ bytes: [UInt8], width: Int, height: Int) -> String? {
        guard ByteCount.product([width, height], limit: maximumPixels) != nil else {
            return "it is \(width) × \(height) pixels, more than the \(maximumPixels) pixels an image may have"
        }
        // libpng has checked the signature and IHDR, the first chunk: bit depth and colour type.
        guard bytes.count >= 26 else { return nil }
        let channels: Int
        switch bytes[25] {
        case 2: channels = 3
        case 4: channels = 2
        case 6: channels = 4
        default: channels = 1
        }
        let rowBytes = (width * channels * Int(bytes[24]) + 7) / 8 + 1 // + the filter byte
        let raw = height * rowBytes
        guard raw <= bytes.count * 1032 + 1024 else {
            return "the file is \(bytes.count) bytes, too short to hold \(width) × \(height) pixels (it is truncated or damaged)"
        }
        return nil
    }

    /// Encodes `image` and writes it to `path` atomically (temporary file, then rename).
    public static func write(_ image: RGBImage, to path: String, compression: Compression = .fast) throws {
        let bytes = try encode(image, compression: compression)
        try AtomicFile.write(Data(bytes), to: path)
    }
}

/// The NUL-terminated text libpng left in `buffer`.
private func errorText(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
