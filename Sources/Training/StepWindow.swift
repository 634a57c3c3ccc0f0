import FileFormats

/// Averages the loss of consecutive training steps into `StepRecord`s of `TrainingSteps.window`
/// steps each, within one epoch (the epoch's last window holds what is left). Sums are Double
/// and added in step order, so a run and a resumed run give the same records.
struct StepWindow: Equatable {
    let size: Int
    private(set) var steps = 0
    private(set) var loss = 0.0, crossEntropy = 0.0, meanSquaredError = 0.0

    init(size: Int = TrainingSteps.window) {
        precondition(size >= 1, "a window holds at least one step")
        self.size = size
    }

    /// Adds step `step` (1-based, over the run) of `epoch`; returns the window's record when
    /// this step fills it.
    mutating func add(step: Int, epoch: Int, loss: Float, crossEntropy: Float, meanSquaredError: Float, learningRate: Double) -> StepRecord? {
        steps += 1
        self.loss += Double(loss)
        self.crossEntropy += Double(crossEntropy)
        self.meanSquaredError += Double(meanSquaredError)
        return steps == size ? close(step: step, epoch: epoch, learningRate: learningRate) : nil
    }

    /// The record of a window that is not full (the end of an epoch), or nil when it is empty.
    mutating func close(step: Int, epoch: Int, learningRate: Double) -> StepRecord? {
        guard steps > 0 else { return nil }
        let n = Double(steps)
        let record = StepRecord(step: step, epoch: epoch, steps: steps, loss: loss / n, crossEntropy: crossEntropy / n,
                                meanSquaredError: meanSquaredError / n, learningRate: learningRate)
        self = StepWindow(size: size)
        return record
    }

    /// "steps,loss,ce,mse", each sum in Swift's round-trip form (a checkpoint taken mid-window
    /// keeps it, so the resumed window averages exactly the same numbers).
    var text: String { "\(steps),\(loss),\(crossEntropy),\(meanSquaredError)" }

    init?(text: String, size: Int = TrainingSteps.window) {
        let fields = text.split(separator: ",").map(String.init)
        guard fields.count == 4, let steps = Int(fields[0]), steps >= 0, steps < size,
              let loss = Double(fields[1]), let ce = Double(fields[2]), let mse = Double(fields[3]),
              loss.isFinite, ce.isFinite, mse.isFinite else { return nil }
        self.init(size: size)
        (self.steps, self.loss, self.crossEntropy, self.meanSquaredError) = (steps, loss, ce, mse)
    }
}
