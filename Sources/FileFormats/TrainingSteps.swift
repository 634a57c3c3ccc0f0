import AtomicIO
import Foundation

/// What one window of consecutive training steps measured (a step is one batch: forward,
/// backward and an Adam update).
public struct StepRecord: Equatable, Sendable {
    /// The 1-based number, counted over the whole run, of the window's last step.
    public var step: Int
    /// The epoch the window belongs to (windows never straddle two epochs).
    public var epoch: Int
    /// How many steps the window averages: `TrainingSteps.window`, or fewer for the last
    /// window of an epoch.
    public var steps: Int
    /// Mean over the window's steps of each step's batch loss: total, cross-entropy and
    /// distance MSE.
    public var loss: Double
    public var crossEntropy: Double
    public var meanSquaredError: Double
    /// The learning rate Adam used for the window's last step.
    public var learningRate: Double

    public init(step: Int, epoch: Int, steps: Int, loss: Double, crossEntropy: Double, meanSquaredError: Double, learningRate: Double) {
        self.step = step
        self.epoch = epoch
        self.steps = steps
        self.loss = loss
        self.crossEntropy = crossEntropy
        self.meanSquaredError = meanSquaredError
        self.learningRate = learningRate
    }
}

/// `steps.csv`: the training loss of every window of `window` steps, and the learning rate,
/// one row per window. (A checkpoint keeps the same text in its metadata.)
public enum TrainingSteps {
    public static let fileName = "steps.csv"
    public static let header = "step,epoch,steps,loss,cross_entropy,mse,learning_rate"
    /// Steps per window: every epoch is cut into windows of this many steps, its last window
    /// holding what is left.
    public static let window = 20

    public static func csv(_ records: [StepRecord]) -> String {
        var text = header + "\n"
        for r in records {
            text += String(format: "%d,%d,%d,%.6f,%.6f,%.6f,%.9g\n", r.step, r.epoch, r.steps, r.loss, r.crossEntropy, r.meanSquaredError,
                           r.learningRate)
        }
        return text
    }

    /// Reads records written by `csv`, checking every row (numbers, counts, order); `source`
    /// names the file in errors, which give its line.
    public static func parse(_ text: String, source: String) throws(RecordError) -> [StepRecord] {
        func damaged(_ line: Int, _ why: String) -> RecordError {
            .unreadable(path: source, problem: "its record of training steps is damaged at line \(line): \(why)")
        }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard let first = lines.first, first.trimmingCharacters(in: .whitespaces) == header else {
            throw damaged(1, "the header is not \"\(header)\"")
        }
        var records: [StepRecord] = []
        for (index, line) in lines.enumerated().dropFirst() {
            let number = index + 1
            if line.isEmpty {
                // Only the file's final newline may leave an empty line.
                if index == lines.count - 1 { break }
                throw damaged(number, "the line is empty")
            }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 7 else { throw damaged(number, "it has \(fields.count) fields where 7 are expected") }
            guard let step = Int(fields[0]), let epoch = Int(fields[1]), let steps = Int(fields[2]) else {
                throw damaged(number, "step, epoch and steps must be whole numbers")
            }
            let values = fields[3...].map { Double($0) }
            guard values.allSatisfy({ $0?.isFinite == true }) else {
                throw damaged(number, "loss, cross_entropy, mse and learning_rate must be finite numbers")
            }
            let (loss, ce, mse, rate) = (values[0]!, values[1]!, values[2]!, values[3]!)
            guard epoch >= 1, steps >= 1, steps <= window, step >= steps else {
                throw damaged(number, "a window needs epoch ≥ 1 and 1 ≤ steps ≤ \(window) ≤ step, but has epoch \(epoch), steps \(steps), step \(step)")
            }
            guard loss >= 0, ce >= 0, mse >= 0, rate >= 0 else { throw damaged(number, "a loss or the learning rate is negative") }
            if let previous = records.last {
                guard step - steps == previous.step else {
                    throw damaged(number, "its window starts after step \(step - steps), but the row before ends at step \(previous.step)")
                }
                guard epoch == previous.epoch || epoch == previous.epoch + 1 else {
                    throw damaged(number, "epoch \(epoch) follows epoch \(previous.epoch)")
                }
            }
            records.append(StepRecord(step: step, epoch: epoch, steps: steps, loss: loss, crossEntropy: ce, meanSquaredError: mse, learningRate: rate))
        }
        return records
    }

    /// Writes `records` as `folder/steps.csv` atomically.
    public static func write(_ records: [StepRecord], to folder: String) throws(RecordError) {
        let path = (folder as NSString).appendingPathComponent(fileName)
        do { try AtomicFile.write(Data(csv(records).utf8), to: path) } catch {
            throw RecordError.cannotWrite(path: error.path, reason: error.reason)
        }
    }

    /// Reads `folder/steps.csv` through the bounded reader.
    public static func read(folder: String) throws(RecordError) -> [StepRecord] {
        let path = (folder as NSString).appendingPathComponent(fileName)
        let text: String
        do { text = try InputFile.readText(path, limit: InputFile.Limit.runRecord) } catch {
            throw RecordError.unreadable(path: path, problem: error.reason)
        }
        return try parse(text, source: path)
    }
}
