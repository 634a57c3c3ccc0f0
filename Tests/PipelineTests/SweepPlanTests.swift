import Configuration
import FileFormats
import Report
import XCTest
@testable import Pipeline

/// How `asl-lab sweep`'s --set lists become members, and what it refuses.
final class SweepPlanTests: XCTestCase {
    func plan(_ overrides: [String], mode: SweepPlan.Mode = .grid, allowMany: Bool = false) throws -> SweepPlan {
        try SweepPlan(name: "t", configFile: nil, overrides: overrides, mode: mode, allowMany: allowMany)
    }

    func testGridIsEveryCombinationInOrderAndSingleValuesAreShared() throws {
        let sweep = try plan(["train.epochs=2", "train.learning_rate=0.001,0.002", "train.seed=0..2"])
        XCTAssertEqual(sweep.fixedOverrides, ["train.epochs=2"])
        XCTAssertEqual(sweep.axes.map(\.key), ["train.learning_rate", "train.seed"])
        XCTAssertEqual(sweep.members.count, 6)
        XCTAssertEqual(sweep.members.map(\.label), [
            "train.learning_rate=0.001, train.seed=0", "train.learning_rate=0.001, train.seed=1", "train.learning_rate=0.001, train.seed=2",
            "train.learning_rate=0.002, train.seed=0", "train.learning_rate=0.002, train.seed=1", "train.learning_rate=0.002, train.seed=2"])
        for member in sweep.members {
            XCTAssertEqual(Config(member.config).train.epochs, 2)
        }
        XCTAssertEqual(Config(sweep.members[4].config).train.learningRate, 0.002)
        XCTAssertEqual(Config(sweep.members[4].config).trainSeed, 1)
        XCTAssertEqual(Set(sweep.members.map(\.name)).count, 6, "names are unique")
        XCTAssertTrue(sweep.members[0].name.hasPrefix("m1-"), sweep.members[0].name)
        XCTAssertEqual(Set(sweep.members.map { StageKeys(config: $0.config).generate }).count, 1, "a train.seed sweep shares one data set")
    }

    func testZipPairsTheNthValues() throws {
        let sweep = try plan(["train.learning_rate=0.001,0.002,0.004", "train.batch_size=16,32,64"], mode: .zip)
        XCTAssertEqual(sweep.members.map(\.label), ["train.learning_rate=0.001, train.batch_size=16", "train.learning_rate=0.002, train.batch_size=32",
                                                    "train.learning_rate=0.004, train.batch_size=64"])
        XCTAssertThrowsError(try plan(["train.learning_rate=0.001,0.002", "train.batch_size=16,32,64"], mode: .zip)) { error in
            XCTAssertTrue("\(error)".contains("train.batch_size has 3, train.learning_rate has 2"), "\(error)")
        }
    }

    func testBracketedListsAreOneValueAndTextIsNeverSplit() throws {
        let sweep = try plan(["train.model.channels=[4,4,4],[8,8,8]", "report.title=Rates, seeds and more"])
        XCTAssertEqual(sweep.axes.map(\.key), ["train.model.channels"])
        XCTAssertEqual(sweep.members.map { Config($0.config).train.channels }, [[4, 4, 4], [8, 8, 8]])
        XCTAssertEqual(Config(sweep.members[0].config).report.title, "Rates, seeds and more")
    }

