import AtomicIO
import Foundation
import XCTest

final class PathTextTests: XCTestCase {
    /// The folder part as NSString gives it, also for the one-character paths on which
    /// Foundation's own version crashes on Linux.
    func testParentMatchesFoundationAndTakesOneCharacterPaths() {
        let cases: [(String, String)] = [
            ("C", ""), (".", ""), ("ab", ""), ("a/b", "a"), ("a/b/", "a"), ("a//b", "a"), ("/", "/"), ("/a", "/"),
            ("/a/b/c.txt", "/a/b"), ("", ""), ("./C", "."), ("x/C", "x"), ("//a", "/"),
        ]
        for (path, parent) in cases {
            XCTAssertEqual(PathText.parent(path), parent, path)
            if path.count > 1 { XCTAssertEqual(PathText.parent(path), (path as NSString).deletingLastPathComponent, "as Foundation: \(path)") }
        }
    }
}
