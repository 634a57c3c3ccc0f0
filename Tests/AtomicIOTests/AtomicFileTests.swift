import AtomicIO
import Foundation
import XCTest

final class AtomicFileTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testWriteReplacesTheFileWholeAndLeavesNoTemporary() throws {
        let path = folder + "/a.txt"
        try AtomicFile.write(Data("first".utf8), to: path)
        try AtomicFile.write(Data("second, longer".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "second, longer")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["a.txt"])
    }

    func testFailureNamesThePathAndTheSystemReason() {
        let path = folder + "/missing-folder/a.txt"
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: path)) { error in
            XCTAssertEqual(error as? FileWriteError, FileWriteError(path: path, reason: "no such file or directory"))
        }
    }

    /// A target that is a folder cannot be replaced by a file: the rename fails, the old
    /// folder stays and the temporary file is removed.
    func testFailedRenameRemovesTheTemporaryFile() throws {
        let path = folder + "/taken"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: path)) { error in
            XCTAssertEqual((error as? FileWriteError)?.path, path)
            XCTAssertEqual((error as? FileWriteError)?.reason, "is a directory")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["taken"])
    }
}

extension AtomicFileTests {
    /// Linking replaces what is at the destination and shares the source's bytes (a hard link on
    /// one file system); a missing source is an error naming the destination, which stays away.
    func testLinkOrCopyReplacesTheDestination() throws {
        let source = folder + "/source.txt", destination = folder + "/destination.txt"
        try AtomicFile.write(Data("kept".utf8), to: source)
        try AtomicFile.write(Data("old".utf8), to: destination)
        try AtomicFile.linkOrCopy(source, to: destination)
        XCTAssertEqual(try String(contentsOfFile: destination, encoding: .utf8), "kept")
        let a = try FileManager.default.attributesOfItem(atPath: source), b = try FileManager.default.attributesOfItem(atPath: destination)
        XCTAssertEqual(a[.systemFileNumber] as? Int, b[.systemFileNumber] as? Int, "same file system: a hard link")

        let missing = folder + "/missing.txt", target = folder + "/target.txt"
        XCTAssertThrowsError(try AtomicFile.linkOrCopy(missing, to: target)) { error in
            XCTAssertEqual((error as? FileWriteError)?.path, target)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["destination.txt", "source.txt"])
    }
}
