import Foundation
import XCTest

/// The built `asl-lab` binary: exit statuses and messages as the CLI contract states them.
final class CommandLineTests: XCTestCase {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `asl-lab` executable built beside the test bundle.
    static var executable: URL {
        var folder = Bundle(for: CommandLineTests.self).bundleURL
        if folder.pathExtension == "xctest" { folder.deleteLastPathComponent() }
        return folder.appendingPathComponent("asl-lab")
    }

    func run(_ arguments: String...) throws -> Result {
        try Self.run(arguments, in: FileManager.default.temporaryDirectory)
    }

    /// Runs the built `asl-lab` in `folder` to its end, with `environment` added to this process's.
    static func run(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Starts the built `asl-lab` in `folder`, both outputs going to a new file there (returned),
    /// so a test can watch the output grow while it runs.
    static func start(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws -> (Process, URL) {
        let output = folder.appendingPathComponent("output-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return (process, output)
    }

    func testTSNECommandMapsAMatrixAndRefusesBadFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tsne-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // 40 points in 3 dimensions: two groups.
        let values = (0..<120).map { Float(($0 / 3) < 20 ? 0 : 10) + Float($0 % 7) * 0.1 }
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (40, 3), }"
        header += String(repeating: " ", count: 64 - (10 + header.utf8.count + 1) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        values.withUnsafeBytes { bytes += $0 }
        let input = folder.appendingPathComponent("x.npy").path, output = folder.appendingPathComponent("y.npy").path
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let ok = try run("tsne", "--input", input, "--output", output, "--iterations", "300")
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("Mapped 40 points of 3 dimensions"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("note: perplexity lowered from 30.0 to 13.00"), ok.stdout)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output)).count, 128 + 40 * 2 * 4)
        XCTAssertTrue(ok.stdout.contains("exact neighbours"), ok.stdout)
        let approximate = try run("tsne", "--input", input, "--output", output, "--iterations", "300", "--neighbours", "approximate")
        XCTAssertEqual(approximate.status, 0, approximate.stderr)
        XCTAssertTrue(approximate.stdout.contains("approximate neighbours"), approximate.stdout)
        let unknown = try run("tsne", "--input", input, "--output", output, "--neighbours", "fast")
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("--neighbours"), unknown.stderr)

        try Data("not numpy".utf8).write(to: URL(fileURLWithPath: input))
        let garbage = try run("tsne", "--input", input, "--output", output)
        XCTAssertEqual(garbage.status, 1)
        XCTAssertEqual(garbage.stderr, "error: \(input): it is not a NumPy .npy file (wrong magic bytes).\n")
        try Data(bytes.dropLast(5)).write(to: URL(fileURLWithPath: input))
        let truncated = try run("tsne", "--input", input, "--output", output)
        XCTAssertEqual(truncated.status, 1)
        XCTAssertTrue(truncated.stderr.contains("it is truncated: shape (40, 3) needs 480 bytes of data, the file has 475"), truncated.stderr)
    }

    func testConfigShowPrintsYAMLWithOverridesApplied() throws {
        let result = try run("config", "show", "--set", "train.epochs=5", "--set", "data.families=seed4")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("\n  epochs: 5\n"))
        XCTAssertTrue(result.stdout.contains("\n  families: seed4\n"))
        XCTAssertTrue(result.stdout.hasPrefix("# effective config, sha256 "))
    }

    func testBadConfigExitsOneWithOneMessageAndNoStackTrace() throws {
        let result = try run("config", "validate", "--set", "train.epochs=-1")
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "error: Config key \"train.epochs\" must be between 1 and 100000, but got -1 in --set train.epochs=-1.\n")
        XCTAssertEqual(result.stdout, "")
    }

    func testMissingConfigFileExitsOne() throws {
        let result = try run("config", "validate", "--config", "/nonexistent/asl.yaml")
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "error: The config file /nonexistent/asl.yaml does not exist. Check the path given to --config.\n")
    }

    func testUnknownOptionIsAUsageErrorWithStatusOne() throws {
        let result = try run("config", "validate", "--frobnicate")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("Unknown option '--frobnicate'"), result.stderr)
    }

    /// `bench train --batch` measures the batch asked for (a researcher choosing `train.batch_size`
    /// sees what a smaller batch costs per image) and refuses one `train.batch_size` would refuse.
    func testBenchTrainMeasuresTheBatchAskedFor() throws {
        let result = try run("bench", "train", "--batch", "3", "--steps", "1", "--runs", "1", "--threads", "1", "--profile", "--json")
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["batch"] as? Int, 3)
        let train = try XCTUnwrap(json["train"] as? [[String: Any]])
        XCTAssertEqual(train.count, 1)
        XCTAssertGreaterThan(try XCTUnwrap(train.first?["median"] as? Double), 0)
        let profile = try XCTUnwrap(json["profile"] as? [[String: Any]])
        XCTAssertTrue(profile.contains { $0["phase"] as? String == "Adam" }, "a step's Adam pass is profiled at this batch too")
        XCTAssertTrue(profile.contains { $0["phase"] as? String == "data loading" }, "a step fills its batch as training does, timed")
        // The figures say where they came from.
        let machine = try XCTUnwrap(json["machine"] as? [String: Any])
        XCTAssertEqual(machine["cores"] as? Int, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertFalse((machine["cpu"] as? String ?? "").isEmpty)
        XCTAssertEqual(machine["fp32_kernel"] as? String, json["gemm"] as? String, "fp32 ran on the kernel the machine record names")
        for bad in ["0", "4097"] {
            let refused = try run("bench", "train", "--batch", bad)
            XCTAssertEqual(refused.status, 1)
            XCTAssertTrue(refused.stderr.contains("--batch must be an integer from 1 to 4096"), refused.stderr)
        }
    }

    /// A misspelt kernel choice in the environment stops a command that computes before it runs
    /// (it would otherwise measure or train on the default kernel); a known one in any case, or
    /// an empty one, does not, and help and the commands that only read files still work.
    func testAnUnknownKernelChoiceInTheEnvironmentIsRefusedBeforeAnyWork() throws {
        let bench = ["bench", "train", "--batch", "2", "--steps", "1", "--runs", "1", "--threads", "1", "--json"]
        for (variable, typo) in [("ASL_LAB_BF16", "avx-512"), ("ASL_LAB_GEMM", "openblass")] {
            let refused = try Self.run(bench, in: FileManager.default.temporaryDirectory, environment: [variable: typo])
            XCTAssertEqual(refused.status, 1)
            XCTAssertTrue(refused.stderr.hasPrefix("error: The environment variable \(variable) is \"\(typo)\""), refused.stderr)
            XCTAssertEqual(refused.stdout, "", "nothing was measured")
            for other in [["--help"], ["bench", "train", "--help"], ["config", "validate"]] {
                let result = try Self.run(other, in: FileManager.default.temporaryDirectory, environment: [variable: typo])
                XCTAssertEqual(result.status, 0, "\(other): \(result.stderr)")
            }
        }
        let known = try Self.run(bench, in: FileManager.default.temporaryDirectory, environment: ["ASL_LAB_BF16": "AVX512", "ASL_LAB_GEMM": ""])
        XCTAssertEqual(known.status, 0, known.stderr)
    }

    /// Thread counts are bounded where they are given (a count near Int.max trapped inside
    /// the engine): each command that takes one says the bounds and runs nothing.
    func testThreadCountsOutOfBoundsAreRefusedWithTheBounds() throws {
        let huge = "9223372036854775807"
        for arguments in [["run", "--threads", huge, "--dry-run"], ["train", "--threads", "1025", "--data", "d", "--out", "o"],
                          ["generate", "--threads", "0", "--out", "o"], ["tsne", "--input", "x.npy", "--output", "y.npy", "--threads", huge],
                          ["run", "--slurm", "--cpus-per-task", huge, "--dry-run"]] {
            let result = try Self.run(arguments, in: FileManager.default.temporaryDirectory)
            XCTAssertEqual(result.status, 1, "\(arguments)")
            XCTAssertTrue(result.stderr.contains("must be from 1 to 1024, but got"), "\(arguments): \(result.stderr)")
        }
        let bench = try run("bench", "train", "--threads", "1,\(huge)")
        XCTAssertEqual(bench.status, 1)
        XCTAssertTrue(bench.stderr.contains("--threads takes counts from 1 to 1024"), bench.stderr)
    }

    func testHelpAndVersionExitZero() throws {
        let help = try run("--help")
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("config"))
        let version = try run("--version")
        XCTAssertEqual(version.status, 0)
        XCTAssertFalse(version.stdout.isEmpty)
    }
}

extension CommandLineTests {
    /// Standard output of a program (for tools like unzip in tests).
    static func capture(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
