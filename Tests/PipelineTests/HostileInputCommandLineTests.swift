import Foundation
import XCTest

/// Hostile inputs given to the built binary: exit status 1, one paragraph on standard error
/// that names the file, and no stack trace.
extension CommandLineTests {
    private func scratch() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }

    /// Exit 1 and a single paragraph starting "error: " that contains `expected`.
    private func assertRefused(_ result: Result, saying expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(expected), result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr.trimmingCharacters(in: .newlines).components(separatedBy: "\n").count, 1, "one paragraph: \(result.stderr)", file: file, line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error") || result.stderr.contains("Backtrac"), result.stderr, file: file, line: line)
    }

    func testAFIFOOrADeviceGivenAsConfigIsNotARegularFile() throws {
        let fifo = try scratch() + "/config.yaml"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        assertRefused(try run("config", "validate", "--config", fifo), saying: "\(fifo) cannot be read: it is a FIFO (named pipe), not a regular file.")
        assertRefused(try run("config", "validate", "--config", "/dev/zero"), saying: "/dev/zero cannot be read: it is a device, not a regular file.")
    }

    func testAHugeConfigKeyIsAnsweredQuicklyAndNotEchoedWhole() throws {
        let path = try scratch() + "/big.yaml"
        // Just under the 1 MB a config file may have (a 10 MB one is refused for its size); an
        // explicit key ("? "), as YAML limits implicit ones to 1024 characters.
        try ("? " + String(repeating: "k", count: 1_000_000) + "\n: 1\n").write(toFile: path, atomically: true, encoding: .utf8)
        let started = Date()
        let result = try run("config", "validate", "--config", path)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
        assertRefused(result, saying: "…\" (1000000 characters)")
        XCTAssertLessThan(result.stderr.utf8.count, 1000)
    }

    func testAConfigThatCannotBeAllocatedSaysWhatFits() throws {
        assertRefused(try run("config", "validate", "--set", "train.input_size=1024", "--set", "train.model.channels=[1024,1024,1024]"),
                      saying: "of memory: the model (train.input_size 1024")
    }

    func testAFloat64ArrayGivenToTSNENamesTheTypeAndTheConversion() throws {
        let folder = try scratch()
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }"
        header += String(repeating: " ", count: 64 - (10 + header.utf8.count + 1) % 64) + "\n"
        let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + [UInt8](repeating: 0, count: 64)
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/x.npy"))
        assertRefused(try run("tsne", "--input", folder + "/x.npy", "--output", folder + "/y.npy"),
                      saying: "its dtype is <f8 (float64); asl-lab reads float32 ('<f4') and int32 ('<i4'): convert it with numpy.save(path, numpy.load(path).astype(numpy.float32))")
    }

    func testAModelThatIsADeviceOrDamagedIsRefusedByPredict() throws {
        let folder = try scratch()
        assertRefused(try run("predict", "--model", "/dev/zero", folder + "/a.png"), saying: "Cannot use the model /dev/zero: it is a device, not a regular file.")
        // A header that claims far more bytes than the file has.
        var bytes = [UInt8](repeating: 0xFF, count: 8)
        bytes += Array("{}".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/m.safetensors"))
        assertRefused(try run("predict", "--model", folder + "/m.safetensors", folder + "/a.png"), saying: "m.safetensors is not a valid safetensors file: the header claims")
    }

    func testATemplateIncludingItselfIsRefusedByReport() throws {
        let folder = try scratch()
        try FileManager.default.createDirectory(atPath: folder + "/run", withIntermediateDirectories: true)
        try "epoch,train_loss\n".write(toFile: folder + "/run/history.csv", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/templates", withIntermediateDirectories: true)
        try "{{> page}}".write(toFile: folder + "/templates/page.mustache", atomically: true, encoding: .utf8)
        assertRefused(try run("report", "--run", folder + "/run", "--templates", folder + "/templates"),
                      saying: "page.mustache is not valid Mustache: line 1 includes page.mustache, which leads back to itself")
    }

    /// One-character relative folders (`--cache C --reports R`), on which Foundation's path
    /// code crashed, work like any other.
    func testOneCharacterFolderNamesWork() throws {
        let folder = URL(fileURLWithPath: try scratch())
        let result = try Self.run(["run", "--cache", "C", "--reports", "R", "--until", "generate", "--threads", "1"]
                                  + PipelineRunTests.tiny.flatMap { ["--set", $0] }, in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path + "/C/generate"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/R").filter { $0.hasSuffix("-run") }.count, 1)
    }
}
