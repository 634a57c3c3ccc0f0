import AtomicIO
import Foundation

/// A NumPy `.npy` array (format 1.0, little-endian, C order) of float32 or int32: what
/// `numpy.save` writes and `numpy.load` reads. Our arrays go to other tools through it.
public struct NumPyArray: Equatable, Sendable {
    public enum Values: Equatable, Sendable {
        case float32([Float])
        case int32([Int32])
    }

    public var shape: [Int]
    public var values: Values

    public init(shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "npy data (\(floats.count)) does not match shape \(shape)")
        self.shape = shape
        self.values = .float32(floats)
    }

    public init(shape: [Int], ints: [Int32]) {
        precondition(shape.reduce(1, *) == ints.count, "npy data (\(ints.count)) does not match shape \(shape)")
        self.shape = shape
        self.values = .int32(ints)
    }

    /// The values as float32 (int32 arrays converted).
    public var floats: [Float] {
        switch values {
        case .float32(let v): return v
        case .int32(let v): return v.map(Float.init)
        }
    }

    /// The file's bytes: magic, version 1.0, a header padded so the data starts on a
    /// 64-byte boundary (as numpy does), then the values.
    public func encoded() -> [UInt8] {
        let descr: String
        switch values {
        case .float32: descr = "<f4"
        case .int32: descr = "<i4"
        }
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        bytes += [UInt8(length & 0xff), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        switch values {
        case .float32(let v): v.withUnsafeBytes { bytes += $0 } // x86-64 and arm64 are little-endian
        case .int32(let v): v.withUnsafeBytes { bytes += $0 }
        }
        return bytes
    }

    /// Writes the array to `path` through a temporary file and a rename.
    public func write(to path: String) throws {
        do { try AtomicFile.write(Data(encoded()), to: path) } catch {
            throw NumPyError(path: path, problem: "it cannot be written (\(error.reason))")
        }
    }

    /// Reads a float32 or int32 `.npy` file, checking magic, header, dtype, order and length.
    public static func read(path: String) throws -> NumPyArray {
        let data = try InputFile.read(path, limit: InputFile.Limit.numPyArray) { NumPyError(path: path, problem: $0) }
        return try decode([UInt8](data), source: path)
    }

    /// Parses `.npy` bytes; `source` names the file in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws -> NumPyArray {
        func fail(_ problem: String) -> NumPyError { NumPyError(path: source, problem: problem) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw fail("it is not a NumPy .npy file (wrong magic bytes)")
        }
        let major = bytes[6]
        let headerStart: Int, headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("its header is truncated") }
            headerStart = 12
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        default:
            throw fail("it has .npy format version \(major), which is not supported")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw fail("its header is truncated: it claims \(headerLength) bytes, the file has \(bytes.count - headerStart) after the length")
        }
        guard headerLength <= maximumHeaderBytes else { throw fail("its header is \(headerLength) bytes, more than the \(maximumHeaderBytes) accepted") }
        guard let header = String(validating: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self) else {
            throw fail("its header is not text")
        }

        guard let descr = field("descr", in: header) else { throw fail("its header has no 'descr'") }
        let dtype = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        // The type comes first: a float64 file is a type to convert, not a size mismatch.
        guard dtype == "<f4" || dtype == "<i4" else { throw fail(dtypeProblem(dtype)) }
        guard let order = field("fortran_order", in: header) else { throw fail("its header has no 'fortran_order'") }
        guard order == "False" else { throw fail("it is stored in Fortran order; save it with C order (numpy.ascontiguousarray)") }
        guard let shapeText = field("shape", in: header) else { throw fail("its header has no 'shape'") }
        let inner = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        let shownShape = InputText.shown(shapeText, limit: 60)
        var shape: [Int] = []
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let n = Int(text), n >= 0 else { throw fail("its shape \(shownShape) is not a list of sizes") }
            shape.append(n)
        }
        guard shape.count <= 32 else { throw fail("its shape has \(shape.count) dimensions; NumPy allows 32") }
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart
        guard let count = ByteCount.product(shape), let needed = ByteCount.product([count, 4]) else {
            throw fail("its shape \(shownShape) describes more bytes than any file holds")
        }
        guard available == needed else {
            throw fail(available < needed
                ? "it is truncated: shape \(shownShape) needs \(needed) bytes of data, the file has \(available)"
                : "its data is \(available) bytes, but shape \(shownShape) needs \(needed)")
        }
        let payload = bytes[dataStart...]
        if dtype == "<f4" {
            let values = payload.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
            return NumPyArray(shape: shape, floats: values)
        }
        let values = payload.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self) } }
        return NumPyArray(shape: shape, ints: values)
    }

    /// Largest header accepted (numpy itself refuses headers over 10 000 bytes by default).
    static let maximumHeaderBytes = 1 << 20

    /// What to say about a dtype asl-lab does not read, with how to convert it.
    static func dtypeProblem(_ dtype: String) -> String {
        let convert = "convert it with numpy.save(path, numpy.load(path).astype(numpy.float32))"
        switch dtype {
        case "<f8", "<f2", "<i8", "<i2", "|i1", "|u1", "<u2", "<u4", "<u8", "|b1":
            return "its dtype is \(dtype) (\(dtypeName(dtype))); asl-lab reads float32 ('<f4') and int32 ('<i4'): \(convert)"
        case ">f4", ">i4", ">f8":
            return "its dtype is \(dtype), big-endian; asl-lab reads little-endian float32 ('<f4') and int32 ('<i4'): \(convert)"
        default:
            return "its dtype is \(InputText.quoted(dtype, limit: 20)); asl-lab reads float32 ('<f4') and int32 ('<i4'): \(convert)"
        }
    }

    private static func dtypeName(_ dtype: String) -> String {
        ["<f8": "float64", "<f2": "float16", "<i8": "int64", "<i2": "int16", "|i1": "int8", "|u1": "uint8", "<u2": "uint16",
         "<u4": "uint32", "<u8": "uint64", "|b1": "bool"][dtype] ?? dtype
    }

    /// The raw value text of `'key': value` in a header dict (a tuple is returned whole).
    private static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[keyRange.upperBound...].drop { $0 == " " }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
        return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
    }
}

/// A `.npy` file that cannot be read or written.
public struct NumPyError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)." }
}
