import Foundation
import XCTest

/// The fuzzer over every input parser (`asl-fuzz`, built beside the tests), run in `make test`
/// with a fixed seed: each parser must accept or refuse with a message naming the file every
/// one of its mutated inputs, with no crash and no allocation above 256 MB.
final class FuzzTests: XCTestCase {
    static var executable: URL {
        CommandLineTests.executable.deletingLastPathComponent().appendingPathComponent("asl-fuzz")
    }

    private func run(_ arguments: [String], temporaryFolder: String? = nil) throws -> (status: Int32, signalled: Bool, output: String) {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        if let temporaryFolder {
            process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": temporaryFolder + "/"]) { $1 }
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal, String(decoding: output, as: UTF8.self))
    }

    func testEveryParserSurvivesSeededMutations() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString)").path
        let scratch = out + "-tmp"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: scratch)
        }
        let result = try run(["--seed", "1", "--runs", "1500", "--out", out], temporaryFolder: scratch)
        print(result.output) // the per-target lines: inputs, seconds, accepted, refused, largest allocation
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("asl-fuzz: 9 targets passed, seed 1"), result.output)
        for target in ["labels-csv", "folder-labels-csv", "labels-xlsx", "png", "model-safetensors", "npy", "config-yaml", "mustache-templates", "steps-csv"] {
            XCTAssertTrue(("\n" + result.output).contains("\n\(target): 15"), "\(target) ran its inputs: \(result.output)")
        }
        // The children's scratch folders (one per target) are gone: exiting skips `defer`.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), [])
    }

    func testAChildRunByHandRemovesItsScratchFolder() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let result = try run(["child", "config-yaml", "--seed", "2", "--runs", "20", "--out", scratch + "/out"], temporaryFolder: scratch)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("config-yaml: "), result.output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch).filter { $0 != "out" }, [])
    }

    func testTheAllocationLimitIsInForce() throws {
        let result = try run(["allocation-check"])
        XCTAssertTrue(result.signalled, result.output)
        XCTAssertTrue(result.output.contains("bytes was asked for, above the limit of 268435456 bytes"), result.output)
    }
}
