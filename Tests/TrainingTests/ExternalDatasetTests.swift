import Canvas
import Foundation
import NN
@testable import Synth
import TestSupport
import XCTest
@testable import Training

/// A user's data set folder: any class names, with or without distances, images of any size.
final class ExternalDatasetTests: TemporaryFolderTestCase {
    /// Writes `perClass` flat-coloured images of each class (a colour per class, so that the
    /// classes are learnable) and a labels.csv with `header`; rows get a distance when the
    /// header has that column, and "x" for any other extra column.
    @discardableResult
    static func makeFolder(_ root: String, classes: [String], perClass: Int, size: Int = 16,
                           header: String = "filepath,label") throws -> String {
        let columns = header.split(separator: ",").map(String.init)
        var text = header + "\n"
        for (c, name) in classes.enumerated() {
            for k in 0..<perClass {
                let file = "img_\(c)_\(k).png"
                let v = UInt8((c * 97) % 256), w = UInt8((c * 53 + k) % 256)
                try PNG.write(RGBImage(width: size + (k % 2) * 4, height: size, fill: (v, w, 255 - v)), to: root + "/" + file)
                let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                text += columns.map { column -> String in
                    switch column {
                    case "filepath": return file
                    case "label": return quoted
                    case "distance": return String(1 + Double(k) / 2)
                    default: return "x"
                    }
                }.joined(separator: ",") + "\n"
            }
        }
        try text.write(toFile: root + "/labels.csv", atomically: true, encoding: .utf8)
        return root
    }

    func testAnyLabelsAreClassesSortedByCodePointWithoutDistance() throws {
        let names = ["zèbre", "a & b", "<tag>", "Ärger"]
        try Self.makeFolder(folder, classes: names, perClass: 3, header: "filepath,label,source")
        let labels = try DatasetLabels.read(folder: folder)
        XCTAssertEqual(labels.classes, ["<tag>", "a & b", "zèbre", "Ärger"], "code point order, whatever the row order")
        XCTAssertFalse(labels.hasDistance)
        XCTAssertFalse(labels.generated)
        XCTAssertEqual(labels.ignoredColumns, ["source"])
        let dataset = try ImageDataset(folder: folder, inputSize: 8, threads: 2)
        XCTAssertEqual(dataset.samples.count, 12)
        XCTAssertEqual(dataset.classes, labels.classes)
        XCTAssertEqual(dataset.samples[0].label, 2, "the first row is a zèbre")
        XCTAssertNotNil(dataset.mixedSizesNote, "images of 16 and 20 px wide are resized and the note says so")
    }

    func testAWorkbookWithAnyLabelsIsReadWhenThereIsNoCSV() throws {
        try Self.makeFolder(folder, classes: ["x", "y & z"], perClass: 3)
        try FileManager.default.removeItem(atPath: folder + "/labels.csv")
        func cell(_ column: String, _ row: Int, _ text: String) -> String {
            "<c r=\"\(column)\(row)\" t=\"inlineStr\"><is><t>\(text)</t></is></c>"
        }
        var sheet = #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        sheet += "<row r=\"1\">" + cell("A", 1, "label") + cell("B", 1, "filepath") + "</row>"
        for (i, (label, file)) in [("x", "img_0_0.png"), ("y &amp; z", "img_1_0.png"), ("x", "img_0_1.png"), ("y &amp; z", "img_1_1.png")].enumerated() {
            sheet += "<row r=\"\(i + 2)\">" + cell("A", i + 2, label) + cell("B", i + 2, file) + "</row>"
        }
        sheet += "</sheetData></worksheet>"
        try LabelsWorkbook.workbook(sheet: sheet).write(to: URL(fileURLWithPath: folder + "/labels.xlsx"))
        let labels = try DatasetLabels.read(folder: folder)
        XCTAssertEqual(labels.classes, ["x", "y & z"])
        XCTAssertEqual(labels.rows.map(\.filepath), ["img_0_0.png", "img_1_0.png", "img_0_1.png", "img_1_1.png"])
        XCTAssertEqual(labels.rows.map(\.line), [2, 3, 4, 5], "spreadsheet row numbers, for errors")
        XCTAssertTrue(labels.file.hasSuffix("labels.xlsx"))
    }

    func testOneClassIsRefused() throws {
        try Self.makeFolder(folder, classes: ["only"], perClass: 3)
        XCTAssertThrowsError(try DatasetLabels.read(folder: folder)) { error in
            XCTAssertTrue("\(error)".contains("a single class (\"only\")"), "\(error)")
        }
    }

    func testAMissingColumnIsNamed() throws {
        try "filepath,kind\na.png,x\n".write(toFile: folder + "/labels.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DatasetLabels.read(folder: folder)) { error in
            XCTAssertTrue("\(error)".contains("no label column"), "\(error)")
            XCTAssertTrue("\(error)".contains("labels.csv"), "\(error)")
        }
    }

