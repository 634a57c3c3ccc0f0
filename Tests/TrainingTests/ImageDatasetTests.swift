import Canvas
import Foundation
import NN
import Synth
import TestSupport
import XCTest
@testable import Training

final class ImageDatasetTests: TemporaryFolderTestCase {
    /// The test's folder (`folder`), under the name these tests use.
    private var root: String { folder }

    override func setUpWithError() throws {
        try super.setUpWithError()
    }
    /// A hand-made data set: one flat-coloured 16-px image per letter.
    private func makeDataset(letters: [Int] = Array(0..<26), labels: String? = nil) throws -> String {
        var rows: [LabelRow] = []
        for letter in letters {
            let name = Letters.all[letter]
            try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
            let value = UInt8(letter * 9)
            try PNG.write(RGBImage(width: 16, height: 16, fill: (value, 255 - value, 100)), to: "\(root)/\(name)/\(name)_00000.png")
            rows.append(LabelRow(filepath: "\(name)/\(name)_00000.png", letter: name, distance: Double(letter) / 10 + 1))
        }
        try (labels ?? LabelsTable.csv(rows)).write(toFile: root + "/labels.csv", atomically: true, encoding: .utf8)
        return root
    }

    func testReadsLabelsAndImagesAsPlanes() throws {
        let dataset = try ImageDataset(folder: try makeDataset(), inputSize: 8, threads: 2)
        XCTAssertEqual(dataset.samples.count, 26)
        XCTAssertEqual(dataset.samples[3], LabeledSample(path: "D/D_00000.png", label: 3, distance: 1.3))
        let planes = Array(dataset.planes(3))
        XCTAssertEqual(planes.count, 3 * 64)
        XCTAssertEqual(Set(planes[0..<64]), [27], "red plane of a flat image")
        XCTAssertEqual(Set(planes[64..<128]), [228])
        XCTAssertEqual(Set(planes[128...]), [100])
        var floats = [Float](repeating: -1, count: 2 * 192)
        floats.withUnsafeMutableBufferPointer { dataset.fill([3, 0], into: $0) }
        XCTAssertEqual(floats[0], 27 / 255, accuracy: 1e-6)
        XCTAssertEqual(floats[192], 0)
    }

    /// Images the generator hands over as it draws them load as the bytes of decoding their
    /// files, and are adopted instead of read (a file broken after drawing goes unnoticed only
    /// then); held at another size, or not all of them, they are not used and every file is decoded.
    func testDrawnImagesLoadAsTheirDecodedFiles() throws {
        let config = DataConfig(imagesPerLetter: 2, imageSize: 40, families: .asl26, distanceMin: 1, distanceMax: 5,
                                augment: AugmentConfig(rotationDegrees: 360, blurProbability: 0.2, blurRadius: 0.5...1.5, noiseSigma: 6,
                                                       perlinAmplitude: 12, perlinScale: 48, backgroundBase: 200...255,
                                                       backgroundJitter: 20, geometricJitter: 0.15))
        let paths = DatasetGenerator.relativePaths(config)
        let prepared = PreparedImages(inputSize: 16, paths: paths), otherSize = PreparedImages(inputSize: 24, paths: paths)
        let allButOne = PreparedImages(inputSize: 16, paths: paths)
        var job = GenerateJob(config: config, seed: 4, output: root + "/data", threads: 2,
                              provenance: DatasetProvenance(configHash: "h", configYAML: "", toolVersion: "test"))
        job.drawn = { image, path in
            prepared.add(image, path: path)
            otherSize.add(image, path: path)
            if path != paths[7] { allButOne.add(image, path: path) }
        }
        _ = try DatasetGenerator.generate(job)
        XCTAssertEqual(prepared.count, 52)
        XCTAssertEqual(allButOne.count, 51)
        XCTAssertTrue(prepared.whenComplete() === prepared)
        let decoded = try ImageDataset(folder: root + "/data", inputSize: 16, threads: 2)
        // Break one file: only a load that takes the drawn images instead of reading it succeeds.
        let broken = root + "/data/" + decoded.samples[5].path
        let original = try Data(contentsOf: URL(fileURLWithPath: broken))
        try Data("not a PNG".utf8).write(to: URL(fileURLWithPath: broken))
        let taken = try ImageDataset(folder: root + "/data", inputSize: 16, threads: 2, prepared: prepared)
        XCTAssertThrowsError(try ImageDataset(folder: root + "/data", inputSize: 16, threads: 2, prepared: otherSize), "another size: decoded")
        XCTAssertThrowsError(try ImageDataset(folder: root + "/data", inputSize: 16, threads: 2, prepared: allButOne), "one missing: decoded")
        try original.write(to: URL(fileURLWithPath: broken))
        // A partial block is let go rather than held beside the decoded images.
        XCTAssertNil(allButOne.whenComplete())
        XCTAssertEqual(allButOne.count, 0)
        XCTAssertEqual(taken.samples, decoded.samples)
        XCTAssertEqual(taken.imageSizes, ["40×40": 52])
        XCTAssertEqual(decoded.imageSizes, ["40×40": 52])
        for i in decoded.samples.indices { XCTAssertEqual(Array(taken.planes(i)), Array(decoded.planes(i)), "image \(i)") }
        // Analysis's pick of a few images adopts the same block; the producer letting it go
        // leaves the adopted images intact.
        let some = try ImageDataset(folder: root + "/data", inputSize: 16, threads: 1, prepared: prepared) { _ in [3, 40] }
        prepared.removeAll()
        XCTAssertEqual(prepared.count, 0)
        XCTAssertEqual(Array(some.planes(40)), Array(decoded.planes(40)))
        XCTAssertEqual(Array(taken.planes(51)), Array(decoded.planes(51)))
    }

