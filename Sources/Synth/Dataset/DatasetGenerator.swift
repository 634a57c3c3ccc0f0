import AtomicIO
import Canvas
import Digest
import Foundation
import Interrupt

/// Where a data set comes from, recorded in its `dataset.json`.
public struct DatasetProvenance: Sendable, Equatable {
    /// SHA-256 of `seed` and `data.*`.
    public var configHash: String
    /// `seed` and `data.*` as YAML.
    public var configYAML: String
    public var toolVersion: String

    public init(configHash: String, configYAML: String, toolVersion: String) {
        self.configHash = configHash
        self.configYAML = configYAML
        self.toolVersion = toolVersion
    }
}

/// One `generate` request.
public struct GenerateJob: Sendable {
    public var config: DataConfig
    public var seed: UInt64
    /// The data set folder to create.
    public var output: String
    /// Only this part of the samples (nil: all).
    public var shard: Shard?
    public var threads: Int
    /// Draw the data set again even when the output folder already holds it (same config and
    /// seed). Never makes asl-lab delete a file it did not write.
    public var force: Bool
    public var provenance: DatasetProvenance
    /// PNG settings for the images (fast by default).
    public var compression: PNG.Compression = .dataset
    /// Polled between batches of images; when requested, drawing stops, the staging folder of
    /// an unsharded run is removed and `SynthError.interrupted` is thrown.
    public var stop: StopRequest?
    /// Hears each image once its file is written, with its path in the data set folder (from
    /// any thread): `asl-lab run` keeps them for training, which then need not decode them.
    public var drawn: (@Sendable (_ image: RGBImage, _ path: String) -> Void)?
    /// Writes one image file; tests replace it to simulate a full disk.
    var writeImage: @Sendable ([UInt8], String) throws -> Void = { try Files.write($0, to: $1) }

    public init(config: DataConfig, seed: UInt64, output: String, shard: Shard? = nil, threads: Int,
                force: Bool = false, provenance: DatasetProvenance, stop: StopRequest? = nil) {
        self.stop = stop
        self.config = config
        self.seed = seed
        self.output = output
        self.shard = shard
        self.threads = threads
        self.force = force
        self.provenance = provenance
    }
}

/// What `generate` did.
public struct GenerateOutcome: Equatable, Sendable {
    public enum Result: Equatable, Sendable {
        /// The data set is complete in the output folder.
        case complete
        /// It was already there with the same config and seed; nothing was drawn.
        case upToDate
        /// This shard is written; `waiting` shards are still missing before the data set is
        /// assembled.
        case shardWritten(waiting: Int)
    }
    public var result: Result
    /// Images drawn by this call.
    public var imagesDrawn: Int
    /// Images in the whole data set.
    public var datasetImages: Int
    /// The shard this call drew, if any.
    public var shard: Shard?
    public var seconds: Double
    /// The absolute data set folder.
    public var folder: String
}

/// Writes data sets: `DIR/A/A_00000.png` …, `labels.csv`, `labels.xlsx`, `dataset.json`.
///
/// Everything is drawn into a hidden staging folder beside `DIR` (created exclusively under an
/// unpredictable name) and renamed into place when complete, so an interrupted or failed run
/// leaves no folder a later stage would accept. Shards of one data set share the staging
/// folder `.DIR.shards`, which must be a real folder of this user. An existing `DIR` is
/// replaced only when everything in it was written by asl-lab.
public enum DatasetGenerator {
    /// Generates (part of) a data set; `progress` is called from worker threads with the number
    /// of images just finished.
    public static func generate(_ job: GenerateJob, progress: (@Sendable (Int) -> Void)? = nil) throws -> GenerateOutcome {
        let started = Date()
        let output = URL(fileURLWithPath: job.output).standardizedFileURL.path
        let parent = PathText.parent(output)
        let name = (output as NSString).lastPathComponent
        try Folder.create(parent)
        if job.stop.isRequested { throw SynthError.interrupted(shard: job.shard) }

        if let manifest = try? DatasetManifest.verify(folder: output), !job.force,
           manifest.configHash == job.provenance.configHash {
            return GenerateOutcome(result: .upToDate, imagesDrawn: 0, datasetImages: job.config.imageCount, shard: job.shard,
                                   seconds: 0, folder: output)
        }
        try checkOutputCanBeReplaced(output)
        removeStalePartials(parent: parent, name: name)

        let total = job.config.imageCount
        let range = job.shard?.samples(of: total) ?? 0..<total
        let staging = try job.shard == nil
            ? Folder.createTemporary(beside: output)
            : Self.ownedFolder((parent as NSString).appendingPathComponent(".\(name).shards"))
        let partsFolder = (staging as NSString).appendingPathComponent(".parts")

        do {
            try Folder.createOwned(partsFolder)
            if let shard = job.shard {
                try claimShardFolder(staging: staging, job: job, shard: shard)
            }
            let rows = try drawSamples(job: job, range: range, into: staging, progress: progress)
            if let shard = job.shard {
                let waiting = try finishShard(shard, rows: rows, staging: staging, output: output, job: job)
                return GenerateOutcome(result: waiting == 0 ? .complete : .shardWritten(waiting: waiting),
                                       imagesDrawn: rows.count, datasetImages: total, shard: shard,
                                       seconds: Date().timeIntervalSince(started), folder: output)
            }
            try assemble(rows: rows, staging: staging, output: output, job: job)
        } catch {
            if job.shard == nil { Files.remove(staging) }
            throw error
        }
        return GenerateOutcome(result: .complete, imagesDrawn: range.count, datasetImages: total, shard: nil,
                               seconds: Date().timeIntervalSince(started), folder: output)
    }

