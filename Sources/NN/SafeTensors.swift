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

    /// Reads a safetensors file; `source` names it in errors. Hostile input (lengths, offsets,
    /// shapes, dtypes) is an error, never a crash.
    public static func decode(_ bytes: [UInt8], source: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(description: "\(source) is not a valid safetensors file: \(problem)") }
        guard bytes.count >= 8 else { throw fail("it is \(bytes.count) bytes long, shorter than the 8-byte header length") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= 100_000_000, headerLength <= UInt64(bytes.count - 8) else {
            throw fail("the header claims \(headerLength) bytes but the file has \(bytes.count - 8) after the length")
        }
        let dataStart = 8 + Int(headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])), let header = json as? [String: Any] else {
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
        var tensors: [String: Tensor] = [:]
        var ranges: [(Int, Int, String)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any] else { throw fail("the entry \"\(name)\" is not an object") }
            guard let dtype = entry["dtype"] as? String else { throw fail("\"\(name)\" has no dtype") }
            guard dtype == "F32" else { throw fail("\"\(name)\" has dtype \(dtype); only F32 is supported") }
            guard let shapeValues = entry["shape"] as? [Any], let offsets = entry["data_offsets"] as? [Any], offsets.count == 2 else {
                throw fail("\"\(name)\" lacks a shape or a pair of data_offsets")
            }
            var count = 1
            var shape: [Int] = []
            for dimension in shapeValues {
                guard let d = (dimension as? NSNumber)?.intValue, d >= 0, d <= 1 << 31 else { throw fail("\"\(name)\" has an invalid dimension") }
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, product <= 1 << 34 else { throw fail("\"\(name)\" has a shape too large to hold") }
                count = product
                shape.append(d)
            }
            guard let begin = (offsets[0] as? NSNumber)?.intValue, let end = (offsets[1] as? NSNumber)?.intValue,
                  begin >= 0, end >= begin, end <= dataLength else {
                throw fail("the data_offsets of \"\(name)\" lie outside the \(dataLength) data bytes")
            }
            guard end - begin == count * 4 else {
                throw fail("\"\(name)\" has \(end - begin) data bytes but its shape \(shape) needs \(count * 4)")
            }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { out in
                bytes.withUnsafeBytes { src in out.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(dataStart + begin)..<(dataStart + end)])) }
            }
            tensors[name] = Tensor(shape: shape, data: values)
            ranges.append((begin, end, name))
        }
        ranges.sort { $0.0 < $1.0 }
        for (a, b) in zip(ranges, ranges.dropFirst()) where b.0 < a.1 {
            throw fail("the data of \"\(a.2)\" and \"\(b.2)\" overlap")
        }
        return (tensors, metadata)
    }

    private static func jsonString(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}
