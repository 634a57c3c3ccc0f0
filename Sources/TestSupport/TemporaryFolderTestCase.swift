import Foundation
import XCTest

/// A test case with a new, empty folder for each test under the system's temporary folder,
/// removed after the test: tests never see each other's files, whatever order they run in.
open class TemporaryFolderTestCase: XCTestCase {
    /// The test's own folder (absolute path).
    public private(set) var folder = ""

    /// `folder` as a file URL.
    public var folderURL: URL { URL(fileURLWithPath: folder) }

    /// `folder/name`.
    public func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    open override func setUpWithError() throws {
        try super.setUpWithError()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("asl-lab-\(type(of: self))-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    open override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
        try super.tearDownWithError()
    }
}
