import Canvas
import Foundation
import NN
import Synth
import TestSupport
import XCTest
@testable import Training

/// Data sets and model files built by hand to be wrong: each must end in one sentence that
/// names the file (and line), never a crash, a hang or a huge allocation.
final class HostileInputTests: TemporaryFolderTestCase {
    /// The test's folder (`folder`), under the name these tests use.
    private var root: String { folder }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
    }

    /// One 8-px image per letter and a labels.csv listing them (plus `extraRows`).
    private func makeDataset(extraRows: String = "", bom: Bool = false) throws -> String {
        let folder = root + "/data"
        var text = (bom ? "\u{FEFF}" : "") + "filepath,letter,distance\n"
        for (i, letter) in Letters.all.enumerated() {
            try PNG.write(RGBImage(width: 8, height: 8, fill: (UInt8(i), 0, 0)), to: "\(folder)/\(letter).png")
            text += "\(letter).png,\(letter),1\n"
        }
        try (text + extraRows).write(toFile: folder + "/labels.csv", atomically: true, encoding: .utf8)
        return folder
    }

    private func problem(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    func testAnImageLinkLeavingTheDatasetFolderIsRefusedNamingTheRow() throws {
        let outside = root + "/secret.png"
        try PNG.write(RGBImage(width: 8, height: 8, fill: (1, 2, 3)), to: outside)
        let folder = try makeDataset(extraRows: "link.png,A,2\n")
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.png", withDestinationPath: outside)
        XCTAssertEqual(problem { _ = try ImageDataset(folder: folder, inputSize: 8, threads: 1) },
                       "The image \(folder)/link.png, listed on line 28 of \(folder)/labels.csv, is a link to a file outside the data set folder; every image must lie inside it.")
    }

    func testALinkStayingInsideTheFolderIsFine() throws {
        let folder = try makeDataset(extraRows: "again.png,A,2\n")
        try FileManager.default.createSymbolicLink(atPath: folder + "/again.png", withDestinationPath: folder + "/A.png")
        XCTAssertEqual(try ImageDataset(folder: folder, inputSize: 8, threads: 1).samples.count, 27)
    }

    func testLabelsThatAreAFIFOAreNotARegularFileAndDoNotHang() throws {
        let folder = root + "/data"
        XCTAssertEqual(mkfifo(folder + "/labels.csv", 0o644), 0)
        XCTAssertEqual(problem { _ = try ImageDataset(folder: folder, inputSize: 8, threads: 1) },
                       "Cannot read the labels \(folder)/labels.csv: it is a FIFO (named pipe), not a regular file.")
    }

    func testALeadingByteOrderMarkIsAccepted() throws {
        XCTAssertEqual(try ImageDataset(folder: try makeDataset(bom: true), inputSize: 8, threads: 1).samples.count, 26)
    }

    func testAnImageThatIsADeviceIsRefusedAsNotARegularFile() throws {
        let folder = try makeDataset(extraRows: "zero.png,A,2\n")
        try FileManager.default.createSymbolicLink(atPath: folder + "/zero.png", withDestinationPath: "/dev/zero")
        // /dev/zero lies outside the folder: the link is refused before anything reads it.
        XCTAssertTrue(problem { _ = try ImageDataset(folder: folder, inputSize: 8, threads: 1) }!.contains("is a link to a file outside the data set folder"))
        XCTAssertEqual(problem { _ = try PNG.read(path: "/dev/zero") }, "Cannot access /dev/zero: it is a device, not a regular file.")
    }

    // MARK: model files

    private let architecture = SmallCNNArchitecture(inputSize: 16, channels: [2, 3, 4], classHidden: 5, distanceHidden: 3)

    private func modelFile(metadata change: (inout [String: String]) -> Void = { _ in }, tensors edit: (inout [(name: String, tensor: Tensor)]) -> Void = { _ in }) throws -> String {
        let model = SmallCNN(architecture: architecture, seed: 1)
        var tensors = model.stateTensors()
        edit(&tensors)
        var metadata = ["format": ModelFile.format, "architecture": try ModelFile.architectureJSON(architecture)]
        change(&metadata)
        let path = root + "/model-\(UUID().uuidString).safetensors"
        try Data(SafeTensors.encode(tensors, metadata: metadata)).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testModelMetadataIsValidatedBeforeAnythingIsAllocated() throws {
        let negative = try modelFile { $0["architecture"] = #"{"inputSize":16,"channels":[-2,3,4],"classHidden":5,"distanceHidden":3,"classes":26}"# }
        XCTAssertEqual(problem { _ = try ModelFile.load(path: negative) }, "Cannot use the model \(negative): its channels [-2, 3, 4] are not 3 counts between 1 and 4096.")
        let short = try modelFile { $0["architecture"] = #"{"inputSize":16,"channels":[2,3],"classHidden":5,"distanceHidden":3,"classes":26}"# }
        XCTAssertEqual(problem { _ = try ModelFile.load(path: short) }, "Cannot use the model \(short): it has 2 conv blocks; a SmallCNN has 3.")
        let absurd = try modelFile { $0["architecture"] = #"{"inputSize":4096,"channels":[4096,4096,4096],"classHidden":65536,"distanceHidden":65536,"classes":26}"# }
        XCTAssertEqual(problem { _ = try ModelFile.load(path: absurd) }, "Cannot use the model \(absurd): it would have more than 2147483648 weights.")
        let mistyped = try modelFile { $0["architecture"] = #"{"inputSize":"big","channels":[2,3,4],"classHidden":5,"distanceHidden":3,"classes":26}"# }
        XCTAssertEqual(problem { _ = try ModelFile.load(path: mistyped) },
                       "Cannot use the model \(mistyped): its architecture metadata is not a SmallCNN architecture (the value at inputSize has the wrong type).")
        let shortStd = try modelFile {
            $0["architecture"] = #"{"inputSize":16,"channels":[2,3,4],"classHidden":5,"distanceHidden":3,"classes":26,"inputStandardisation":{"mean":[0.5],"std":[0]}}"#
        }
        XCTAssertEqual(problem { _ = try ModelFile.load(path: shortStd) },
                       "Cannot use the model \(shortStd): its input standardisation has 1 means and 1 standard deviations; it needs 3 of each.")
    }

    func testAModelTooLargeForThisMachineIsRefusedSayingWhatItNeeds() throws {
        // Few weights, but 1024 channels over a 4096-px input: 64 GB of activations an image.
        let wide = SmallCNNArchitecture(inputSize: 4096, channels: [1024, 1, 1], classHidden: 1, distanceHidden: 1)
        XCTAssertThrowsError(try ModelFile.checkMemory(wide, path: "wide.safetensors")) { error in
            XCTAssertTrue("\(error)".hasPrefix("Cannot use the model wide.safetensors: its architecture (input 4096 px, channels [1024, 1, 1]) needs about "), "\(error)")
            XCTAssertTrue("\(error)".contains("for one image; this machine has "), "\(error)")
        }
        XCTAssertNoThrow(try ModelFile.checkMemory(architecture, path: "small.safetensors"))
    }

    func testAModelWithNaNWeightsIsRefusedInsteadOfPredictingNaNPercent() throws {
        let path = try modelFile(tensors: { tensors in
            let i = tensors.firstIndex { $0.name == "class_head.2.weight" }!
            tensors[i].tensor.data[3] = .nan
        })
        XCTAssertEqual(problem { _ = try Predictor.predict(modelPath: path, images: [self.root + "/none.png"]) },
                       "Cannot use the model \(path): \"class_head.2.weight\" holds a value that is not a finite number (nan at index 3).")
    }

    func testAModelThatIsAFIFOIsNotARegularFile() throws {
        let path = root + "/model.safetensors"
        XCTAssertEqual(mkfifo(path, 0o644), 0)
        XCTAssertEqual(problem { _ = try ModelFile.load(path: path) }, "Cannot use the model \(path): it is a FIFO (named pipe), not a regular file.")
    }
}
