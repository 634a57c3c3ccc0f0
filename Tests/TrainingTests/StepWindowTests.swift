import FileFormats
import XCTest
@testable import Training

/// The loss of consecutive steps averaged into windows: full windows of 20, the rest at the
/// end of an epoch, and a window interrupted mid-way carried on exactly.
final class StepWindowTests: XCTestCase {
    func testFullWindowsThenTheRestAtTheEpochsEnd() {
        var window = StepWindow()
        var records: [StepRecord] = []
        // 45 steps with losses 1…45: windows 1–20 (mean 10.5), 21–40 (30.5), 41–45 (43).
        for step in 1...45 {
            let loss = Float(step)
            if let r = window.add(step: step, epoch: 1, loss: loss, crossEntropy: loss / 2, meanSquaredError: 1, learningRate: 0.001 / Double(step)) {
                records.append(r)
            }
        }
        XCTAssertEqual(records.count, 2, "only full windows close by themselves")
        records.append(window.close(step: 45, epoch: 1, learningRate: 0.5)!)
        XCTAssertEqual(records.map(\.step), [20, 40, 45])
        XCTAssertEqual(records.map(\.steps), [20, 20, 5])
        XCTAssertEqual(records.map(\.loss), [10.5, 30.5, 43])
        XCTAssertEqual(records.map(\.crossEntropy), [5.25, 15.25, 21.5])
        XCTAssertEqual(records.map(\.meanSquaredError), [1, 1, 1])
        XCTAssertEqual(records[0].learningRate, 0.001 / 20, "the rate of the window's last step")
        XCTAssertEqual(records[2].learningRate, 0.5)
        XCTAssertNil(window.close(step: 45, epoch: 1, learningRate: 0.5), "an empty window gives no record")
    }

    func testAnInterruptedWindowCarriesOnExactly() {
        let losses: [Float] = (0..<20).map { 0.1 + Float($0) * 0.37 }
        var straight = StepWindow(), first = StepWindow()
        var expected: StepRecord?
        for (i, loss) in losses.enumerated() {
            expected = straight.add(step: i + 1, epoch: 2, loss: loss, crossEntropy: loss, meanSquaredError: loss, learningRate: 0.1)
        }
        for (i, loss) in losses.prefix(7).enumerated() {
            XCTAssertNil(first.add(step: i + 1, epoch: 2, loss: loss, crossEntropy: loss, meanSquaredError: loss, learningRate: 0.1))
        }
        // A checkpoint keeps the unfinished window as text; the resumed run reads it back.
        var resumed = try! XCTUnwrap(StepWindow(text: first.text))
        XCTAssertEqual(resumed, first)
        var record: StepRecord?
        for (i, loss) in losses.enumerated().dropFirst(7) {
            record = resumed.add(step: i + 1, epoch: 2, loss: loss, crossEntropy: loss, meanSquaredError: loss, learningRate: 0.1)
        }
        XCTAssertEqual(record, expected, "the same sums in the same order: the same record, bit for bit")
    }

    func testDamagedWindowTextIsRefused() {
        XCTAssertNil(StepWindow(text: "3,1,1"))
        XCTAssertNil(StepWindow(text: "20,1,1,1"), "a full window is never left open")
        XCTAssertNil(StepWindow(text: "-1,1,1,1"))
        XCTAssertNil(StepWindow(text: "3,nan,1,1"))
        XCTAssertEqual(StepWindow(text: "0,0.0,0.0,0.0"), StepWindow())
    }
}
