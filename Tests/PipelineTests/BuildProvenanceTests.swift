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
        try CommandLineTests.capture("/usr/bin/env", ["git", "-C", folder.path] + arguments).trimmingCharacters(in: .whitespacesAndNewlines)
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

        let version = try CommandLineTests.run(["--version"], in: folderURL)
        XCTAssertEqual(version.status, 0)
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

        let result = try CommandLineTests.run(["run", "--threads", "1", "--until", "generate", "--reports", "Reports", "--cache", "cache"]
                                              + PipelineRunTests.tiny.flatMap { ["--set", $0] }, in: other)
        XCTAssertEqual(result.status, 0, result.stderr)

        let runs = try FileManager.default.contentsOfDirectory(atPath: other.appendingPathComponent("Reports").path).filter { $0.hasSuffix("-run") }
        let run = other.appendingPathComponent("Reports").appendingPathComponent(try XCTUnwrap(runs.first)).path
        let manifest = try XCTUnwrap(RunManifest.readIfPresent(folder: run))
        XCTAssertNotEqual(manifest.git?.commit, otherCommit)
        XCTAssertEqual(manifest.git, RunManifest.Git(commit: try XCTUnwrap(ToolInfo.commit), dirty: ToolInfo.dirty))
    }
}
