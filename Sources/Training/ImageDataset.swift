import AtomicIO
import Canvas
import Foundation
import NN
import Synth

/// One labelled image of a data set.
public struct LabeledSample: Equatable, Sendable {
    /// Path relative to the data set folder.
    public var path: String
    /// Index into the data set's `classes` (0 = A … 25 = Z for a generated data set).
    public var label: Int
    /// 0 when the data set has no distance column.
    public var distance: Float
}

/// A data set folder read for training: checked labels, and every image decoded, resized to
/// the model's input size and kept in memory as 8-bit C,H,W planes (about 48 KB an image at
/// 128 px), so epochs after the first cost no decoding.
public final class ImageDataset: @unchecked Sendable {
    public let folder: String
    public let samples: [LabeledSample]
    /// Class names in label order (A–Z for a generated data set).
    public let classes: [String]
    /// Whether the labels carry a distance (else the distance head is left out).
    public let hasDistance: Bool
    /// The label file read, and the columns of its header that were ignored.
    public let labelsFile: String
    public let ignoredColumns: [String]
    /// True for a data set written by `asl-lab generate` (header `filepath,letter,distance`).
    public let generated: Bool
    /// How many decoded images had each size ("W×H"): images of any size are resized to the
    /// model's input, and a data set of mixed sizes is worth saying so.
    public let imageSizes: [String: Int]
    public let inputSize: Int
    /// The decoded images, `3 * inputSize²` bytes each (decoded here, or adopted from the
    /// `PreparedImages` of the process that drew them).
    private let pixels: PixelStore
    /// Where sample i's image is in `pixels` (in images), or nil when it was not decoded.
    private let slots: [Int?]

    public var imageBytes: Int { 3 * inputSize * inputSize }

