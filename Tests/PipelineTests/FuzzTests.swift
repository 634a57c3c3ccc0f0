import Foundation
import XCTest

/// The fuzzer over every input parser (`asl-fuzz`, built beside the tests), run in `make test`
/// with a fixed seed: each parser must accept or refuse with a message naming the file every
/// one of its mutated inputs, with no crash and no allocation above 256 MB.
final class FuzzTests: XCTestCase {
    static var executable: URL {
        CommandLineTests.executable.deletingLastPathComponent().appendingPathComponent("asl-fuzz")
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, signalled: Bool, output: String) {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
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
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try run(["--seed", "1", "--runs", "1500", "--out", out])
        print(result.output) // the per-target lines: inputs, seconds, accepted, refused, largest allocation
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("asl-fuzz: 9 targets passed, seed 1"), result.output)
        for target in ["labels-csv", "folder-labels-csv", "labels-xlsx", "png", "model-safetensors", "npy", "config-yaml", "mustache-templates", "steps-csv"] {
            XCTAssertTrue(("\n" + result.output).contains("\n\(target): 15"), "\(target) ran its inputs: \(result.output)")
        }
    }

    func testTheAllocationLimitIsInForce() throws {
        let result = try run(["allocation-check"])
        XCTAssertTrue(result.signalled, result.output)
        XCTAssertTrue(result.output.contains("bytes was asked for, above the limit of 268435456 bytes"), result.output)
    }
}