    func testBadListsAreRefusedWithTheirReason() throws {
        func message(_ overrides: [String], mode: SweepPlan.Mode = .grid) -> String {
            do { _ = try plan(overrides, mode: mode); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(["train.seed=1,,2"]).contains("empty value"), message(["train.seed=1,,2"]))
        XCTAssertTrue(message(["train.seed=1,2,"]).contains("empty value"))
        XCTAssertTrue(message(["train.seed=0,1,1"]).contains("1 is listed twice"), message(["train.seed=0,1,1"]))
        XCTAssertTrue(message(["train.learning_rate=0.001,1e-3"]).contains("0.001 and 1e-3 are the same value"), message(["train.learning_rate=0.001,1e-3"]))
        XCTAssertTrue(message(["train.seed=4..2"]).contains("is empty"))
        XCTAssertTrue(message(["train.seed=a..2"]).contains("not a range of integers"))
        // Ranges whose count an Int cannot hold are refused, not overflowed.
        XCTAssertTrue(message(["train.seed=0..9223372036854775807"]).contains("has 9223372036854775808 values, far more than a sweep can run"),
                      message(["train.seed=0..9223372036854775807"]))
        XCTAssertTrue(message(["train.seed=-9223372036854775808..9223372036854775807"]).contains("has 18446744073709551616 values"))
        XCTAssertTrue(message(["train.learnin_rate=0.001,0.002"]).contains("train.learning_rate"), "the nearest key is suggested: \(message(["train.learnin_rate=0.001,0.002"]))")
        XCTAssertTrue(message(["train.seed=0,1", "train.seed=2,3"]).contains("swept by two --set options"))
        XCTAssertTrue(message(["train.epochs=2"]).hasPrefix("Nothing is swept"))
        XCTAssertTrue(message(["train.epochs=1,x"]).contains("train.epochs"), message(["train.epochs=1,x"]))
        let inconsistent = message(["data.distance.min=1,6"])
        XCTAssertTrue(inconsistent.contains("m2-min-6.0") && inconsistent.contains("data.distance"), inconsistent)
    }

    func testMoreThanAThousandMembersNeedYes() throws {
        XCTAssertThrowsError(try plan(["train.seed=0..40", "data.seed=0..24"])) { error in
            XCTAssertEqual(error as? SweepError, .tooManyMembers(count: 41 * 25, limit: 1000))
        }
        XCTAssertEqual(try plan(["train.seed=0..40", "data.seed=0..24"], allowMany: true).members.count, 1025)
        XCTAssertEqual(try plan(["train.seed=0..999"]).members.count, 1000)
    }

    func testTheSameSweepHasTheSameHashAndANameMakesAnother() throws {
        let a = try plan(["train.seed=0..2"]), b = try plan(["train.seed=0,1,2"])
        XCTAssertEqual(a.hash, b.hash)
        XCTAssertNotEqual(a.hash, try SweepPlan(name: "other", configFile: nil, overrides: ["train.seed=0..2"], mode: .grid).hash)
        XCTAssertNotEqual(a.hash, try plan(["train.seed=0..3"]).hash)
    }

    /// Whatever the sweep's name and values hold, its members' tag and note are valid labels.
    func testMemberLabelsAreAlwaysValid() throws {
        let tag = MemberLauncher.tag(sweep: "my sweep, v2\t" + String(repeating: "x", count: 100))
        let note = MemberLauncher.note(String(repeating: "train.seed=1, ", count: 300) + "\u{7}")
        XCTAssertNoThrow(try RunLabels.check(note: note, tags: [tag]))
        XCTAssertTrue(tag.hasPrefix("sweep:my-sweep--v2-"), tag)
    }
}

/// The sweep report's numbers: points over seeds, spreads, the best and how sure.
final class SweepSummaryTests: XCTestCase {
    func member(_ lr: String, seed: String, accuracy: Double?, complete: Bool = true) -> SweepSummary.Member {
        SweepSummary.Member(name: "m-\(lr)-\(seed)", values: [("train.learning_rate", lr), ("train.seed", seed)], status: complete ? "complete" : "failed during train",
                            complete: complete, run: nil, accuracy: accuracy, mae: accuracy.map { 1 - $0 }, seconds: 10, history: [], perClass: [:], log: nil)
    }

    func testPointsAverageOverSeedsAndIgnoreFailedMembers() throws {
        let summary = SweepSummary(members: [
            member("0.001", seed: "0", accuracy: 0.90), member("0.001", seed: "1", accuracy: 0.94),
            member("0.002", seed: "0", accuracy: 0.97), member("0.002", seed: "1", accuracy: 0.20, complete: false),
        ], keys: ["train.learning_rate", "train.seed"], seedKeys: SweepRecord.seedKeys)
        XCTAssertEqual(summary.points.map(\.label), ["train.learning_rate=0.001", "train.learning_rate=0.002"])
        let first = try XCTUnwrap(summary.points[0].accuracy)
        XCTAssertEqual(first.mean, 0.92, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(first.sd), (0.0008).squareRoot(), accuracy: 1e-12, "sample standard deviation")
        XCTAssertEqual(summary.points[1].accuracy?.count, 1, "the failed member is left out")
        XCTAssertNil(summary.points[1].accuracy?.sd)
        XCTAssertEqual(summary.best?.label, "train.learning_rate=0.002")
        XCTAssertTrue(summary.verdict.contains("without repeated seeds the spread is unknown"), summary.verdict)
    }

    func testTheVerdictSaysHowClearTheBestIs() {
        func verdict(_ a: [Double], _ b: [Double]) -> String {
            SweepSummary(members: a.enumerated().map { member("a", seed: "\($0.offset)", accuracy: $0.element) }
                         + b.enumerated().map { member("b", seed: "\($0.offset)", accuracy: $0.element) },
                         keys: ["train.learning_rate", "train.seed"], seedKeys: SweepRecord.seedKeys).verdict
        }
        XCTAssertTrue(verdict([0.95, 0.96], [0.80, 0.81]).contains("a clear difference"))
        XCTAssertTrue(verdict([0.95, 0.97], [0.93, 0.955]).contains("not a clear difference"), verdict([0.95, 0.97], [0.93, 0.955]))
        XCTAssertTrue(verdict([0.95, 0.96], [0.94, 0.945]).contains("likely, not certain"), verdict([0.95, 0.96], [0.94, 0.945]))
        XCTAssertTrue(SweepSummary(members: [member("a", seed: "0", accuracy: nil, complete: false)], keys: ["train.learning_rate", "train.seed"],
                                   seedKeys: SweepRecord.seedKeys).verdict.hasPrefix("No member completed"))
    }

    func testOnlySeedsSweptMakeOnePoint() {
        let summary = SweepSummary(members: [member("x", seed: "0", accuracy: 0.9), member("x", seed: "1", accuracy: 0.8)],
                                   keys: ["train.seed"], seedKeys: SweepRecord.seedKeys)
        XCTAssertEqual(summary.points.count, 1)
        XCTAssertEqual(summary.points[0].label, "all members")
        XCTAssertEqual(summary.points[0].accuracy?.mean ?? 0, 0.85, accuracy: 1e-12)
    }
}
