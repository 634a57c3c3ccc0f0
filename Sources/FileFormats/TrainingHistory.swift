import AtomicIO
import Foundation

/// What one epoch of training measured.
public struct EpochRecord: Equatable, Sendable {
    public var epoch: Int
    /// Mean training loss over the epoch's batches: total, cross-entropy and distance MSE.
    public var loss: Double
    public var crossEntropy: Double
    public var meanSquaredError: Double
    /// Validation accuracy (0…1) and distance mean absolute error.
    public var validationAccuracy: Double
    public var validationMAE: Double
    /// Training images per second during the epoch (forward + backward + Adam).
    public var imagesPerSecond: Double
    public var seconds: Double

    public init(epoch: Int, loss: Double, crossEntropy: Double, meanSquaredError: Double, validationAccuracy: Double,
                validationMAE: Double, imagesPerSecond: Double, seconds: Double) {
        self.epoch = epoch
        self.loss = loss
        self.crossEntropy = crossEntropy
        self.meanSquaredError = meanSquaredError
        self.validationAccuracy = validationAccuracy
        self.validationMAE = validationMAE
        self.imagesPerSecond = imagesPerSecond
        self.seconds = seconds
    }
}

/// `history.csv`: one row per epoch. (A checkpoint keeps the same text in its metadata.)
public enum TrainingHistory {
    public static let fileName = "history.csv"
    public static let header = "epoch,train_loss,train_ce,train_mse,val_accuracy,val_mae,images_per_second,seconds"

    public static func csv(_ records: [EpochRecord]) -> String {
        var text = header + "\n"
        for r in records {
            text += String(format: "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.1f,%.2f\n", r.epoch, r.loss, r.crossEntropy, r.meanSquaredError,
                           r.validationAccuracy, r.validationMAE, r.imagesPerSecond, r.seconds)
        }
        return text
    }

    /// Reads a history written by `csv`; `source` names it in errors.
    public static func parse(_ text: String, source: String) throws(RecordError) -> [EpochRecord] {
        var records: [EpochRecord] = []
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() where number > 0 {
            let f = line.split(separator: ",").map { Double($0) }
            guard f.count == 8, f.allSatisfy({ $0 != nil }), let epoch = Int(exactly: f[0]!) else {
                throw RecordError.unreadable(path: source, problem: "its training history is damaged at line \(number + 1)")
            }
            records.append(EpochRecord(epoch: epoch, loss: f[1]!, crossEntropy: f[2]!, meanSquaredError: f[3]!,
                                       validationAccuracy: f[4]!, validationMAE: f[5]!, imagesPerSecond: f[6]!, seconds: f[7]!))
        }
        return records
    }

    /// Writes `records` as `folder/history.csv` atomically.
    public static func write(_ records: [EpochRecord], to folder: String) throws(RecordError) {
        let path = (folder as NSString).appendingPathComponent(fileName)
        do { try AtomicFile.write(Data(csv(records).utf8), to: path) } catch {
            throw RecordError.cannotWrite(path: error.path, reason: error.reason)
        }
    }

    /// Reads `folder/history.csv` through the bounded reader.
    public static func read(folder: String) throws(RecordError) -> [EpochRecord] {
        let path = (folder as NSString).appendingPathComponent(fileName)
        let text: String
        do { text = try InputFile.readText(path, limit: InputFile.Limit.runRecord) } catch {
            throw RecordError.unreadable(path: path, problem: error.reason)
        }
        return try parse(text, source: path)
    }
}