    /// Every sample's relative path, in sample order (letter by letter).
    public static func relativePaths(_ config: DataConfig) -> [String] {
        (0..<Letters.count).flatMap { letter in (0..<config.imagesPerLetter).map { relativePath(letter: letter, index: $0) } }
    }

    /// The relative path of sample `index` of `letter`, as the original names it.
    public static func relativePath(letter: Int, index: Int) -> String {
        let l = Letters.all[letter]
        return "\(l)/\(l)_\(String(format: "%05d", index)).png"
    }

    // MARK: - Drawing

    /// Draws samples `range` (letter-major numbering) in parallel; returns their label rows in order.
    static func drawSamples(job: GenerateJob, range: Range<Int>, into folder: String,
                            progress: (@Sendable (Int) -> Void)?) throws -> [LabelRow] {
        let perLetter = job.config.imagesPerLetter
        let letters = Set(range.map { $0 / perLetter })
        for letter in letters.sorted() {
            try Folder.createOwned((folder as NSString).appendingPathComponent(Letters.all[letter]))
        }
        let noise = GaussianNoiseTable(sigma: job.config.augment.noiseSigma)
        let workers = max(1, min(job.threads, range.count))
        let state = DrawState(count: range.count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let renderer: SampleRenderer
            do {
                renderer = try SampleRenderer(config: job.config, seed: job.seed, noise: noise)
            } catch {
                state.fail(error)
                return
            }
            // Small fixed batches from a shared counter: which thread draws a sample never
            // matters, because its pixels depend only on (config, seed, letter, index).
            while let batch = state.nextBatch(size: 4) {
                if job.stop.isRequested {
                    state.fail(SynthError.interrupted(shard: job.shard))
                    return
                }
                for offset in batch {
                    let sample = range.lowerBound + offset
                    let letter = sample / perLetter, index = sample % perLetter
                    do {
                        let plan = renderer.plan(letter: letter, index: index)
                        let image = renderer.render(plan)
                        let path = relativePath(letter: letter, index: index)
                        try job.writeImage(try PNG.encode(image, compression: job.compression),
                                           (folder as NSString).appendingPathComponent(path))
                        job.drawn?(image, path)
                        state.record(offset, LabelRow(filepath: path, letter: Letters.all[letter], distance: plan.distance))
                    } catch {
                        state.fail(error)
                        return
                    }
                }
                progress?(batch.count)
            }
        }
        return try state.rows()
    }

    // MARK: - Output folder

    /// `path`, made or re-entered as a real folder of this user.
    private static func ownedFolder(_ path: String) throws -> String {
        try Folder.createOwned(path)
        return path
    }

    /// An existing output folder is replaced only when everything in it is asl-lab's (an older
    /// data set, or nothing at all): a file, or a folder holding anything else, is refused with
    /// what is in the way, with or without `--force`.
    private static func checkOutputCanBeReplaced(_ output: String) throws {
        guard let kind = FileKind(path: output) else { return }
        var info = stat()
        guard stat(output, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw SynthError.outputIsAFile(path: output, kind: kind.phrase)
        }
        let foreign = DatasetInventory.filesNotWrittenByAsllab(in: output)
        guard foreign.isEmpty else { throw SynthError.outputHoldsOtherFiles(path: output, files: foreign) }
    }

