import AtomicIO
import Configuration
import Foundation
import Synth

/// One measured figure: the median of several runs, with the runs.
public struct BenchFigure: Codable, Equatable, Sendable {
    public var threads: Int
    public var median: Double
    public var runs: [Double]
}

/// `asl-lab bench generate`: images per second for the default data config (256 px, PNG +
/// label files), with one thread and with every core.
public enum GenerateBenchmark {
    public struct Result: Codable, Sendable {
        public var benchmark = "generate"
        public var unit = "images/s"
        public var imageSize: Int
        public var images: Int
        public var figures: [BenchFigure]
        /// Mean PNG size in bytes.
        public var bytesPerImage: Int
        /// `bytesPerImage` as the tool writes sizes everywhere (`ByteCount.text`).
        public var sizePerImage: String { ByteCount.text(bytesPerImage) }
        /// Where it ran (added key).
        public var machine = BenchMachine.current

        enum CodingKeys: String, CodingKey {
            case benchmark, unit, images, figures, machine
            case imageSize = "image_size"
            case bytesPerImage = "bytes_per_image"
        }
    }

    /// Runs the benchmark on the effective config with `imagesPerLetter` images a letter,
    /// `runs` times per thread count, in a temporary folder that is removed afterwards.
    public static func run(config: EffectiveConfig, imagesPerLetter: Int = 40, runs: Int = 3) throws -> Result {
        var effective = config
        try ConfigLoader.apply(override: "data.images_per_letter=\(imagesPerLetter)", to: &effective)
        // An exclusively created folder with an unpredictable name: /tmp is shared.
        let scratch = try Folder.createTemporary(beside: FileManager.default.temporaryDirectory.appendingPathComponent("asl-bench-generate").path)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var figures: [BenchFigure] = []
        var bytes = 0
        for threads in Array(Set([1, cores])).sorted() {
            var rates: [Double] = []
            for run in 0..<runs {
                // A new folder per run, all removed at the end: deleting thousands of files
                // between runs would make the file system's inode allocation slower for the
                // next run and measure that instead.
                let folder = (scratch as NSString).appendingPathComponent("\(threads)-\(run)")
                let job = GenerateStage.job(config: effective, output: folder, threads: threads)
                let outcome = try DatasetGenerator.generate(job)
                rates.append(Double(outcome.imagesDrawn) / outcome.seconds)
                bytes = folderSize(folder, extension: "png")
            }
            figures.append(BenchFigure(threads: threads, median: median(rates), runs: rates))
        }
        let images = imagesPerLetter * Letters.count
        return Result(imageSize: Config(effective).data.imageSize, images: images, figures: figures, bytesPerImage: bytes / images)
    }

    /// The middle value (mean of the two middle ones for an even count).
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    private static func folderSize(_ folder: String, extension ext: String) -> Int {
        var total = 0
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let item = enumerator?.nextObject() as? String {
            if item.hasSuffix("." + ext),
               let size = (try? FileManager.default.attributesOfItem(atPath: (folder as NSString).appendingPathComponent(item)))?[.size] as? Int {
                total += size
            }
        }
        return total
    }
}
