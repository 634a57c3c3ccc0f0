import FileFormats
import Foundation
import TestSupport
import XCTest
@testable import Report

/// The training page's curve by step, and the pages drawn while a run trains: their banner,
/// the pages that say they come later, and the final report that replaces them.
final class LiveReportPagesTests: TemporaryFolderTestCase {
    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func testStepsFigureMarksTheEpochsAndShowsTheLearningRate() throws {
        let job = try ReportFixture().make(root: folder)
        _ = try ReportRenderer.render(job)
        let training = try read(job.runFolder + "/training.html")
        XCTAssertTrue(training.contains("<img src=\"figures/training-steps.svg\""))
        let svg = try read(job.runFolder + "/figures/training-steps.svg")
        for epoch in 1...8 { XCTAssertTrue(svg.contains(">epoch \(epoch)<"), "epoch \(epoch) is labelled") }
        XCTAssertTrue(svg.contains("Learning rate"))
        XCTAssertEqual(svg.components(separatedBy: "stroke-dasharray").count - 1, 2 * 7,
                       "a dashed line where each of the first 7 epochs ends, on both axes")
        let csv = try read(job.runFolder + "/figures/training-steps.csv").split(whereSeparator: \.isNewline)
        XCTAssertEqual(csv.first, "step,epoch,steps,loss,cross_entropy,mse,learning_rate")
        XCTAssertEqual(csv.count, 1 + 24, "one row per window")
        XCTAssertFalse(try read(job.runFolder + "/index.html").contains("class=\"banner"), "a finished run has no banner")
    }

    /// Runs made before steps.csv existed still render, and say what they lack.
    func testARunWithoutStepsCSVStillRendersAndSaysSo() throws {
        var fixture = ReportFixture()
        fixture.steps = false
        fixture.analysis = false
        let job = try fixture.make(root: folder)
        _ = try ReportRenderer.render(job)
        let training = try read(job.runFolder + "/training.html")
        XCTAssertTrue(training.contains("steps.csv is not in the run folder: this run was trained before asl-lab recorded the loss of every 20 steps"))
        XCTAssertFalse(training.contains("training-steps.svg"))
        XCTAssertTrue(training.contains("<img src=\"figures/training-loss.svg\""), "the per-epoch curves are still there")
    }

    func testALiveReportCarriesTheBannerAndTheFinalReportReplacesIt() throws {
        var fixture = ReportFixture()
        fixture.analysis = false
        let job = try fixture.make(root: folder)
        try FileManager.default.removeItem(atPath: job.runFolder + "/training.json")
        let history = try TrainingHistory.read(folder: job.runFolder)
        let steps = ReportFixture.stepRecords(epochs: 8)
        let banner = ReportBanner.training(epoch: 2, of: 8, finished: true, secondsLeft: 150)
        let seconds = try ReportRenderer.renderLive(job, history: Array(history.prefix(2)), steps: Array(steps.prefix(6)), banner: banner,
                                                    pending: "Drawn at the end of the run.")
        XCTAssertGreaterThan(seconds, 0)
        for page in ReportPagesTests.pages {
            let html = try read(job.runFolder + "/" + page)
            XCTAssertTrue(html.contains("<div class=\"banner banner-running\" role=\"status\"><div class=\"inner\"><strong>In progress: epoch 2 of 8 finished, ETA 2 min 30 s of training.</strong>"),
                          "\(page) has the banner")
            XCTAssertEqual(ReportPagesTests.navigation(html), ReportPagesTests.pages, "\(page) links every page")
        }
        for page in ["dataset.html", "evaluation.html", "model.html", "embeddings.html"] {
            let html = try read(job.runFolder + "/" + page)
            XCTAssertTrue(html.contains("Drawn at the end of the run."), "\(page) says why it is empty")
            XCTAssertFalse(html.contains("<img"), "\(page) draws nothing yet")
        }
        let training = try read(job.runFolder + "/training.html")
        XCTAssertTrue(training.contains("<img src=\"figures/training-steps.svg\""))
        XCTAssertEqual(try read(job.runFolder + "/figures/training-steps.csv").split(whereSeparator: \.isNewline).count, 1 + 6, "the windows so far")
        XCTAssertEqual(try read(job.runFolder + "/figures/training-loss.csv").split(whereSeparator: \.isNewline).count, 1 + 2, "the epochs so far")
        let overview = try read(job.runFolder + "/index.html")
        XCTAssertTrue(overview.contains("Training has not finished: these are the validation split"), "the overview says the numbers are provisional")

        _ = try ReportRenderer.render(job)
        for page in ReportPagesTests.pages {
            let html = try read(job.runFolder + "/" + page)
            XCTAssertFalse(html.contains("class=\"banner"), "the final \(page) has no banner")
            XCTAssertFalse(html.contains("In progress"), "the final \(page) says nothing of progress")
        }
    }

    /// A report of a run that was stopped or failed says so on every page; one whose status is
    /// `running` (the report stage of a run in progress) does not.
    func testTheReportOfARunThatEndedEarlySaysHowItEnded() throws {
        let job = try ReportFixture().make(root: folder)
        let running = RunStatus.starting(command: "asl-lab run")
        try running.write(to: job.runFolder)
        _ = try ReportRenderer.render(job)
        XCTAssertFalse(try read(job.runFolder + "/training.html").contains("class=\"banner"), "the run's own report stage")

        try running.with(.interrupted, stage: "train", reason: "Training was interrupted during epoch 2, after batch 3.").write(to: job.runFolder)
        _ = try ReportRenderer.render(job)
        for page in ReportPagesTests.pages {
            let html = try read(job.runFolder + "/" + page)
            XCTAssertTrue(html.contains("<div class=\"banner banner-stopped\" role=\"status\"><div class=\"inner\"><strong>Interrupted during train.</strong> The run was stopped before it finished: Training was interrupted during epoch 2, after batch 3."),
                          "\(page): \(html.prefix(3000))")
        }
        try running.with(.failed, stage: "analyse", reason: "no space is left on the device").write(to: job.runFolder)
        _ = try ReportRenderer.render(job)
        XCTAssertTrue(try read(job.runFolder + "/index.html").contains("<strong>Failed during analyse.</strong> The run ended with an error: no space is left on the device."))
    }
}
