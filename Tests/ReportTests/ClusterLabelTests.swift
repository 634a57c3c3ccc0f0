import XCTest
@testable import Report

/// Where class maps write their letters.
final class ClusterLabelTests: XCTestCase {
    /// Letter 0 splits into two tight clusters far apart; letter 1 is one cluster between
    /// them; letter 0 also has one stray point. Each of letter 0's clusters gets its own
    /// label on one of its points (not the mean, which falls in the gap), the stray point
    /// none, and letter 1 one.
    func testEachSizeableClusterIsLabelledAtItsMedoid() {
        var x: [Double] = [], y: [Double] = [], classes: [Int] = []
        func cluster(_ cx: Double, _ cy: Double, _ c: Int, count: Int = 9) {
            for i in 0..<count { x.append(cx + Double(i % 3) * 0.5); y.append(cy + Double(i / 3) * 0.5); classes.append(c) }
        }
        cluster(0, 0, 0)
        cluster(40, 0, 0)
        cluster(20, 30, 1)
        x.append(20); y.append(-30); classes.append(0)
        let labels = EmbeddingsPage.clusterLabels(x: x, y: y, classes: classes, classCount: 3)
        XCTAssertEqual(labels.filter { $0.class == 0 }.count, 2)
        XCTAssertEqual(labels.filter { $0.class == 1 }.count, 1)
        XCTAssertEqual(labels.filter { $0.class == 2 }.count, 0, "a class with no points has no label")
        let zero = labels.filter { $0.class == 0 }.sorted { $0.x < $1.x }
        XCTAssertEqual(zero[0].x, 0.5)
        XCTAssertEqual(zero[0].y, 0.5, "the centre point of the 3 × 3 cluster is its medoid")
        XCTAssertEqual(zero[1].x, 40.5)
        XCTAssertEqual(zero[1].y, 0.5)
        for label in labels {
            XCTAssertTrue(x.indices.contains { x[$0] == label.x && y[$0] == label.y && classes[$0] == label.class }, "labels sit on points of their class")
        }
        XCTAssertFalse(labels.contains { $0.y == -30 }, "a stray point is not labelled")
    }

    /// One cluster per class gets one label; the result does not depend on point order.
    func testACompactClassHasOneLabelAndOrderDoesNotMatter() {
        let x: [Double] = [0, 1, 2, 10, 11, 12], y: [Double] = [0, 0, 0, 5, 5, 5], classes = [0, 0, 0, 1, 1, 1]
        let labels = EmbeddingsPage.clusterLabels(x: x, y: y, classes: classes, classCount: 2)
        XCTAssertEqual(labels.map(\.class), [0, 1])
        XCTAssertEqual(labels.map(\.x), [1, 11])
        let reversed = EmbeddingsPage.clusterLabels(x: x.reversed(), y: y.reversed(), classes: classes.reversed(), classCount: 2)
        XCTAssertEqual(reversed.map(\.x), [1, 11])
    }

    /// Sizes on report pages are written as everywhere else in the tool.
    func testReportSizesUseTheToolsOneFormatter() {
        XCTAssertEqual(Format.bytes(50_700_000), "48 MB", "powers of 1024, as `ByteCount.text` writes them")
    }
}
