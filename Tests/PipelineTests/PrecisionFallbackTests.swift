import FileFormats
import Foundation
import NN
import TestSupport
import XCTest

/// bf16 asked for on a CPU with neither AVX512-BF16 nor AMX-BF16. Both kinds of the project's
/// machines have AVX512-BF16, so `ASL_LAB_BF16=none` stands in for such a CPU: the whole
/// fallback (the one-line note, fp32's arithmetic, a cache entry of its own, what the run
/// records) runs here as it would there.
final class PrecisionFallbackTests: TemporaryFolderTestCase {
    private let hidden = ["ASL_LAB_BF16": "none"]

    private func run(_ name: String, _ extra: [String], environment: [String: String] = [:]) throws -> CommandLineTests.Result {
        let arguments = ["run", "--threads", "1", "--until", "train", "--name", name] + PipelineRunTests.tiny.flatMap { ["--set", $0] } + extra
        let result = try CommandLineTests.run(arguments, in: folderURL, environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result
    }

    private func runFolder(_ name: String) throws -> URL {
        let reports = folderURL.appendingPathComponent("Reports")
        let folders = try FileManager.default.contentsOfDirectory(atPath: reports.path).filter { $0.hasSuffix("-\(name)") }
        XCTAssertEqual(folders.count, 1, "one run folder named \(name)")
        return reports.appendingPathComponent(try XCTUnwrap(folders.first))
    }

    /// The tensors of a run's model.safetensors: the bytes after its header, which records the
    /// config's hash and so differs between configs that train the same weights.
    private func weights(_ name: String) throws -> Data {
        let file = try Data(contentsOf: try runFolder(name).appendingPathComponent("model.safetensors"))
        XCTAssertGreaterThan(file.count, 8)
        let headerLength = file.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return file.dropFirst(8 + headerLength)
    }

    private func summary(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: try runFolder(name).appendingPathComponent("training.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testBF16WithoutItsInstructionsSaysSoAndTrainsFP32sWeights() throws {
        let note = "this CPU has neither AVX512-BF16 nor AMX-BF16; train.precision bf16 runs in fp32"
        let fp32 = try run("fp32", [])
        XCTAssertFalse(fp32.stdout.contains("note:") || fp32.stderr.contains("note:"), fp32.stdout)
        let fallback = try run("fallback", ["--set", "train.precision=bf16"], environment: hidden)
        XCTAssertTrue((fallback.stdout + fallback.stderr).contains(note), fallback.stdout + fallback.stderr)
        let log = try String(contentsOf: try runFolder("fallback").appendingPathComponent("log.txt"), encoding: .utf8)
        XCTAssertTrue(log.contains(note), "the run's log keeps the note")

        XCTAssertEqual(try weights("fallback"), try weights("fp32"), "bf16 without its instructions trains fp32's weights")
        let recorded = try summary("fallback")
        XCTAssertEqual(recorded["precision"] as? String, "fp32", "training.json says what ran, not what was asked")
        XCTAssertEqual(recorded["product_kernel"] as? String, ProductKernel.fp32.rawValue)

        // Where bf16 does run, it must neither reuse the fallback's cache entry nor train its bytes.
        guard let kernel = ProductKernel.bf16 else { return }
        let real = try run("bf16", ["--set", "train.precision=bf16"])
        XCTAssertFalse((real.stdout + real.stderr).contains("train: cached"), "the fallback's fp32 weights are not bf16's cache entry")
        XCTAssertNotEqual(try weights("bf16"), try weights("fallback"), "bf16 on \(kernel.rawValue) rounds its operands")
        XCTAssertEqual(try summary("bf16")["precision"] as? String, "bf16")
        XCTAssertEqual(try summary("bf16")["product_kernel"] as? String, kernel.rawValue)
    }

    func testBenchSaysBF16RanInFP32WithoutItsInstructions() throws {
        let arguments = ["bench", "train", "--precision", "bf16", "--steps", "1", "--runs", "1", "--threads", "1", "--batch", "2", "--json"]
        let result = try CommandLineTests.run(arguments, in: folderURL, environment: hidden)
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["precision"] as? String, "fp32", "the figures are fp32's")
        XCTAssertEqual(json["gemm"] as? String, ProductKernel.fp32.rawValue)
        XCTAssertTrue((json["note"] as? String ?? "").contains("runs in fp32"), "\(json)")
        let machine = try XCTUnwrap(json["machine"] as? [String: Any])
        XCTAssertEqual(machine["bf16_kernel"] as? String, "none")
    }
}
