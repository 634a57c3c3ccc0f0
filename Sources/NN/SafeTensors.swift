import AtomicIO
import Foundation

/// Why a safetensors file cannot be used.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// (`{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, …,
/// "__metadata__": {…}}`, padded with spaces), then the raw little-endian tensor data.
public enum SafeTensors {
    /// The file bytes for `tensors` (float32), sorted by name, with string `metadata`.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) -> [UInt8] {
        let sorted = tensors.sorted { $0.name < $1.name }
        var offset = 0
        var entries: [String] = []
        for (name, tensor) in sorted {
            let end = offset + tensor.count * 4
            entries.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.insert("\"__metadata__\":{\(fields.joined(separator: ","))}", at: 0)
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        bytes += header
        for (_, tensor) in sorted {
            tensor.data.withUnsafeBytes { bytes += $0 } // x86 and ARM are little-endian like the format
        }
        return bytes
    }

    /// The largest header accepted: a SmallCNN's header with its metadata is a few KB.
    public static let maximumHeaderBytes = 16 << 20

    /// Reads a safetensors file; `source` names it in errors. Hostile input (lengths, offsets,
    /// shapes, dtypes, duplicate keys) is an error, never a crash: every size is checked against
    /// the file's length before anything is allocated for it.
    public static func decode(_ bytes: [UInt8], source: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(description: "\(source) is not a valid safetensors file: \(problem)") }
        guard bytes.count >= 8 else { throw fail("it is \(bytes.count) bytes long, shorter than the 8-byte header length") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail("the header claims \(headerLength) bytes but the file has \(bytes.count - 8) after the length")
        }
        guard headerLength <= UInt64(maximumHeaderBytes) else {
            throw fail("the header is \(headerLength) bytes, more than the \(maximumHeaderBytes) accepted")
        }
        let dataStart = 8 + Int(headerLength)
        let headerBytes = bytes[8..<dataStart]
        // JSONSerialization keeps one of two equal keys silently; a file saying two things
        // about one tensor is refused instead.
        if let problem = JSONKeyCheck.problem(in: headerBytes) { throw fail("its header \(problem)") }
        guard let json = try? JSONSerialization.jsonObject(with: Data(headerBytes)), let header = json as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let meta = header["__metadata__"] {
            guard let fields = meta as? [String: Any] else { throw fail("__metadata__ is not an object") }
            for (key, value) in fields {
                guard let text = value as? String else { throw fail("metadata \"\(key)\" is not a string") }
                metadata[key] = text
            }
        }
        let dataLength = bytes.count - dataStart
        // First every entry's dtype, shape and byte range, checked against the data's length
        // and each other; only then any tensor is allocated (a header may point thousands of
        // entries at one range).
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any] else { throw fail("the entry \"\(name)\" is not an object") }
            guard let dtype = entry["dtype"] as? String else { throw fail("\"\(name)\" has no dtype") }
            guard dtype == "F32" else { throw fail("\"\(name)\" has dtype \(dtype); only F32 is supported") }
            guard let shapeValues = entry["shape"] as? [Any], let offsets = entry["data_offsets"] as? [Any], offsets.count == 2 else {
                throw fail("\"\(name)\" lacks a shape or a pair of data_offsets")
            }
            guard shapeValues.count <= 8 else { throw fail("\"\(name)\" has \(shapeValues.count) dimensions; at most 8 are accepted") }
            var shape: [Int] = []
            for dimension in shapeValues {
                guard let d = wholeNumber(dimension), d <= 1 << 31 else { throw fail("\"\(name)\" has an invalid dimension") }
                shape.append(d)
            }
            guard let count = ByteCount.product(shape, limit: 1 << 34), let byteCount = ByteCount.product([count, 4]) else {
                throw fail("\"\(name)\" has a shape too large to hold")
            }
            guard let begin = wholeNumber(offsets[0]), let end = wholeNumber(offsets[1]), end >= begin, end <= dataLength else {
                throw fail("the data_offsets of \"\(name)\" lie outside the \(dataLength) data bytes")
            }
            guard end - begin == byteCount else {
                throw fail("\"\(name)\" has \(end - begin) data bytes but its shape \(shape) needs \(byteCount)")
            }
            entries.append((name, shape, begin, end))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        for (a, b) in zip(entries, entries.dropFirst()) where b.begin < a.end {
            throw fail("the data of \"\(a.name)\" and \"\(b.name)\" overlap")
        }
        var tensors: [String: Tensor] = [:]
        for entry in entries {
            var values = [Float](repeating: 0, count: (entry.end - entry.begin) / 4)
            values.withUnsafeMutableBytes { out in
                bytes.withUnsafeBytes { src in
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(dataStart + entry.begin)..<(dataStart + entry.end)]))
                }
            }
            tensors[entry.name] = Tensor(shape: entry.shape, data: values)
        }
        return (tensors, metadata)
    }

    /// A JSON number that is a whole number ≥ 0 and fits an `Int`, or nil (`NSNumber.intValue`
    /// of 1e300 is not defined).
    private static func wholeNumber(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.isFinite, double >= 0, double < 9e15, double == double.rounded() else { return nil }
        // Integers above 2^53 lose digits as doubles: take the exact integer where there is one.
        return number.int64Value >= 0 && Double(number.int64Value) == double ? Int(number.int64Value) : Int(double)
    }

    private static func jsonString(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}
