import BuildInfo
import FileFormats
import Foundation
import TestSupport
import XCTest

/// The binary names the source it was built from, and manifests carry that, never the commit of
/// whatever repository the run happens to start in.
final class BuildProvenanceTests: TemporaryFolderTestCase {
    /// The checkout these tests were built from.
    static let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @discardableResult
    func git(_ arguments: [String], in folder: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "git \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testVersionNamesTheCommitTheBinaryWasBuiltFrom() throws {
        let head = try git(["rev-parse", "HEAD"], in: Self.sourceRoot)
        XCTAssertEqual(head.count, 40)
        XCTAssertEqual(ToolInfo.commit, head)
        let changes = try git(["--no-optional-locks", "status", "--porcelain"], in: Self.sourceRoot)
        // A file edited after the binary was built (while the tests run) is not the build's to know.
        let built = try FileManager.default.attributesOfItem(atPath: CommandLineTests.executable.path)[.modificationDate] as? Date ?? .distantFuture
        let editedSince = changes.split(separator: "\n").contains { line in
            let path = Self.sourceRoot.appendingPathComponent(String(line.dropFirst(3).split(separator: " ").last ?? "")).path
            return ((try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast) > built
        }
        if !editedSince {
            XCTAssertEqual(ToolInfo.dirty, !changes.isEmpty, "the build recorded its checkout as \(ToolInfo.dirty ? "changed" : "clean"): \(changes)")
        }

        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let version = (stdout: String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), ())
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertTrue(version.stdout.contains(ToolInfo.version), version.stdout)
        XCTAssertTrue(version.stdout.contains("commit \(head)"), version.stdout)
        XCTAssertTrue(version.stdout.contains(ToolInfo.dirty ? "with uncommitted changes" : "clean"), version.stdout)
    }

    func testAManifestCarriesTheBuildsCommitNotTheWorkingDirectorysRepository() throws {
        // A run started inside another repository, at another commit.
        let other = folderURL.appendingPathComponent("other-project")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try git(["init", "-q"], in: other)
        try "notes\n".write(to: other.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try git(["add", "notes.txt"], in: other)
        try git(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "other"], in: other)
        let otherCommit = try git(["rev-parse", "HEAD"], in: other)

        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = ["run", "--threads", "1", "--until", "generate", "--reports", "Reports", "--cache", "cache"]
            + PipelineRunTests.tiny.flatMap { ["--set", $0] }
        process.currentDirectoryURL = other
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)

        let runs = try FileManager.default.contentsOfDirectory(atPath: other.appendingPathComponent("Reports").path).filter { $0.hasSuffix("-run") }
        let run = other.appendingPathComponent("Reports").appendingPathComponent(try XCTUnwrap(runs.first)).path
        let manifest = try XCTUnwrap(RunManifest.readIfPresent(folder: run))
        XCTAssertNotEqual(manifest.git?.commit, otherCommit)
        XCTAssertEqual(manifest.git, RunManifest.Git(commit: try XCTUnwrap(ToolInfo.commit), dirty: ToolInfo.dirty))
    }
}