    func testChannelStatisticsAreTheMeanAndStdOfThePickedImages() throws {
        let dataset = try ImageDataset(folder: try makeDataset(), inputSize: 8, threads: 2)
        // Flat images: red is 9·letter, green 255 − 9·letter, blue 100 (8-bit levels).
        let picked = [0, 4, 10]
        let stats = dataset.channelStatistics(of: picked)
        let reds = picked.map { Double($0 * 9) / 255 }
        let mean = reds.reduce(0, +) / 3
        let std = (reds.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
        XCTAssertEqual(Double(stats.mean[0]), mean, accuracy: 1e-6)
        XCTAssertEqual(Double(stats.std[0]), std, accuracy: 1e-6)
        XCTAssertEqual(Double(stats.mean[1]), 1 - mean, accuracy: 1e-6)
        XCTAssertEqual(Double(stats.std[1]), std, accuracy: 1e-6, "green mirrors red")
        XCTAssertEqual(Double(stats.mean[2]), 100.0 / 255, accuracy: 1e-6)
        XCTAssertEqual(Double(stats.std[2]), 1.0 / 255, accuracy: 1e-9, "a flat channel's std is floored at one level, never 0")
    }

    func testDecodesOnlyThePickedImagesWhenAsked() throws {
        let folder = try makeDataset()
        // A corrupt image that is not picked is never read.
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: folder + "/B/B_00000.png"))
        let full = [3, 7, 25]
        let some = try ImageDataset(folder: folder, inputSize: 8, threads: 2) { samples in
            XCTAssertEqual(samples.count, 26, "the picker sees every checked label")
            return full
        }
        XCTAssertEqual(some.samples.count, 26)
        for i in full { XCTAssertEqual(Set(some.planes(i).prefix(64)), [UInt8(i * 9)], "image \(i) decoded") }
        XCTAssertThrowsError(try ImageDataset(folder: folder, inputSize: 8, threads: 2), "all images: the corrupt one is read")
    }

    func testFallsBackToTheWorkbookWhenThereIsNoCSV() throws {
        let folder = try makeDataset()
        let rows = try LabelsTable.parseCSV(try String(contentsOfFile: folder + "/labels.csv", encoding: .utf8), file: "x")
        try LabelsWorkbook.xlsx(rows).write(to: URL(fileURLWithPath: folder + "/labels.xlsx"))
        try FileManager.default.removeItem(atPath: folder + "/labels.csv")
        XCTAssertEqual(try ImageDataset(folder: folder, inputSize: 8, threads: 1).samples.count, 26)
    }

    func testMissingClassIsNamed() throws {
        let folder = try makeDataset(letters: Array(0..<26).filter { $0 != 7 && $0 != 20 })
        XCTAssertThrowsError(try ImageDataset(folder: folder, inputSize: 8, threads: 1)) { error in
            XCTAssertEqual("\(error)", "The data set \(folder) has no images of the letters H, U; every letter A–Z needs at least one image to train the 26-way classifier.")
        }
    }

    func testMissingAndCorruptImagesAreNamed() throws {
        let folder = try makeDataset()
        try FileManager.default.removeItem(atPath: folder + "/C/C_00000.png")
        XCTAssertThrowsError(try ImageDataset(folder: folder, inputSize: 8, threads: 1)) { error in
            XCTAssertEqual("\(error)", "The image \(folder)/C/C_00000.png, listed on line 4 of \(folder)/labels.csv, does not exist.")
        }
        try Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]).write(to: URL(fileURLWithPath: folder + "/C/C_00000.png"))
        XCTAssertThrowsError(try ImageDataset(folder: folder, inputSize: 8, threads: 2)) { error in
            XCTAssertEqual("\(error)", "The image \(folder)/C/C_00000.png cannot be used: not a PNG file (bad signature).")
        }
    }

    func testGarbledLabelsNameTheLine() throws {
        let folder = try makeDataset(labels: "filepath,letter,distance\nA/A_00000.png,A,1\nB/B_00000.png,B,far\n")
        XCTAssertThrowsError(try ImageDataset(folder: folder, inputSize: 8, threads: 1)) { error in
            XCTAssertEqual("\(error)", "\(folder)/labels.csv, line 3: the distance must be a number greater than 0 and at most 1000, got \"far\".")
        }
        try FileManager.default.removeItem(atPath: folder + "/labels.csv")
        XCTAssertThrowsError(try ImageDataset(folder: folder, inputSize: 8, threads: 1)) { error in
            XCTAssertEqual("\(error)", "The data set folder \(folder) has neither labels.csv nor labels.xlsx. Generate one with `asl-lab generate --out DIR`.")
        }
    }

    func testPathEscapingTheDataSetIsRefused() throws {
        let folder = try makeDataset(labels: "filepath,letter,distance\n../secret.png,A,1\n")
        XCTAssertThrowsError(try ImageDataset(folder: folder, inputSize: 8, threads: 1)) { error in
            XCTAssertEqual("\(error)", "\(folder)/labels.csv, line 2: the path \"../secret.png\" leaves the data set folder (\"..\").")
        }
    }
}

