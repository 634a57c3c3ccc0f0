import FileFormats
import Foundation
import TestSupport
import XCTest
@testable import Report

/// The report of a user's data set for 2, 10 and 100 classes: every page renders, names are
/// escaped, many classes get scrolling figures and a table of the largest confusions, and a
/// data set without distances says so where distances would be.
final class ClassListPagesTests: TemporaryFolderTestCase {
    func render(classes: Int, distance: Bool) throws -> (ReportOutcome, String) {
        let job = try ManyClassRun.make(root: folder + "/\(classes)", classes: classes, distance: distance)
        return (try ReportRenderer.render(job), job.runFolder)
    }

    func page(_ run: String, _ name: String) throws -> String {
        try String(contentsOfFile: run + "/" + name, encoding: .utf8)
    }

    func testTwoClassesWithoutDistance() throws {
        let (outcome, run) = try render(classes: 2, distance: false)
        XCTAssertEqual(outcome.problems, [])
        let evaluation = try page(run, "evaluation.html")
        XCTAssertTrue(evaluation.contains("no distance column"))
        XCTAssertFalse(evaluation.contains("Distance MAE"), "no distance cards")
        XCTAssertFalse(evaluation.contains("class=\"wide\""), "two classes fit the page")
        XCTAssertTrue(try page(run, "embeddings.html").contains("no distance column"))
        XCTAssertTrue(try page(run, "dataset.html").contains("Classes"))
        // Every class has its gallery, named so that no class name reaches a path.
        for name in ManyClassRun.names(2) {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/" + DrillDownPages.galleryFile(name)), name)
        }
        let odd = DrillDownPages.galleryFile("a/b <c> & é")
        XCTAssertTrue(odd.hasPrefix("gallery-x") && !odd.contains("/") && !odd.contains("<") && !odd.contains(" "), odd)
        XCTAssertEqual(DrillDownPages.galleryFile("A"), "gallery-A.html", "letters keep their pages")
    }

    func testTenClassesWithDistanceKeepTheFullMatrixOfLinks() throws {
        let (_, run) = try render(classes: 10, distance: true)
        let evaluation = try page(run, "evaluation.html")
        XCTAssertTrue(evaluation.contains("The same counts as links"), "10 classes: the whole matrix of links")
        XCTAssertTrue(evaluation.contains("Distance MAE"))
        XCTAssertTrue(evaluation.contains("clàss &lt;0&gt; &amp; co"))
    }

    func testAHundredClassesScrollAndListTheLargestConfusions() throws {
        let (outcome, run) = try render(classes: 100, distance: false)
        XCTAssertEqual(outcome.problems, [])
        let evaluation = try page(run, "evaluation.html")
        XCTAssertFalse(evaluation.contains("The same counts as links"))
        XCTAssertTrue(evaluation.contains("largest confusions") || evaluation.contains("confused no two classes"))
        XCTAssertGreaterThanOrEqual(evaluation.components(separatedBy: "class=\"wide\"").count - 1, 2, "matrix and per-class chart scroll")
        XCTAssertTrue(try page(run, "dataset.html").contains("the first 40 of the 100 classes"))
        XCTAssertLessThan(outcome.pageWeights.values.max() ?? 0, 5 << 20, "every page under 5 MB")
    }
}
