import Analysis
import XCTest

final class NumPyArrayTests: XCTestCase {
    func testRoundTripKeepsShapeAndValues() throws {
        let array = NumPyArray(shape: [2, 3], floats: [1, -2, 3.5, 0, .pi, 1e-7])
        let bytes = array.encoded()
        XCTAssertEqual((bytes.count - 6 * 4) % 64, 0, "data starts on a 64-byte boundary")
        XCTAssertEqual(try NumPyArray.decode(bytes, source: "x.npy"), array)
        let ints = NumPyArray(shape: [4], ints: [1, -1, 0, .max])
        XCTAssertEqual(try NumPyArray.decode(ints.encoded(), source: "y.npy"), ints)
    }

    func testHeaderIsWhatNumpyWrites() {
        let bytes = NumPyArray(shape: [5], floats: [0, 0, 0, 0, 0]).encoded()
        let header = String(decoding: bytes[10..<(bytes.count - 20)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }"), header)
        XCTAssertTrue(header.hasSuffix("\n"))
    }

    func testBadFilesAreRejectedWithTheReason() {
        let good = NumPyArray(shape: [2, 2], floats: [1, 2, 3, 4]).encoded()
        func problem(_ bytes: [UInt8]) -> String {
            do {
                _ = try NumPyArray.decode(bytes, source: "bad.npy")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(problem(Array("hello world".utf8)).contains("wrong magic"))
        XCTAssertEqual(problem(Array(good.dropLast(3))), "bad.npy: it is truncated: shape (2, 2) needs 16 bytes of data, the file has 13.")
        XCTAssertEqual(problem(good + [0, 0, 0, 0]), "bad.npy: its data is 20 bytes, but shape (2, 2) needs 16.")
        XCTAssertTrue(problem(Array(good.prefix(12))).contains("header is truncated"))
        var float64 = good
        let at = (0..<(good.count - 2)).first { good[$0] == UInt8(ascii: "f") && good[$0 + 1] == UInt8(ascii: "4") }!
        float64[at + 1] = UInt8(ascii: "8")
        XCTAssertTrue(problem(float64).contains("dtype is <f8"))
        XCTAssertTrue(problem([]).contains("wrong magic"))
    }
}
