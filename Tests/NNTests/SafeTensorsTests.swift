import XCTest
@testable import NN

final class SafeTensorsTests: XCTestCase {
    let tensors: [(name: String, tensor: Tensor)] = [
        ("b.weight", Tensor(shape: [2, 3], data: [1, -2, 3.5, 0, .leastNonzeroMagnitude, 1e30])),
        ("a.bias", Tensor(shape: [1], data: [0.25])),
    ]

    func testRoundTripAndLayout() throws {
        let bytes = SafeTensors.encode(tensors, metadata: ["config_hash": "abc", "classes": "ABC"])
        let headerLength = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        XCTAssertEqual(headerLength % 8, 0)
        XCTAssertEqual(bytes.count, 8 + headerLength + 7 * 4)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{\"__metadata__\":{\"classes\":\"ABC\",\"config_hash\":\"abc\"},\"a.bias\""), header)
        XCTAssertTrue(header.contains("\"b.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[4,28]}"), header)
        let (decoded, metadata) = try SafeTensors.decode(bytes, source: "m.safetensors")
        XCTAssertEqual(metadata, ["config_hash": "abc", "classes": "ABC"])
        XCTAssertEqual(decoded["b.weight"], tensors[0].tensor)
        XCTAssertEqual(decoded["a.bias"], tensors[1].tensor)
    }

    func testModelRoundTripThroughStateTensors() throws {
        let model = SmallCNN(architecture: SmallCNNArchitecture(inputSize: 16, channels: [2, 3, 4], classHidden: 5, distanceHidden: 3), seed: 2)
        let bytes = SafeTensors.encode(model.stateTensors(), metadata: [:])
        let other = SmallCNN(architecture: model.architecture, seed: 99)
        try other.load(try SafeTensors.decode(bytes, source: "x").tensors)
        XCTAssertEqual(other.stateTensors().map(\.tensor), model.stateTensors().map(\.tensor))
        var wrong = try SafeTensors.decode(bytes, source: "x").tensors
        wrong["class_head.2.bias"] = Tensor(zeros: [25])
        XCTAssertThrowsError(try other.load(wrong)) { error in
            XCTAssertEqual("\(error)", "\"class_head.2.bias\" has shape [25], but this model needs [26]")
        }
        wrong.removeValue(forKey: "class_head.2.bias")
        XCTAssertThrowsError(try other.load(wrong)) { XCTAssertEqual("\($0)", "it has no tensor \"class_head.2.bias\"") }
    }

    func testHostileFilesAreErrorsNamingTheSource() {
        let good = SafeTensors.encode(tensors, metadata: [:])
        func problem(_ bytes: [UInt8]) -> String? {
            do { _ = try SafeTensors.decode(bytes, source: "evil.safetensors"); return nil } catch { return "\(error)" }
        }
        func withHeader(_ json: String, data: Int = 8) -> [UInt8] {
            var header = Array(json.utf8)
            while header.count % 8 != 0 { header.append(0x20) }
            var bytes = [UInt8]()
            withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
            return bytes + header + [UInt8](repeating: 0, count: data)
        }
        XCTAssertEqual(problem([1, 2, 3]), "evil.safetensors is not a valid safetensors file: it is 3 bytes long, shorter than the 8-byte header length")
        var huge = good
        huge[7] = 0x7F
        XCTAssertTrue(problem(huge)!.contains("the header claims"))
        XCTAssertTrue(problem(Array(good.prefix(good.count - 3)))!.contains("lie outside"), "truncated data")
        XCTAssertTrue(problem(withHeader("[1,2]"))!.contains("not a JSON object"))
        XCTAssertTrue(problem(withHeader("{\"x\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}"))!.contains("dtype F16"))
        XCTAssertTrue(problem(withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}"))!.contains("needs 12"))
        XCTAssertTrue(problem(withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}"))!.contains("invalid dimension"))
        XCTAssertTrue(problem(withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}"))!.contains("lie outside"))
        XCTAssertTrue(problem(withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}"))!.contains("overlap"))
        XCTAssertTrue(problem(withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}"))!.contains("dimension"))
    }
}
