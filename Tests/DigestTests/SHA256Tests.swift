import XCTest
import Digest

final class SHA256Tests: XCTestCase {
    // Test vectors from FIPS 180-4's examples and NIST's SHAVS.
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testIncrementalUpdatesMatchOneShot() {
        let text = Array("The quick brown fox jumps over the lazy dog, then over the lazy cat.".utf8)
        for split in [0, 1, 55, 56, 63, 64, text.count] {
            var hasher = SHA256()
            hasher.update(text[..<split])
            hasher.update(text[split...])
            XCTAssertEqual(SHA256.hexString(hasher.finalize()), SHA256.hex(text), "split at \(split)")
        }
    }
}