    /// Removes staging folders left by runs that were killed (their process is gone): those of
    /// this version (`Folder.removeLeftovers`) and the `.NAME.partial-PID` of earlier ones.
    private static func removeStalePartials(parent: String, name: String) {
        Folder.removeLeftovers(in: parent)
        let prefix = ".\(name).partial-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where entry.hasPrefix(prefix) {
            if let pid = Int32(entry.dropFirst(prefix.count)), !Files.processIsAlive(pid) {
                Files.remove((parent as NSString).appendingPathComponent(entry))
            }
        }
    }

    /// Writes labels.csv, labels.xlsx and dataset.json into `staging`, then moves it to `output`.
    private static func assemble(rows: [LabelRow], staging: String, output: String, job: GenerateJob) throws {
        let csv = Data(LabelsTable.csv(rows).utf8)
        try Files.write(csv, to: (staging as NSString).appendingPathComponent("labels.csv"))
        try Files.write(try LabelsWorkbook.xlsx(rows), to: (staging as NSString).appendingPathComponent("labels.xlsx"))
        let manifest = DatasetManifest(
            format: DatasetManifest.formatName, formatVersion: 1, toolVersion: job.provenance.toolVersion, seed: job.seed,
            configHash: job.provenance.configHash, config: job.provenance.configYAML, families: job.config.families.rawValue,
            letters: Letters.all, imagesPerLetter: job.config.imagesPerLetter, imageSize: job.config.imageSize,
            images: rows.count, labelsSHA256: SHA256.hex(csv))
        Files.remove((staging as NSString).appendingPathComponent(".parts"))
        // The manifest goes last: its presence is what makes the folder a data set.
        try Files.write(try manifest.json(), to: (staging as NSString).appendingPathComponent(DatasetManifest.fileName))

        if FileKind(path: output) != nil {
            // Checked again here: a shard run may assemble long after it started.
            try checkOutputCanBeReplaced(output)
            let old = (PathText.parent(output) as NSString)
                .appendingPathComponent(TemporaryName.make(for: (output as NSString).lastPathComponent, kind: "partial"))
            try Files.rename(output, to: old)
            do {
                try Files.rename(staging, to: output)
            } catch {
                try? Files.rename(old, to: output)
                throw error
            }
            Files.remove(old)
        } else {
            try Files.rename(staging, to: output)
        }
    }

    // MARK: - Shards

    /// Records (or checks) which data set the shared staging folder collects.
    private static func claimShardFolder(staging: String, job: GenerateJob, shard: Shard) throws {
        let identity = "config \(job.provenance.configHash)\nshards \(shard.count)\n"
        let path = (staging as NSString).appendingPathComponent(".parts/identity")
        try Files.withLock((staging as NSString).appendingPathComponent(".parts/lock")) {
            if let existing = FileManager.default.contents(atPath: path) {
                guard String(decoding: existing, as: UTF8.self) == identity else {
                    throw SynthError.shardMismatch(path: staging, reason: "shard \(shard) has a different config, seed or shard count than the shards already there")
                }
            } else {
                try AtomicFile.write(Data(identity.utf8), to: path)
            }
        }
    }

    /// Saves this shard's labels; the last shard assembles the data set. Returns how many
    /// shards are still missing.
    private static func finishShard(_ shard: Shard, rows: [LabelRow], staging: String, output: String, job: GenerateJob) throws -> Int {
        let parts = (staging as NSString).appendingPathComponent(".parts")
        try AtomicFile.write(Data(LabelsTable.csv(rows).utf8),
                                  to: (parts as NSString).appendingPathComponent("labels-\(shard.index)-of-\(shard.count).csv"))
        return try Files.withLock((parts as NSString).appendingPathComponent("lock")) {
            var all: [LabelRow] = []
            var missing = 0
            for k in 1...shard.count {
                let file = (parts as NSString).appendingPathComponent("labels-\(k)-of-\(shard.count).csv")
                guard let data = FileManager.default.contents(atPath: file) else { missing += 1; continue }
                all += try LabelsTable.parseCSV(String(decoding: data, as: UTF8.self), file: file)
            }
            guard missing == 0 else { return missing }
            guard all.count == job.config.imageCount else {
                throw SynthError.shardMismatch(path: staging, reason: "the shards hold \(all.count) images, expected \(job.config.imageCount)")
            }
            try assemble(rows: all, staging: staging, output: output, job: job)
            return 0
        }
    }
}

/// Work distribution and results shared by the drawing threads.
private final class DrawState: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int
    private var results: [LabelRow?]
    private var firstError: Error?

    init(count: Int) {
        self.count = count
        self.results = Array(repeating: nil, count: count)
    }

    func nextBatch(size: Int) -> Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        guard firstError == nil, next < count else { return nil }
        let batch = next..<min(count, next + size)
        next = batch.upperBound
        return batch
    }

    func record(_ offset: Int, _ row: LabelRow) {
        lock.lock()
        results[offset] = row
        lock.unlock()
    }

    func fail(_ error: Error) {
        lock.lock()
        if firstError == nil { firstError = error }
        lock.unlock()
    }

    func rows() throws -> [LabelRow] {
        if let firstError { throw firstError }
        return results.map { $0! }
    }
}

extension PNG.Compression {
    /// Data set images: the pixel noise in every image leaves LZ77 almost nothing to match,
    /// so Huffman coding alone gives the same size (≈ 124 KB at 256 px, as the original's)
    /// far faster than any zlib level.
    public static let dataset = PNG.Compression.huffmanOnly
}
