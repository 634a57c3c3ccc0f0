import XCTest
@testable import Pipeline

final class ProgressDisplayTests: XCTestCase {
    func testLineShowsCountPercentRateAndETA() {
        let line = ProgressDisplay.line(label: "generate", done: 1300, total: 2600, unit: "images", elapsed: 1.0, barWidth: 10)
        XCTAssertEqual(line, "generate [#####-----] 1300/2600 50% 1300 images/s ETA 0:01")
        let slow = ProgressDisplay.line(label: "train", done: 3, total: 10, unit: "batches", elapsed: 4, barWidth: 0)
        XCTAssertEqual(slow, "train 3/10 30% 0.8 batches/s ETA 0:09")
        let done = ProgressDisplay.line(label: "x", done: 10, total: 10, unit: "items", elapsed: 3725, barWidth: 0)
        XCTAssertEqual(done, "x 10/10 100% 0.0 items/s in 1:02:05")
    }

    func testPlainOutputPrintsPeriodicLinesNotEveryStep() {
        var now = 0.0
        var written: [String] = []
        let output = ConsoleOutput(isTerminal: false) { written.append($0) }
        let progress = ProgressDisplay(label: "gen", total: 100, unit: "images", output: output, clock: { now })
        for _ in 0..<100 {
            now += 0.25 // 25 s in all: lines at 10 s and 20 s, then the final one
            progress.advance()
        }
        progress.finish()
        progress.finish()
        XCTAssertEqual(written.count, 3)
        XCTAssertTrue(written.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") })
        XCTAssertEqual(written.last, "gen 100/100 100% 4.0 images/s in 0:25\n")
    }

    func testTerminalOutputRedrawsInPlace() {
        var now = 0.0
        var written: [String] = []
        let output = ConsoleOutput(isTerminal: true) { written.append($0) }
        let progress = ProgressDisplay(label: "gen", total: 4, unit: "images", output: output, clock: { now })
        for _ in 0..<4 {
            now += 1
            progress.advance()
        }
        progress.finish()
        XCTAssertEqual(written.count, 5)
        XCTAssertTrue(written.allSatisfy { $0.hasPrefix("\r\u{1B}[2K") })
        XCTAssertTrue(written.last!.hasSuffix("\n"))
        XCTAssertTrue(written[1].contains("[############------------] 2/4 50%"))
    }

    /// A run's log (the transcript of a teeing output) gets every line the console shows, and
    /// of a live bar only its final state, as a plain line.
    func testATranscriptGetsEveryLineButNotTheRedrawsOfALiveBar() {
        var now = 0.0
        var shown: [String] = [], transcript: [String] = []
        let terminal = ConsoleOutput(isTerminal: true) { shown.append($0) }
        let output = terminal.teeing { transcript.append($0) }
        XCTAssertTrue(output.isTerminal)
        output.write("Loaded 4 images.\n")
        let progress = ProgressDisplay(label: "epoch 1/2", total: 4, unit: "images", output: output, clock: { now })
        for _ in 0..<4 {
            now += 1
            progress.advance()
        }
        progress.finish()
        output.write("epoch 1/2  loss 0.5\n")
        XCTAssertEqual(shown.count, 1 + 5 + 1, "the console shows the lines and every redraw")
        XCTAssertEqual(transcript, ["Loaded 4 images.\n", "epoch 1/2 4/4 100% 1.0 images/s in 0:04\n", "epoch 1/2  loss 0.5\n"])
    }
}
