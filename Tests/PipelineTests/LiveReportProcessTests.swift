import FileFormats
import Foundation
import Storage
import TestSupport
import XCTest

/// `asl-lab run` as a process, watched from outside as a researcher would watch its run folder:
/// the pages appear while the model trains and change from epoch to epoch, log.txt grows with
/// the console's lines, and the end of the run (finished or stopped) shows in the pages.
final class LiveReportProcessTests: TemporaryFolderTestCase {
    /// Small, but with epochs long enough (tens of ms) to be seen one by one.
    static let settings = ["data.images_per_letter=40", "data.image_size=64", "train.input_size=32", "train.epochs=3",
                           "train.model.channels=[8,8,16]", "train.model.class_hidden=16", "train.model.distance_hidden=8"]

    func start(_ arguments: [String], budget: String? = nil) throws -> (Process, URL) {
        try CommandLineTests.start(arguments, in: folderURL, environment: budget.map { ["ASL_LIVE_REPORT_BUDGET": $0] } ?? [:])
    }

    var store: RunStore { RunStore(root: folderURL.appendingPathComponent("Reports").path) }

    /// The run folder, once it exists.
    func runFolder() -> String? {
        store.runs().first.map { store.path($0) }
    }

    func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    func testPagesAppearWhileTrainingChangeEachEpochAndTheFinalReportHasNoBanner() throws {
        // Draw after every epoch, however short (the default 2 % of training would skip most).
        let (process, output) = try start(["run", "--threads", "1"] + Self.settings.flatMap { ["--set", $0] }, budget: "1000")
        var seen: [String] = []
        var logWhenEpoch2Showed = ""
        let deadline = Date().addingTimeInterval(180)
        while process.isRunning, Date() < deadline {
            if let run = runFolder() {
                let page = text(run + "/training.html")
                for epoch in 1...3 where !seen.contains("\(epoch)") && page.contains("In progress: epoch \(epoch) of 3") {
                    seen.append("\(epoch)")
                    if epoch == 2 { logWhenEpoch2Showed = text(run + "/log.txt") }
                }
            }
            usleep(2_000)
        }
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, text(output.path))
        XCTAssertEqual(Array(seen.prefix(2)), ["1", "2"], "the training page showed epoch 1, then epoch 2, while the run went on")
        XCTAssertTrue(logWhenEpoch2Showed.contains("epoch 1/3  loss"), "log.txt had the first epoch's line while the run went on: \(logWhenEpoch2Showed)")

        let run = try XCTUnwrap(runFolder())
        for page in ["index.html", "training.html", "dataset.html", "evaluation.html", "model.html", "embeddings.html"] {
            let html = text(run + "/" + page)
            XCTAssertFalse(html.contains("class=\"banner"), "the final \(page) has no banner")
            XCTAssertFalse(html.contains("Not drawn yet"), "the final \(page) is drawn")
        }
        XCTAssertTrue(text(run + "/training.html").contains("figures/training-steps.svg"))
        XCTAssertEqual(try TrainingSteps.read(folder: run).last?.epoch, 3, "steps.csv is in the run folder")

        let log = text(run + "/log.txt")
        for line in ["epoch 1/3  loss", "epoch 2/3  loss", "epoch 3/3  loss", "train: Trained 3 epochs", "train: live report: the pages were drawn",
                     "analyse: Test accuracy", "report: Wrote 6 pages", "Run folder: "] {
            XCTAssertTrue(log.contains(line), "log.txt has \"\(line)\": \(log)")
        }
        XCTAssertFalse(log.contains("\u{1B}["), "no progress-bar redraws in log.txt")
        let manifest = try RunManifest.read(folder: run)
        XCTAssertNotNil(manifest.artifacts[TrainingSteps.fileName])
        XCTAssertNotNil(manifest.artifacts["training.html"], "the final pages are recorded")
    }

    /// A run stopped while it trains: its pages stop saying "in progress" and say it was
    /// interrupted; the pages drawn during training are not recorded in the manifest.
    func testAnInterruptedRunsPagesSayItWasInterrupted() throws {
        let settings = PipelineRunTests.tiny.filter { !$0.hasPrefix("train.epochs") } + ["train.epochs=400"]
        let (process, output) = try start(["run", "--threads", "1"] + settings.flatMap { ["--set", $0] })
        let deadline = Date().addingTimeInterval(120)
        var live = false
        while process.isRunning, Date() < deadline, !live {
            if let run = runFolder(), text(run + "/training.html").contains("In progress: epoch"), text(run + "/log.txt").contains("epoch 3/400") { live = true }
            usleep(5_000)
        }
        XCTAssertTrue(live, "the pages appeared while training: \(text(output.path))")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130, text(output.path))
        let run = try XCTUnwrap(runFolder())
        for page in ["index.html", "training.html", "model.html"] {
            let html = text(run + "/" + page)
            XCTAssertTrue(html.contains("<div class=\"banner banner-stopped\""), "\(page) says the run stopped")
            XCTAssertTrue(html.contains("Interrupted during train."), "\(page)")
            XCTAssertFalse(html.contains("In progress"), "\(page) no longer says it is in progress")
        }
        XCTAssertTrue(text(run + "/log.txt").contains("train: stopped: "), "log.txt ends with the stop")
    }

    /// A run asked to end after training (`--until train`) is complete without a report: its
    /// pages say so, and the manifest written after training records no hash of them (they
    /// carry the time of day), only of the training's files.
    func testARunEndingBeforeItsReportSaysSoAndRecordsNoPageHash() throws {
        let (process, output) = try start(["run", "--threads", "1", "--until", "train"] + Self.settings.flatMap { ["--set", $0] })
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, text(output.path))
        let run = try XCTUnwrap(runFolder())
        XCTAssertEqual(RunStatus.read(runFolder: run)?.state, .complete)
        let training = text(run + "/training.html")
        XCTAssertTrue(training.contains("<div class=\"banner banner-ended\""), training)
        XCTAssertTrue(training.contains("figures/training-steps.svg"), "the curves of all three epochs are drawn")
        XCTAssertFalse(training.contains("In progress"))
        let manifest = try RunManifest.read(folder: run)
        XCTAssertNotNil(manifest.artifacts["steps.csv"])
        XCTAssertNotNil(manifest.artifacts["history.csv"])
        XCTAssertFalse(manifest.artifacts.keys.contains { RunStore.isReportOutput($0) }, "\(manifest.artifacts.keys.sorted())")
    }
}