final class ImageResizeTests: XCTestCase {
    func testHalvingAveragesEachTwoByTwoBlock() {
        var image = RGBImage(width: 4, height: 4)
        for y in 0..<4 {
            for x in 0..<4 {
                let v = UInt8((x % 2 == 0) == (y % 2 == 0) ? 0 : 200) // checkerboard
                let i = (y * 4 + x) * 3
                image.pixels[i] = v; image.pixels[i + 1] = v; image.pixels[i + 2] = 50
            }
        }
        let planes = ImageResize.planarRGB(image, size: 2)
        // A 0/200 checkerboard: an antialiased filter averages it to ≈ 100 (the triangle's
        // edge taps leave ±2), where point sampling would keep 0 or 200.
        for v in planes[0..<4] { XCTAssertEqual(Double(v), 100, accuracy: 3) }
        XCTAssertEqual(Array(planes[8..<12]), [50, 50, 50, 50])
    }

    /// The filter written plainly: every output is the normalised triangle-weighted sum over
    /// its full support, rows first, in input order.
    private func referenceResize(_ image: RGBImage, size: Int) -> [UInt8] {
        func taps(_ input: Int, _ output: Int, _ o: Int) -> [(Int, Float)] {
            let scale = Double(input) / Double(output), support = max(1, scale)
            let center = (Double(o) + 0.5) * scale
            let lo = max(0, Int((center - support).rounded(.down))), hi = min(input - 1, Int((center + support).rounded(.up)))
            let raw = (lo...hi).map { Float(max(0, 1 - abs(Double($0) + 0.5 - center) / support)) }
            let total = raw.reduce(0, +)
            return zip(lo...hi, raw.map { $0 / total }).map { ($0, $1) }
        }
        var rows = [Float](repeating: 0, count: image.height * size * 3)
        for y in 0..<image.height {
            for x in 0..<size {
                for c in 0..<3 {
                    var sum: Float = 0
                    for (i, w) in taps(image.width, size, x) { sum += w * Float(image.pixels[(y * image.width + i) * 3 + c]) }
                    rows[(y * size + x) * 3 + c] = sum
                }
            }
        }
        var planes = [UInt8](repeating: 0, count: 3 * size * size)
        for y in 0..<size {
            for x in 0..<size {
                for c in 0..<3 {
                    var sum: Float = 0
                    for (i, w) in taps(image.height, size, y) { sum += w * rows[(i * size + x) * 3 + c] }
                    planes[c * size * size + y * size + x] = UInt8(max(0, min(255, sum.rounded())))
                }
            }
        }
        return planes
    }

