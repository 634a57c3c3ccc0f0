import FileFormats
import Foundation
import Report
import Training

/// The report pages of a run folder while its model trains: from the first epoch on, the
/// overview and training pages are drawn from what training has measured so far, under an
/// "in progress: epoch k of n, ETA …" banner, after every epoch and about every 30 s, so a
/// browser reload shows new curves. The report stage replaces them at the end; a run that is
/// stopped or fails before it gets them drawn once more with the state it ended in.
///
/// Drawing happens on the training thread between batches, and is held to at most
/// `budget` of the training time: a drawing that took t seconds is followed by at least
/// t / budget seconds of training before the next.
final class LiveReport: TrainingObserver, @unchecked Sendable {
    /// Seconds between drawings in the middle of an epoch.
    static let interval = 30.0
    /// Largest share of the training time spent drawing: 2 %, or the fraction in the
    /// environment variable `ASL_LIVE_REPORT_BUDGET` (above 1, drawing may take longer than
    /// training: tests set 1000 to draw after every epoch of a tiny run).
    static let budget: Double = {
        guard let text = ProcessInfo.processInfo.environment["ASL_LIVE_REPORT_BUDGET"], let value = Double(text), value > 0, value.isFinite else { return 0.02 }
        return value
    }()

    private let job: ReportJob
    private let clock: () -> Double
    private let note: (String) -> Void
    private let lock = NSLock()

    private var history: [EpochRecord] = []
    private var steps: [StepRecord] = []
    private var epoch = 0, epochs = 0
    private var imagesPerEpoch = 0, imagesLeftInEpoch = 0, imagesDone = 0
    private var trainingStarted: Double?
    /// When the last drawing ended and how long it took.
    private var lastEnd: Double?
    private var lastCost = 0.0
    private var broken = false
    /// Drawings made and the seconds they took, in all.
    private(set) var drawings = 0
    private(set) var drawingSeconds = 0.0
    /// Seconds from the first epoch's start to the last epoch's end.
    private(set) var trainingSeconds = 0.0

    /// - Parameters:
    ///   - note: receives a line for the run's log when a drawing fails (drawing then stops;
    ///     the run goes on).
    init(job: ReportJob, clock: @escaping () -> Double = ProgressDisplay.monotonicSeconds, note: @escaping (String) -> Void) {
        self.job = job
        self.clock = clock
        self.note = note
    }

    /// Whether any page has been drawn.
    var hasDrawn: Bool { lock.withLock { drawings > 0 } }

    // MARK: Training events (all on the training thread)

    func datasetLoaded(images: Int, split: DataSplit, seconds: Double) {
        lock.withLock { imagesPerEpoch = split.train.count }
    }

    func resumed(afterEpoch: Int, batches: Int) {}

    func restored(history: [EpochRecord], steps: [StepRecord]) {
        lock.withLock { (self.history, self.steps) = (history, steps) }
    }

    func epochStarted(_ epoch: Int, of epochs: Int, images: Int) {
        lock.withLock {
            (self.epoch, self.epochs, imagesLeftInEpoch) = (epoch, epochs, images)
            if trainingStarted == nil { trainingStarted = clock() }
            // The folder has pages from the first epoch on.
            if drawings == 0 { draw() }
        }
    }

    func batchFinished(images: Int, loss: Float) {
        lock.withLock {
            imagesDone += images
            imagesLeftInEpoch = max(0, imagesLeftInEpoch - images)
            if let lastEnd, clock() - lastEnd >= Self.interval { drawIfAffordable() }
        }
    }

    func stepsRecorded(_ record: StepRecord) {
        lock.withLock { steps.append(record) }
    }

    func epochFinished(_ record: EpochRecord, of epochs: Int) {
        lock.withLock {
            history.append(record)
            if let trainingStarted { trainingSeconds = clock() - trainingStarted }
            drawIfAffordable()
        }
    }

    // MARK: The end of the run

    /// Draws the pages once more under the state the run ended in (interrupted, failed, or
    /// complete before its report stage), when pages were drawn and the report did not
    /// replace them; nothing otherwise.
    func ended(_ status: RunStatus, reportWritten: Bool) {
        lock.withLock {
            guard drawings > 0, !reportWritten, let banner = ReportBanner.ended(status, reportPending: true) else { return }
            let pending = status.state == .complete
                ? "The run ended before its report stage, so this page is not drawn. asl-lab report --run on this folder draws it from what the folder holds."
                : "The run ended before its report stage, so this page is not drawn. Running the same command again carries the run on and draws it."
            _ = try? ReportRenderer.renderLive(job, history: history, steps: steps, banner: banner, pending: pending)
        }
    }

    /// One line for the log: how often the pages were drawn and what share of the training
    /// time that took; nil when they never were.
    var costLine: String? {
        lock.withLock {
            guard drawings > 0 else { return nil }
            let share = trainingSeconds > 0 ? String(format: ", %.2f %% of the %.1f s of training", 100 * drawingSeconds / trainingSeconds, trainingSeconds) : ""
            return String(format: "live report: the pages were drawn %d time%@ in %.2f s%@.\n", drawings, drawings == 1 ? "" : "s", drawingSeconds, share)
        }
    }

    // MARK: Drawing (called with the lock held)

    private func drawIfAffordable() {
        guard let lastEnd else { return draw() }
        if clock() - lastEnd >= lastCost / Self.budget { draw() }
    }

    private func draw() {
        guard !broken else { return }
        let banner = ReportBanner.training(epoch: epoch, of: epochs, finished: history.last?.epoch == epoch, secondsLeft: secondsLeft())
        let started = clock()
        do {
            _ = try ReportRenderer.renderLive(job, history: history, steps: steps, banner: banner,
                                              pending: "This page is drawn when the run reaches its report stage, after training and analysis.")
        } catch {
            broken = true
            note("note: the pages of the run in progress could not be drawn (\(error)); the report is drawn when the run ends.\n")
        }
        let end = clock()
        (lastEnd, lastCost) = (end, end - started)
        drawings += 1
        drawingSeconds += end - started
    }

    /// Seconds of training left at the rate so far (validation passes included), or nil
    /// before the first batch.
    private func secondsLeft() -> Double? {
        guard let trainingStarted, imagesDone > 0 else { return nil }
        let rate = Double(imagesDone) / max(clock() - trainingStarted, 1e-3)
        let left = imagesLeftInEpoch + max(0, epochs - epoch) * imagesPerEpoch
        return Double(left) / rate
    }
}
