import AtomicIO
import Foundation
import TestSupport
import XCTest

final class InputFileTests: TemporaryFolderTestCase {
    private func problem(_ path: String, limit: Int = 1 << 20) -> FileReadError.Problem? {
        do {
            _ = try InputFile.read(path, limit: limit)
            return nil
        } catch {
            return error.problem
        }
    }

    func testARegularFileIsReadWhole() throws {
        let path = folder + "/a.txt"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try InputFile.read(path, limit: 5), Data("hello".utf8))
    }

    func testAFIFOIsRefusedWithoutBlockingAsNotARegularFile() throws {
        let path = folder + "/pipe"
        XCTAssertEqual(mkfifo(path, 0o644), 0)
        // Nobody writes to the FIFO: an open that blocked would hang this test.
        XCTAssertEqual(problem(path), .notARegularFile(kind: "a FIFO (named pipe)"))
        XCTAssertThrowsError(try InputFile.read(path, limit: 10)) { error in
            XCTAssertEqual("\(error)", "Cannot read \(path): it is a FIFO (named pipe), not a regular file.")
        }
    }

    func testDevicesAndFoldersAreNotRegularFiles() {
        XCTAssertEqual(problem("/dev/zero"), .notARegularFile(kind: "a device"))
        XCTAssertEqual(problem(folder), .notARegularFile(kind: "a folder"))
    }

    func testAFileOverTheLimitIsRefusedWithBothSizes() throws {
        let path = folder + "/big"
        try Data(count: 3000).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(problem(path, limit: 2048), .tooLarge(bytes: 3000, limit: 2048))
        XCTAssertThrowsError(try InputFile.read(path, limit: 2048)) { error in
            XCTAssertEqual("\(error)", "Cannot read \(path): it is 2.9 KB, more than the 2 KB such a file may have.")
        }
    }

    func testAMissingFileAndAnUnreadableOneAreTold() throws {
        XCTAssertEqual(problem(folder + "/none"), .missing)
        XCTAssertEqual(problem(folder + "/none/deeper"), .missing)
        guard getuid() != 0 else { return } // root reads any file
        let path = folder + "/secret"
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0)
        XCTAssertEqual(problem(path), .system("permission denied"))
    }

    func testFilesThatReportSizeZeroAreReadToTheirEnd() throws {
        let text = try InputFile.read("/proc/self/status", limit: 1 << 20)
        XCTAssertTrue(String(decoding: text, as: UTF8.self).contains("Name:"))
        XCTAssertThrowsError(try InputFile.read("/proc/self/status", limit: 16)) { error in
            guard case .tooLarge = (error as? FileReadError)?.problem else { return XCTFail("\(error)") }
        }
    }

    func testProductsThatOverflowOrPassTheLimitAreNil() {
        XCTAssertEqual(ByteCount.product([3, 4, 5]), 60)
        XCTAssertNil(ByteCount.product([1 << 40, 1 << 40]))
        XCTAssertNil(ByteCount.product([-1, 4]))
        XCTAssertNil(ByteCount.product([1024, 1024], limit: 1000))
        XCTAssertEqual(ByteCount.product([]), 1)
        XCTAssertEqual(ByteCount.sum([1, 2]), 3)
        XCTAssertNil(ByteCount.sum([Int.max, 1]))
    }

    func testByteCountsAreWrittenForPeople() {
        XCTAssertEqual(ByteCount.text(812), "812 bytes")
        XCTAssertEqual(ByteCount.text(256 << 20), "256 MB")
        XCTAssertEqual(ByteCount.text(4.1 * 1024 * 1024 * 1024 * 1024), "4.1 TB")
    }
}

/// Counts and sizes as people read them.
final class CountTextTests: XCTestCase {
    func testCountsAreSingularForOneOnly() {
        XCTAssertEqual(Count.of(1, "epoch"), "1 epoch")
        XCTAssertEqual(Count.of(0, "epoch"), "0 epochs")
        XCTAssertEqual(Count.of(3, "epoch"), "3 epochs")
        XCTAssertEqual(Count.of(1, "cache entry", plural: "cache entries"), "1 cache entry")
        XCTAssertEqual(Count.of(2, "cache entry", plural: "cache entries"), "2 cache entries")
        XCTAssertEqual(Count.noun(1, "image"), "image")
    }

    /// One convention, powers of 1024: the 50.7-million-byte model is "48 MB" wherever it is shown.
    func testByteCountsUsePowersOf1024() {
        XCTAssertEqual(ByteCount.text(812), "812 bytes")
        XCTAssertEqual(ByteCount.text(1536), "1.5 KB")
        XCTAssertEqual(ByteCount.text(50_700_000), "48 MB")
        XCTAssertEqual(ByteCount.text(5 * 1024 * 1024 + 512 * 1024), "5.5 MB")
    }
}