    func testMatchesThePlainFilterByteForByte() {
        var random = Initializer(seed: 5)
        for (width, height, size) in [(256, 256, 128), (100, 60, 37), (37, 20, 64), (5, 7, 3), (2, 2, 7), (9, 9, 9)] {
            var image = RGBImage(width: width, height: height)
            for i in image.pixels.indices { image.pixels[i] = UInt8(random.unit() * 256) }
            XCTAssertEqual(ImageResize.planarRGB(image, size: size), referenceResize(image, size: size), "\(width)×\(height) → \(size)")
        }
    }

    func testByteRoundsHalvesAwayAndClampsLikeRoundedThenClamped() {
        func reference(_ v: Float) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }
        // Every half and its float neighbours (0.5 - 2^-25 rounds down, though adding 0.5 to it
        // would give 1), the ends of the range, beyond them, and random values.
        var values: [Float] = [0, -0, -0.4, -0.5, -0.6, -3, 254.49998, 254.5, 255, 255.4, 255.5, 256, 1e9, -1e9, .infinity, -.infinity]
        for k in -2...512 {
            let half = Float(k) / 2
            values += [half, half.nextUp, half.nextDown]
        }
        var random = Initializer(seed: 9)
        for _ in 0..<10_000 { values.append(Float(random.unit() * 300 - 20)) }
        for v in values { XCTAssertEqual(ImageResize.byte(v), reference(v), "\(v)") }
    }

    func testSameSizeKeepsPixels() {
        var image = RGBImage(width: 3, height: 2)
        for i in image.pixels.indices { image.pixels[i] = UInt8(i * 10) }
        let planes = ImageResize.planarRGB(image, size: 3).prefix(6)
        XCTAssertEqual(Array(planes.prefix(3)), [0, 30, 60])
    }
}

final class DataSplitTests: XCTestCase {
    func testStratifiedSplitKeepsProportionsPerLetterAndIsSeeded() {
        let letters = (0..<26).flatMap { Array(repeating: $0, count: 20) }
        let split = DataSplit.stratified(letters: letters, fractions: (0.7, 0.15, 0.15), seed: 4)
        XCTAssertEqual(split.train.count + split.validation.count + split.test.count, 520)
        XCTAssertEqual(Set(split.train + split.validation + split.test).count, 520, "no sample in two splits")
        for letter in 0..<26 {
            XCTAssertEqual(split.test.filter { letters[$0] == letter }.count, 3)
            XCTAssertEqual(split.validation.filter { letters[$0] == letter }.count, 3)
            XCTAssertEqual(split.train.filter { letters[$0] == letter }.count, 14)
        }
        XCTAssertEqual(split, DataSplit.stratified(letters: letters, fractions: (0.7, 0.15, 0.15), seed: 4))
        XCTAssertNotEqual(split, DataSplit.stratified(letters: letters, fractions: (0.7, 0.15, 0.15), seed: 5))
    }

    func testEpochOrderIsAPermutationFixedBySeedAndEpoch() {
        let split = DataSplit(train: Array(0..<50), validation: [], test: [])
        let first = split.trainingOrder(epoch: 1, seed: 9)
        XCTAssertEqual(first.sorted(), Array(0..<50))
        XCTAssertEqual(first, split.trainingOrder(epoch: 1, seed: 9))
        XCTAssertNotEqual(first, split.trainingOrder(epoch: 2, seed: 9))
        XCTAssertNotEqual(first, Array(0..<50))
    }
}
