import XCTest
@testable import NN

final class PixelBatchTests: XCTestCase {
    /// The images named by their slots, in the order named (repeats allowed, as a batch drawn
    /// with replacement has them), each byte b as b / 255, and nothing past the batch written.
    func testFillWritesTheNamedImagesInOrderAsFractionsOf255() {
        let imageBytes = 5
        let pixels: [UInt8] = (0..<(4 * imageBytes)).map { UInt8(($0 * 37 + 11) % 256) }
        let slots = [2, 0, 2]
        var out = [Float](repeating: -1, count: (slots.count + 1) * imageBytes)
        pixels.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { PixelBatch.fill(p, imageBytes: imageBytes, slots: slots, into: $0) }
        }
        for (position, slot) in slots.enumerated() {
            for j in 0..<imageBytes {
                XCTAssertEqual(out[position * imageBytes + j], Float(pixels[slot * imageBytes + j]) / 255, accuracy: 1e-7,
                               "image \(position), byte \(j)")
            }
        }
        XCTAssertEqual(Array(out.suffix(imageBytes)), [Float](repeating: -1, count: imageBytes), "past the batch untouched")
        XCTAssertEqual(out[0 * imageBytes], out[2 * imageBytes], "slot 2 twice gives the same floats")
    }
}