    /// Reads `labels.csv` (or `labels.xlsx`) in `folder` (see `DatasetLabels`), checks every
    /// row and, for a generated data set, that all 26 letters occur, then decodes and resizes every image on `threads` threads — or, with
    /// `only`, just the samples it picks from the checked labels (analysis needs only the test
    /// split: a seventh of the decoding). Images `prepared` holds at this input size are taken
    /// from it instead of decoded.
    public init(folder: String, inputSize: Int, threads: Int, prepared: PreparedImages? = nil,
                only pick: (([LabeledSample]) -> [Int])? = nil) throws {
        self.folder = folder
        self.inputSize = inputSize
        let table = try DatasetLabels.read(folder: folder)
        let samples = try Self.checkImages(table, folder: folder)
        if table.generated {
            let missing = Letters.all.enumerated().filter { letter in !samples.contains { $0.label == letter.offset } }.map(\.element)
            guard missing.isEmpty else { throw TrainingError.missingClasses(folder: folder, letters: missing) }
        }
        self.samples = samples
        classes = table.classes
        hasDistance = table.hasDistance
        labelsFile = table.file
        ignoredColumns = table.ignoredColumns
        generated = table.generated
        // Only the picked images are decoded and stored: nothing is kept for the rest.
        let wanted = pick.map { Set($0(samples)) }
        let decoded = (0..<samples.count).filter { wanted?.contains($0) ?? true }
        let bytesPerImage = 3 * inputSize * inputSize
        // The images the data set's producer holds, when it holds every one needed here: its
        // block is adopted as it is, each sample pointing at its image there.
        if let prepared, prepared.inputSize == inputSize, let store = prepared.pixels,
           let adopted = Self.adopt(store, slotsOf: prepared.slots, for: decoded, samples: samples) {
            pixels = store
            slots = adopted.slots
            imageSizes = adopted.sizes
            return
        }
        var slots = [Int?](repeating: nil, count: samples.count)
        for (slot, i) in decoded.enumerated() { slots[i] = slot }
        self.slots = slots

        // Everything is decoded into memory: say so before asking for more than the machine has.
        guard Self.fitsInMemory(images: decoded.count, inputSize: inputSize) else {
            throw TrainingError.datasetTooLarge(folder: folder, images: decoded.count, inputSize: inputSize,
                                                needed: Double(decoded.count) * Double(bytesPerImage),
                                                available: Double(ProcessInfo.processInfo.physicalMemory))
        }
        let pixels = PixelStore(images: decoded.count, bytesPerImage: bytesPerImage)
        let failure = FirstError()
        let workers = max(1, min(threads, decoded.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            // Fixed interleaved assignment: slot s goes to worker s mod workers, which alone writes it.
            for slot in stride(from: worker, to: decoded.count, by: workers) where !failure.isSet {
                let path = (folder as NSString).appendingPathComponent(samples[decoded[slot]].path)
                do {
                    let image = try PNG.read(path: path)
                    pixels.write(ImageResize.planarRGB(image, size: inputSize), size: "\(image.width)×\(image.height)", slot: slot)
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
        if let error = failure.error { throw error }
        self.pixels = pixels
        imageSizes = Self.sizeCounts(pixels, slots: Array(0..<decoded.count))
    }

    /// Whether `images` images decoded at `inputSize` stay within the 80 % of this machine's
    /// memory that loading allows itself.
    public static func fitsInMemory(images: Int, inputSize: Int) -> Bool {
        guard let bytes = ByteCount.product([images, 3, inputSize, inputSize]) else { return false }
        return Double(bytes) <= Double(ProcessInfo.processInfo.physicalMemory) * 0.8
    }

    /// Each sample's slot in `store` and the sizes of the images there, when `store` holds
    /// every image of `decoded` (by path); else nil.
    private static func adopt(_ store: PixelStore, slotsOf paths: [String: Int], for decoded: [Int],
                              samples: [LabeledSample]) -> (slots: [Int?], sizes: [String: Int])? {
        var slots = [Int?](repeating: nil, count: samples.count)
        for i in decoded {
            guard let slot = paths[samples[i].path], store.size(of: slot) != nil else { return nil }
            slots[i] = slot
        }
        return (slots, sizeCounts(store, slots: decoded.compactMap { slots[$0] }))
    }

    /// How many of the images in `slots` had each drawn size.
    private static func sizeCounts(_ store: PixelStore, slots: [Int]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for slot in slots { if let size = store.size(of: slot) { counts[size, default: 0] += 1 } }
        return counts
    }

    /// One sentence on sizes when the images do not all share one, else nil.
    public var mixedSizesNote: String? {
        guard imageSizes.count > 1 else { return nil }
        let common = imageSizes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3).map { "\($0.key) (\($0.value))" }
        return "The images come in \(imageSizes.count) sizes (most common: \(common.joined(separator: ", "))); each is resized to the model's \(inputSize)×\(inputSize) px input."
    }

    /// Writes images `indices` as floats in [0, 1], N,C,H,W, into `out`
    /// (`indices.count * 3 * inputSize²` values).
    public func fill(_ indices: [Int], into out: UnsafeMutableBufferPointer<Float>) {
        pixels.withBytes { PixelBatch.fill($0, imageBytes: imageBytes, slots: indices.map(slot(of:)), into: out) }
    }

    /// Mean and standard deviation of each channel over images `indices`, in [0, 1] units,
    /// from exact per-channel histograms of the 8-bit planes.
    public func channelStatistics(of indices: [Int]) -> InputStandardisation {
        let plane = inputSize * inputSize
        var counts = [Int](repeating: 0, count: 3 * 256)
        pixels.withBytes { src in
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
        return ArraySlice(pixels.withBytes { Array($0[(slot * imageBytes)..<((slot + 1) * imageBytes)]) })
    }

    /// Where sample `index`'s image is stored; asking for one that was not decoded is a bug.
    private func slot(of index: Int) -> Int {
        guard let slot = slots[index] else { preconditionFailure("ImageDataset: image \(index) was not decoded") }
        return slot
    }

    /// The samples of a checked label table, each image checked to exist inside the data set
    /// folder (a link leading out of it is refused).
    static func checkImages(_ table: DatasetLabels, folder: String) throws -> [LabeledSample] {
        let root = realPath(folder) ?? folder
        return try table.rows.map { row in
            let path = (folder as NSString).appendingPathComponent(row.filepath)
            guard let resolved = realPath(path) else {
                throw TrainingError.missingImage(path: path, line: row.line, labels: table.file)
            }
            guard resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
                throw TrainingError.imageOutsideDataset(path: path, line: row.line, labels: table.file)
            }
            return LabeledSample(path: row.filepath, label: row.label, distance: Float(row.distance))
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
