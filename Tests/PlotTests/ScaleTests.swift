import XCTest
@testable import Plot

final class ScaleTests: XCTestCase {
    func assertTicks(_ actual: [Double], _ expected: [Double], tolerance: Double = 1e-12, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, "ticks \(actual) vs \(expected)", file: file, line: line)
        for (a, e) in zip(actual, expected) {
            XCTAssertEqual(a, e, accuracy: tolerance, "ticks \(actual) vs \(expected)", file: file, line: line)
        }
    }

    func testUnitDomainGetsTicksEveryFifth() {
        let scale = LinearScale(domain: 0...1)
        assertTicks(scale.ticks(count: 5), [0, 0.2, 0.4, 0.6, 0.8, 1])
        XCTAssertEqual(scale.tickLabels(scale.ticks(count: 5)), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        assertTicks(scale.ticks(count: 10), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1])
        XCTAssertEqual(scale.ticks(count: 10)[3], 0.3, "integer multiples avoid 0.30000000000000004")
    }

    func testTicksStayInsideTheDomainAndNicedDomainReachesTheNextTick() {
        let scale = LinearScale(domain: 0...97)
        assertTicks(scale.ticks(count: 5), [0, 20, 40, 60, 80])
        let niced = scale.niced(count: 5)
        XCTAssertEqual(niced.domain, 0...100)
        assertTicks(niced.ticks(count: 5), [0, 20, 40, 60, 80, 100])
    }

    func testNegativeDomainsUseTrueMinusSigns() {
        let scale = LinearScale(domain: -47...(-3))
        let ticks = scale.ticks(count: 5)
        assertTicks(ticks, [-40, -30, -20, -10])
        XCTAssertEqual(scale.tickLabels(ticks), ["\u{2212}40", "\u{2212}30", "\u{2212}20", "\u{2212}10"])
        let symmetric = LinearScale(domain: -1...1)
        assertTicks(symmetric.ticks(count: 4), [-1, -0.5, 0, 0.5, 1])
        XCTAssertEqual(symmetric.tickLabels(symmetric.ticks(count: 4)), ["\u{2212}1.0", "\u{2212}0.5", "0.0", "0.5", "1.0"])
    }

    func testTinyRangesGetEnoughDecimals() {
        let scale = LinearScale(domain: 1.0001...1.0002)
        let ticks = scale.ticks(count: 5)
        assertTicks(ticks, [1.0001, 1.00012, 1.00014, 1.00016, 1.00018, 1.0002], tolerance: 1e-12)
        XCTAssertEqual(scale.tickLabels(ticks), ["1.00010", "1.00012", "1.00014", "1.00016", "1.00018", "1.00020"])
        let small = LinearScale(domain: 0...0.0004)
        XCTAssertEqual(small.tickLabels(small.ticks(count: 4)), ["0", "1e\u{2212}4", "2e\u{2212}4", "3e\u{2212}4", "4e\u{2212}4"])
    }

    func testLargeValuesUseSuffixes() {
        let scale = LinearScale(domain: 0...50_000)
        XCTAssertEqual(scale.tickLabels(scale.ticks(count: 5)), ["0", "10k", "20k", "30k", "40k", "50k"])
        XCTAssertEqual(TickFormat.labels([0, 2_500_000, 5_000_000]), ["0", "2.5M", "5.0M"])
        XCTAssertEqual(TickFormat.labels([0, 2000, 4000, 6000]), ["0", "2000", "4000", "6000"])
    }

    func testEmptyDomainGivesOneTickAndMapsToTheMiddle() {
        let scale = LinearScale(domain: 3...3, range: (0, 100))
        XCTAssertEqual(scale.ticks(count: 5), [3])
        XCTAssertEqual(scale.map(3), 50)
    }

    func testLinearMappingRoundTripsAndRunsBackwardsForY() {
        let x = LinearScale(domain: -2...6, range: (40, 600))
        for v in [-2.0, 0, 1.25, 6, 9] {
            XCTAssertEqual(x.invert(x.map(v)), v, accuracy: 1e-12)
        }
        XCTAssertEqual(x.map(-2), 40)
        XCTAssertEqual(x.map(6), 600)
        XCTAssertEqual(x.map(2), 320)
        let y = LinearScale(domain: 0...10, range: (380, 20))
        XCTAssertEqual(y.map(0), 380)
        XCTAssertEqual(y.map(10), 20)
        XCTAssertEqual(y.map(2.5), 290)
        XCTAssertEqual(y.invert(200), 5, accuracy: 1e-12)
    }

    func testLogScaleTicksOnDecades() {
        let scale = LogScale(domain: 1...1000, range: (0, 300))
        assertTicks(scale.ticks(count: 5), [1, 10, 100, 1000], tolerance: 1e-9)
        XCTAssertEqual(scale.tickLabels(scale.ticks(count: 5)), ["1", "10", "100", "1000"])
        XCTAssertEqual(scale.map(10), 100, accuracy: 1e-9)
        XCTAssertEqual(scale.map(100), 200, accuracy: 1e-9)
        XCTAssertEqual(scale.invert(scale.map(37)), 37, accuracy: 1e-9)
        XCTAssertTrue(scale.map(0).isNaN, "zero has no place on a log axis")
    }

    func testLogScaleOverManyDecadesSkipsSomeAndWithinOneDecadeUsesMultiples() {
        let wide = LogScale(domain: 1e-6...1e6)
        let ticks = wide.ticks(count: 5)
        XCTAssertLessThanOrEqual(ticks.count, 7)
        XCTAssertEqual(ticks.first!, 1e-6, accuracy: 1e-18)
        XCTAssertEqual(wide.tickLabels([1e-6, 1, 1e6]), ["10⁻⁶", "1", "10⁶"])
        let narrow = LogScale(domain: 1.5...40)
        assertTicks(narrow.ticks(count: 5), [2, 5, 10, 20], tolerance: 1e-9)
    }

    func testCompactFormattingOfSingleValues() {
        XCTAssertEqual(TickFormat.compact(0.25), "0.25")
        XCTAssertEqual(TickFormat.compact(3), "3")
        XCTAssertEqual(TickFormat.compact(-0.0001), "\u{2212}1e\u{2212}4")
        XCTAssertEqual(TickFormat.compact(-0.0), "0")
        XCTAssertEqual(TickFormat.compact(.nan), "NaN")
    }

    func testAutomaticDomainAddsMarginsButNotPastStickyEdges() throws {
        let padded = try AxesLayout.resolveDomain(axis: "x", explicit: nil, categories: nil, type: .linear,
                                                  ranges: [0...10], sticky: [], margin: 0.05)
        XCTAssertEqual(padded.lowerBound, -0.5, accuracy: 1e-12)
        XCTAssertEqual(padded.upperBound, 10.5, accuracy: 1e-12)
        let bars = try AxesLayout.resolveDomain(axis: "y", explicit: nil, categories: nil, type: .linear,
                                                ranges: [0...10], sticky: [0], margin: 0.05)
        XCTAssertEqual(bars.lowerBound, 0, "bars start on the axis")
        XCTAssertEqual(bars.upperBound, 10.5, accuracy: 1e-12)
        let categories = try AxesLayout.resolveDomain(axis: "x", explicit: nil, categories: ["A", "B", "C"], type: .linear,
                                                      ranges: [], sticky: [], margin: 0.05)
        XCTAssertEqual(categories, -0.5...2.5)
        XCTAssertThrowsError(try AxesLayout.resolveDomain(axis: "y", explicit: nil, categories: nil, type: .log,
                                                          ranges: [0...10], sticky: [], margin: 0.05)) { error in
            XCTAssertEqual(error as? PlotError, .nonPositiveLogDomain(axis: "y", lower: 0))
        }
    }
}
