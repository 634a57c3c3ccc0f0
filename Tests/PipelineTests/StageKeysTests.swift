@testable import Pipeline
import Configuration
import XCTest

final class StageKeysTests: XCTestCase {
    /// Raising a stage's output revision changes its key and the keys after it, never the
    /// stages before; a revision of 0 keys as if there were none.
    func testOutputRevisionChangesItsStageAndTheStagesAfterIt() throws {
        let config = try ConfigLoader.load(file: nil, overrides: [])
        let none = StageKeys(config: config, revisions: [:])
        XCTAssertEqual(StageKeys(config: config, revisions: [.train: 0]), none)
        let analyse = StageKeys(config: config, revisions: [.analyse: 1])
        XCTAssertEqual(analyse.generate, none.generate)
        XCTAssertEqual(analyse.train, none.train)
        XCTAssertNotEqual(analyse.analyse, none.analyse)
        XCTAssertNotEqual(analyse.reportFigures, none.reportFigures)
        let train = StageKeys(config: config, revisions: [.train: 1])
        XCTAssertEqual(train.generate, none.generate)
        XCTAssertNotEqual(train.train, none.train)
        XCTAssertNotEqual(train.analyse, none.analyse)
        XCTAssertNotEqual(StageKeys(config: config, revisions: [.analyse: 2]).analyse, analyse.analyse)
        XCTAssertEqual(StageKeys(config: config), StageKeys(config: config, revisions: StageKeys.outputRevisions))
    }
}