    func testAClassTooSmallForTheSplitIsNamed() throws {
        try Self.makeFolder(folder, classes: ["big", "tiny"], perClass: 4)
        // Drop two of tiny's four rows.
        let path = folder + "/labels.csv"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropLast(2)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Trainer.run(job(epochs: 1))) { error in
            XCTAssertTrue("\(error)".contains("\"tiny\" (2 images)"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out/model.safetensors"))
    }

    func job(epochs: Int) -> TrainJob {
        TrainJob(dataFolder: folder, outFolder: folder + "/out",
                 config: TrainConfig(inputSize: 8, batchSize: 8, epochs: epochs, learningRate: 0.003, distanceLossWeight: 0.25,
                                     split: (0.6, 0.2, 0.2), channels: [4, 4, 4], classHidden: 8, distanceHidden: 4),
                 seed: 1, threads: 2, resume: false, configHash: "h")
    }

    func testTrainsWithoutADistanceHeadAndTheModelNamesItsClasses() throws {
        let names = ["cat", "dog & co", "ünïcode"]
        try Self.makeFolder(folder, classes: names, perClass: 5)
        let outcome = try Trainer.run(job(epochs: 1))
        XCTAssertEqual(outcome.testMAE, 0, "no distance, nothing to measure")
        let (model, metadata, classes) = try ModelFile.loadNamed(path: folder + "/out/model.safetensors")
        XCTAssertEqual(classes, names)
        XCTAssertEqual(model.architecture.classes, 3)
        XCTAssertFalse(model.architecture.hasDistanceHead)
        XCTAssertNil(metadata["classes"], "A–Z only are written as letters")
        let tensors = try SafeTensors.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/out/model.safetensors"))), source: "m").tensors
        XCTAssertFalse(tensors.keys.contains { $0.hasPrefix("dist_head") }, "the distance head is left out")
        let predictions = try Predictor.predict(modelPath: folder + "/out/model.safetensors", images: [folder + "/img_1_0.png"])
        XCTAssertTrue(names.contains(predictions[0].letter))
        XCTAssertNil(predictions[0].distance)
    }

    func testWithADistanceColumnTheModelKeepsItsDistanceHead() throws {
        try Self.makeFolder(folder, classes: ["p", "q"], perClass: 5, header: "filepath,label,distance")
        _ = try Trainer.run(job(epochs: 1))
        let (model, _, classes) = try ModelFile.loadNamed(path: folder + "/out/model.safetensors")
        XCTAssertEqual(classes, ["p", "q"])
        XCTAssertTrue(model.architecture.hasDistanceHead)
        XCTAssertNil(model.architecture.distanceHead, "recorded as every model with the head always was")
    }

    func testALetterModelsHeaderIsUnchanged() throws {
        let model = SmallCNN(architecture: SmallCNNArchitecture(inputSize: 8, channels: [2, 2, 2], classHidden: 4, distanceHidden: 4), seed: 0)
        try ModelFile.save(model, to: folder + "/m.safetensors", configHash: "h")
        let metadata = try SafeTensors.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/m.safetensors"))), source: "m").metadata
        XCTAssertEqual(metadata["classes"], Letters.all.joined())
        XCTAssertNil(metadata["class_names"])
        XCTAssertFalse(metadata["architecture"]!.contains("distance_head") || metadata["architecture"]!.contains("distanceHead"))
    }

    func testTheFingerprintFollowsTheBytesAndRemembersUnchangedFiles() throws {
        try Self.makeFolder(folder, classes: ["a", "b"], perClass: 3)
        let record = folder + "/record/fp.json"
        let first = try DatasetFingerprint.compute(folder: folder, recordFile: record)
        XCTAssertEqual(first.hashed, 7, "the labels and six images")
        let again = try DatasetFingerprint.compute(folder: folder, recordFile: record)
        XCTAssertEqual(again.hash, first.hash)
        XCTAssertEqual(again.hashed, 0, "sizes and times unchanged: nothing read")
        try PNG.write(RGBImage(width: 16, height: 16, fill: (1, 2, 3)), to: folder + "/img_0_0.png")
        let edited = try DatasetFingerprint.compute(folder: folder, recordFile: record, verify: true)
        XCTAssertNotEqual(edited.hash, first.hash, "one edited image changes the fingerprint")
        XCTAssertEqual(edited.hashed, 7, "verify reads every file")
    }

    func testIdenticalImagesAreReported() throws {
        try Self.makeFolder(folder, classes: ["a", "b"], perClass: 3)
        try FileManager.default.removeItem(atPath: folder + "/img_1_0.png")
        try FileManager.default.copyItem(atPath: folder + "/img_0_0.png", toPath: folder + "/img_1_0.png")
        let outcome = try DatasetFingerprint.compute(folder: folder, recordFile: nil)
        XCTAssertEqual(outcome.duplicates, [["img_0_0.png", "img_1_0.png"]])
    }
}
