import Canvas
import XCTest
@testable import Synth

final class SamplingTests: XCTestCase {
    func testSampleStreamsDependOnlyOnSeedLetterAndIndex() {
        var a = SampleRandom(seed: 5, letter: 3, index: 9)
        var b = SampleRandom(seed: 5, letter: 3, index: 9)
        XCTAssertEqual((0..<10).map { _ in a.next() }, (0..<10).map { _ in b.next() })
        var c = SampleRandom(seed: 5, letter: 3, index: 10)
        var d = SampleRandom(seed: 5, letter: 4, index: 9)
        var e = SampleRandom(seed: 5, letter: 3, index: 9, stream: 1)
        let first = SampleRandom(seed: 5, letter: 3, index: 9)
        var f = first
        let reference = f.next()
        XCTAssertNotEqual(c.next(), reference)
        XCTAssertNotEqual(d.next(), reference)
        XCTAssertNotEqual(e.next(), reference)
    }

    func testUniformIntegersCoverTheClosedRangeEvenly() {
        var random = SampleRandom(seed: 1)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[random.int(-3, 3) + 3] += 1 }
        for count in counts { XCTAssertEqual(Double(count), 10_000, accuracy: 400) }
    }

    func testNoiseTableHasTheRequestedSpread() {
        let table = GaussianNoiseTable(sigma: 6)
        let mean = table.values.reduce(0, +) / Float(table.values.count)
        let variance = table.values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(table.values.count)
        XCTAssertEqual(mean, 0, accuracy: 1e-3)
        XCTAssertEqual(variance.squareRoot(), 6, accuracy: 0.05)
        XCTAssertEqual(GaussianNoiseTable.inverseNormalCDF(0.975), 1.959964, accuracy: 1e-6)
    }

    func testRenderedSampleHasPlannedBackgroundAndInkFadesWithDistance() throws {
        var config = DatasetGeneratorTests.smallConfig(families: .seed4, size: 128)
        config.augment.noiseSigma = 0
        config.augment.perlinAmplitude = 0
        config.augment.blurProbability = 0
        config.augment.backgroundJitter = 0
        let renderer = try SampleRenderer(config: config, seed: 3)
        var darkestNear = 255, darkestFar = 0
        for index in 0..<40 {
            let plan = renderer.plan(letter: 2, index: index) // pillar outline
            let image = renderer.render(plan)
            XCTAssertTrue(image[0, 0] == (UInt8(plan.background.0), UInt8(plan.background.1), UInt8(plan.background.2)),
                          "a corner shows the planned background")
            let darkest = Int(image.pixels.min()!)
            if plan.distance < 1.5 { darkestNear = min(darkestNear, darkest) }
            if plan.distance > 4.5 { darkestFar = max(darkestFar, darkest) }
        }
        XCTAssertLessThan(darkestNear, 20, "near samples have black ink")
        XCTAssertGreaterThan(darkestFar, 60, "far samples have faded ink")
    }

    func testAugmentationStepsBuildUpToTheFinishedSample() throws {
        let config = DatasetGeneratorTests.smallConfig(families: .asl26, size: 96)
        let renderer = try SampleRenderer(config: config, seed: 7)
        let plan = renderer.plan(letter: 4, index: 1)
        let steps = renderer.augmentationSteps(plan)
        XCTAssertEqual(steps.map(\.name), ["pattern", "rotated", "background", "blur", "noise", "distance"])
        XCTAssertEqual(steps.last?.image, renderer.render(plan), "the last step is the data set's sample")
        XCTAssertTrue(steps[0].image[0, 0] == (255, 255, 255), "the bare pattern is on white")
        XCTAssertTrue(steps[1].image[0, 0] == (255, 255, 255), "rotation adds no background")
        XCTAssertNotEqual(steps[0].image, steps[1].image, "rotation moves the ink")
        XCTAssertNotEqual(steps[1].image, steps[2].image, "the background changes the image")
        XCTAssertNotEqual(steps[3].image, steps[4].image, "noise changes the image")
    }
}
