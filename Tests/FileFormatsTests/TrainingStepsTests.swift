import FileFormats
import Foundation
import TestSupport
import XCTest

/// `steps.csv`: what is written reads back, and a damaged file is refused naming the file and
/// the line, never with a crash.
final class TrainingStepsTests: TemporaryFolderTestCase {
    static let records = [
        StepRecord(step: 20, epoch: 1, steps: 20, loss: 3.25, crossEntropy: 3.1, meanSquaredError: 0.6, learningRate: 0.001),
        StepRecord(step: 27, epoch: 1, steps: 7, loss: 2.5, crossEntropy: 2.375, meanSquaredError: 0.5, learningRate: 0.001),
        StepRecord(step: 47, epoch: 2, steps: 20, loss: 1.125, crossEntropy: 1.0, meanSquaredError: 0.5, learningRate: 0.000612345678),
        StepRecord(step: 54, epoch: 2, steps: 7, loss: 0.75, crossEntropy: 0.625, meanSquaredError: 0.5, learningRate: 1.85185185e-05),
    ]

    func testRecordsSurviveWritingAndReading() throws {
        try TrainingSteps.write(Self.records, to: folder)
        let text = try String(contentsOfFile: folder + "/steps.csv", encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("step,epoch,steps,loss,cross_entropy,mse,learning_rate\n20,1,20,3.250000,3.100000,0.600000,0.001\n"), text)
        let read = try TrainingSteps.read(folder: folder)
        XCTAssertEqual(read.map(\.step), [20, 27, 47, 54])
        XCTAssertEqual(read.map(\.epoch), [1, 1, 2, 2])
        XCTAssertEqual(read.map(\.steps), [20, 7, 20, 7])
        for (got, want) in zip(read, Self.records) {
            XCTAssertEqual(got.loss, want.loss, accuracy: 5e-7)
            XCTAssertEqual(got.crossEntropy, want.crossEntropy, accuracy: 5e-7)
            XCTAssertEqual(got.meanSquaredError, want.meanSquaredError, accuracy: 5e-7)
            // Nine significant digits: a decayed rate keeps its precision.
            XCTAssertEqual(got.learningRate, want.learningRate, accuracy: want.learningRate * 1e-8)
        }
        XCTAssertEqual(TrainingSteps.csv(read), text, "reading and writing again gives the same bytes")
        XCTAssertEqual(try TrainingSteps.parse(TrainingSteps.csv([]), source: "empty"), [], "a run before its first window")
    }

    func testDamagedFilesAreRefusedNamingTheFileAndLine() {
        let good = TrainingSteps.csv(Self.records).split(separator: "\n").map(String.init)
        func refused(_ lines: [String], _ line: Int, _ phrase: String, file: StaticString = #filePath, lineNumber: UInt = #line) {
            XCTAssertThrowsError(try TrainingSteps.parse(lines.joined(separator: "\n") + "\n", source: "/runs/x/steps.csv"), file: file, line: lineNumber) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("/runs/x/steps.csv cannot be read: its record of training steps is damaged at line \(line): "), text, file: file, line: lineNumber)
                XCTAssertTrue(text.contains(phrase), text, file: file, line: lineNumber)
            }
        }
        var lines = good
        lines[0] = "epoch,train_loss"
        refused(lines, 1, "the header is not")
        lines = good
        lines[2] = "27,1,7,2.5,2.375,0.5"
        refused(lines, 3, "6 fields where 7 are expected")
        lines[2] = "27,1,7,2.5,abc,0.5,0.001"
        refused(lines, 3, "must be finite numbers")
        lines[2] = "27,1,7,nan,2.375,0.5,0.001"
        refused(lines, 3, "must be finite numbers")
        lines[2] = "27.5,1,7,2.5,2.375,0.5,0.001"
        refused(lines, 3, "must be whole numbers")
        lines[2] = "27,1,0,2.5,2.375,0.5,0.001"
        refused(lines, 3, "1 ≤ steps ≤ 20")
        lines[2] = "27,1,7,-2.5,2.375,0.5,0.001"
        refused(lines, 3, "negative")
        lines = good
        lines[3] = "48,2,20,1.125,1.0,0.5,0.0006"
        refused(lines, 4, "starts after step 28, but the row before ends at step 27")
        lines = good
        lines[3] = "47,4,20,1.125,1.0,0.5,0.0006"
        refused(lines, 4, "epoch 4 follows epoch 1")
        lines = good
        lines.insert("", at: 2)
        refused(lines, 3, "the line is empty")
    }

    func testAMissingFileIsAnErrorNamingIt() {
        XCTAssertThrowsError(try TrainingSteps.read(folder: folder)) { error in
            XCTAssertTrue("\(error)".hasPrefix(folder + "/steps.csv cannot be read"), "\(error)")
        }
    }
}
