import AtomicIO
import Canvas
import Foundation
import NN
import Synth

/// One labelled image of a data set.
public struct LabeledSample: Equatable, Sendable {
    /// Path relative to the data set folder.
    public var path: String
    /// 0 = A … 25 = Z.
    public var letter: Int
    public var distance: Float
}

/// A data set folder read for training: checked labels, and every image decoded, resized to
/// the model's input size and kept in memory as 8-bit C,H,W planes (about 48 KB an image at
/// 128 px), so epochs after the first cost no decoding.
public final class ImageDataset: @unchecked Sendable {
    public let folder: String
    public let samples: [LabeledSample]
    public let inputSize: Int
    /// The decoded images, `3 * inputSize²` bytes each, in sample order.
    private let pixels: [UInt8]
    /// Where sample i's image is in `pixels` (in images), or nil when it was not decoded.
    private let slots: [Int?]

    public var imageBytes: Int { 3 * inputSize * inputSize }

    /// Reads `labels.csv` (or `labels.xlsx`) in `folder`, checks every row and that all 26
    /// letters occur, then decodes and resizes every image on `threads` threads — or, with
    /// `only`, just the samples it picks from the checked labels (analysis needs only the test
    /// split: a seventh of the decoding).
    public init(folder: String, inputSize: Int, threads: Int, only pick: (([LabeledSample]) -> [Int])? = nil) throws {
        self.folder = folder
        self.inputSize = inputSize
        let samples = try Self.readLabels(folder: folder)
        let missing = Letters.all.enumerated().filter { letter in !samples.contains { $0.letter == letter.offset } }.map(\.element)
        guard missing.isEmpty else { throw TrainingError.missingClasses(folder: folder, letters: missing) }
        self.samples = samples
        // Only the picked images are decoded and stored: nothing is kept for the rest.
        let wanted = pick.map { Set($0(samples)) }
        let decoded = (0..<samples.count).filter { wanted?.contains($0) ?? true }
        var slots = [Int?](repeating: nil, count: samples.count)
        for (slot, i) in decoded.enumerated() { slots[i] = slot }
        self.slots = slots

        let bytesPerImage = 3 * inputSize * inputSize
        // Everything is decoded into memory: say so before asking for more than the machine has.
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        guard let total = ByteCount.product([decoded.count, bytesPerImage]), Double(total) <= available * 0.8 else {
            throw TrainingError.datasetTooLarge(folder: folder, images: decoded.count, inputSize: inputSize,
                                                needed: Double(decoded.count) * Double(bytesPerImage), available: available)
        }
        var pixels = [UInt8](repeating: 0, count: total)
        let failure = FirstError()
        pixels.withUnsafeMutableBufferPointer { out in
            // Each worker writes only its own images' bytes.
            nonisolated(unsafe) let base = out.baseAddress!
            let workers = max(1, min(threads, decoded.count))
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                // Fixed interleaved assignment: slot s goes to worker s mod workers.
                for slot in stride(from: worker, to: decoded.count, by: workers) where !failure.isSet {
                    let i = decoded[slot]
                    let path = (folder as NSString).appendingPathComponent(samples[i].path)
                    do {
                        let image = try PNG.read(path: path)
                        let planes = ImageResize.planarRGB(image, size: inputSize)
                        planes.withUnsafeBufferPointer { (base + slot * bytesPerImage).update(from: $0.baseAddress!, count: bytesPerImage) }
                    } catch let error as CanvasError {
                        switch error {
                        case .unreadablePNG(_, let reason), .io(_, let reason): failure.set(TrainingError.unreadableImage(path: path, reason: reason))
                        default: failure.set(TrainingError.unreadableImage(path: path, reason: "\(error)"))
                        }
                    } catch {
                        failure.set(error)
                    }
                }
            }
        }
        if let error = failure.error { throw error }
        self.pixels = pixels
    }

    /// Writes images `indices` as floats in [0, 1], N,C,H,W, into `out`
    /// (`indices.count * 3 * inputSize²` values).
    public func fill(_ indices: [Int], into out: UnsafeMutableBufferPointer<Float>) {
        let n = imageBytes
        precondition(out.count >= indices.count * n)
        pixels.withUnsafeBufferPointer { src in
            for (position, index) in indices.enumerated() {
                let from = src.baseAddress! + slot(of: index) * n
                let to = out.baseAddress! + position * n
                for j in 0..<n { to[j] = Float(from[j]) * (1 / 255) }
            }
        }
    }

    /// Mean and standard deviation of each channel over images `indices`, in [0, 1] units,
    /// from exact per-channel histograms of the 8-bit planes.
    public func channelStatistics(of indices: [Int]) -> InputStandardisation {
        let plane = inputSize * inputSize
        var counts = [Int](repeating: 0, count: 3 * 256)
        pixels.withUnsafeBufferPointer { src in
            counts.withUnsafeMutableBufferPointer { histogram in
                for index in indices {
                    let image = src.baseAddress! + slot(of: index) * imageBytes
                    for c in 0..<3 {
                        let bins = histogram.baseAddress! + 256 * c
                        for j in (c * plane)..<((c + 1) * plane) { bins[Int(image[j])] += 1 }
                    }
                }
            }
        }
        var mean = [Float](), std = [Float]()
        for c in 0..<3 {
            var n = 0.0, sum = 0.0, squares = 0.0
            for level in 0..<256 {
                let count = Double(counts[256 * c + level]), v = Double(level) / 255
                n += count; sum += count * v; squares += count * v * v
            }
            let m = n > 0 ? sum / n : 0
            // A flat channel (every pixel alike) is only shifted, never divided by ~0.
            let deviation = n > 0 ? max(0, squares / n - m * m).squareRoot() : 0
            mean.append(Float(m))
            std.append(Float(max(deviation, 1.0 / 255)))
        }
        return InputStandardisation(mean: mean, std: std)
    }

    /// The 8-bit C,H,W planes of image `index`.
    public func planes(_ index: Int) -> ArraySlice<UInt8> {
        let slot = slot(of: index)
        return pixels[(slot * imageBytes)..<((slot + 1) * imageBytes)]
    }

    /// Where sample `index`'s image is stored; asking for one that was not decoded is a bug.
    private func slot(of index: Int) -> Int {
        guard let slot = slots[index] else { preconditionFailure("ImageDataset: image \(index) was not decoded") }
        return slot
    }

    /// Label rows from labels.csv, or labels.xlsx when there is no CSV, with each image checked
    /// to exist inside the data set folder (a link leading out of it is refused).
    static func readLabels(folder: String) throws -> [LabeledSample] {
        let csv = (folder as NSString).appendingPathComponent("labels.csv")
        let xlsx = (folder as NSString).appendingPathComponent("labels.xlsx")
        let rows: [LabelRow]
        let labelsFile: String
        if let text = try ifPresent(csv, { () throws(FileReadError) in try InputFile.readText(csv, limit: InputFile.Limit.labelsCSV) }) {
            rows = try LabelsTable.parseCSV(text, file: csv)
            labelsFile = csv
        } else if let data = try ifPresent(xlsx, { () throws(FileReadError) in try InputFile.read(xlsx, limit: InputFile.Limit.labelsWorkbook) }) {
            rows = try LabelsWorkbook.read(data, file: xlsx)
            labelsFile = xlsx
        } else {
            throw TrainingError.missingLabels(folder: folder)
        }
        let root = realPath(folder) ?? folder
        return try rows.enumerated().map { offset, row in
            let path = (folder as NSString).appendingPathComponent(row.filepath)
            let line = offset + 2
            guard let resolved = realPath(path) else {
                throw TrainingError.missingImage(path: path, line: line, labels: labelsFile)
            }
            guard resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
                throw TrainingError.imageOutsideDataset(path: path, line: line, labels: labelsFile)
            }
            return LabeledSample(path: row.filepath, letter: Letters.index(of: row.letter)!, distance: Float(row.distance))
        }
    }

    /// What `read` reads from the label file `path`, or nil when the file does not exist.
    private static func ifPresent<T>(_ path: String, _ read: () throws(FileReadError) -> T) throws -> T? {
        do {
            return try read()
        } catch {
            if error.problem == .missing { return nil }
            throw TrainingError.unreadableLabels(path: path, reason: error.reason)
        }
    }

    /// `path` with every link and "." or ".." resolved, or nil when it does not exist.
    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// The first error raised by any of several threads.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return error != nil
    }

    func set(_ error: Error) {
        lock.lock()
        if self.error == nil { self.error = error }
        lock.unlock()
    }
}
