import FileFormats
import Foundation
import XCTest
@testable import Report

extension BrowserTests {
    /// A sweep report of two learning rates over three seeds (one member failed) loads in
    /// Chromium with every figure and no errors, and marks the best point.
    func testTheSweepReportLoadsInChromiumWithItsFigures() throws {
        guard let chromium = Self.chromium() else {
            throw XCTSkip("chromium is not installed, so the report cannot be checked in a browser: `make test` installs it (apt-get install chromium).")
        }
        let folder = NSTemporaryDirectory() + "sweep-browser-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let letters = (65...90).map { String(UnicodeScalar(UInt8($0))) }
        var members: [SweepSummary.Member] = []
        for (r, rate) in ["0.001", "0.002"].enumerated() {
            for seed in 0..<3 {
                let failed = r == 1 && seed == 2
                let level = 0.90 + 0.03 * Double(r) + 0.01 * Double(seed)
                let history = (1...4).map { e in
                    EpochRecord(epoch: e, loss: 1 / Double(e), crossEntropy: 1 / Double(e), meanSquaredError: 0.1, validationAccuracy: level - 0.2 / Double(e),
                                validationMAE: 0.5 / Double(e), imagesPerSecond: 100, seconds: 10)
                }
                members.append(SweepSummary.Member(
                    name: "m\(r * 3 + seed + 1)-lr-\(rate)-seed-\(seed)", values: [("train.learning_rate", rate), ("train.seed", String(seed))],
                    status: failed ? "failed during train" : "complete", complete: !failed, run: "run-\(r)-\(seed)",
                    accuracy: failed ? nil : level, mae: failed ? nil : 0.3 - 0.02 * Double(seed), seconds: 60, history: failed ? [] : history,
                    perClass: failed ? [:] : Dictionary(uniqueKeysWithValues: letters.enumerated().map { ($1, level - 0.002 * Double($0)) }),
                    log: "members/m\(r * 3 + seed + 1).out"))
            }
        }
        let summary = SweepSummary(members: members, keys: ["train.learning_rate", "train.seed"], seedKeys: SweepRecord.seedKeys)
        let page = try SweepPage.write(summary, name: "lr <study> & co", mode: "grid", created: "2026-12-02T10:00:00Z", folder: folder, toolVersion: "0.1.0")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertTrue(html.contains("★ train.learning_rate=0.002"), "the best point is marked")
        XCTAssertTrue(html.contains("lr &lt;study&gt; &amp; co"), "the sweep's name is escaped")
        XCTAssertTrue(html.contains("failed during train; log: members/m6.out"))
        let check = try self.check(page: page, html: html, chromium: chromium)
        XCTAssertEqual(check.broken, [])
        XCTAssertEqual(check.errors, [])
        XCTAssertEqual(check.consoleErrors, [])
        XCTAssertEqual(check.images + check.svgs, 3, "metric by value, validation curves, per-letter accuracy")
    }
}
