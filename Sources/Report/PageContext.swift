import Analysis
import AtomicIO
import Canvas
import Foundation
import Plot
import Synth

/// What every page builder sees: the job, the run folder's inputs and the figure writer.
struct PageContext: Sendable {
    let job: ReportJob
    let inputs: RunInputs
    let figures: FigureSink

    /// The class names in label order: what the analysis recorded, else the data set's labels,
    /// else A–Z (runs analysed before class names were recorded).
    var letters: [String] { inputs.metrics?.classes ?? inputs.classes ?? Letters.all }

    /// True when the classes are the letters A–Z (the generated data sets).
    var classesAreLetters: Bool { letters == Letters.all }

    /// "letter" for A–Z, else "class": the word captions use.
    var classWord: String { classesAreLetters ? "letter" : "class" }

    /// Whether the run's labels carry distances (a user's data set may not).
    var hasDistance: Bool { inputs.metrics?.hasDistance ?? inputs.hasDistance ?? true }

    /// More classes than a chart can label one by one at the normal width.
    var manyClasses: Bool { letters.count > 30 }

    /// The note every distance figure shows for a data set without distances.
    var noDistanceNote: BlockModel {
        .note("The data set has no distance column, so the model was trained without its distance head and there is no distance to plot here.")
    }

    /// The note a page shows when the analyse outputs are missing.
    func analyseNote(_ file: String) -> BlockModel {
        .note("\(file) is not in the run folder: run asl-lab analyse (or asl-lab run) to fill this part of the report.")
    }

    /// Reads an analyse array, or nil when the file is missing or unreadable.
    func array(_ name: String) -> NumPyArray? {
        let path = inputs.path(name)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try? NumPyArray.read(path: path)
    }

    func table(_ name: String) -> CSVFile? {
        let path = inputs.path(name)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try? CSVFile.read(path: path)
    }

    /// A data set image by its path relative to the data set folder, shrunk to `size` px.
    func datasetImage(_ relative: String, size: Int) -> RGBImage? {
        guard let folder = inputs.datasetFolder, LabelsTable.pathProblem(relative) == nil else { return nil }
        guard let image = try? PNG.read(path: (folder as NSString).appendingPathComponent(relative)) else { return nil }
        return Thumbnail.resize(image, width: size, height: size)
    }
}

/// Number formats used on every page.
enum Format {
    static func percent(_ value: Double, decimals: Int = 1) -> String {
        value.isFinite ? String(format: "%.\(decimals)f %%", value * 100) : "–"
    }

    static func number(_ value: Double, decimals: Int = 3) -> String {
        value.isFinite ? String(format: "%.\(decimals)f", value) : "–"
    }

    static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        if value < 1 { return String(format: "%.2f s", value) }
        if value < 100 { return String(format: "%.1f s", value) }
        if value < 3600 { return String(format: "%d min %02d s", Int(value) / 60, Int(value) % 60) }
        return String(format: "%d h %02d min", Int(value) / 3600, Int(value) / 60 % 60)
    }

    /// Sizes as everywhere else in the tool (`ByteCount.text`: powers of 1024).
    static func bytes(_ value: UInt64) -> String {
        ByteCount.text(Double(value))
    }

    /// A class name cut to `limit` characters (with "…") for axis and grid labels.
    static func short(_ name: String, limit: Int = 24) -> String {
        name.count <= limit ? name : String(name.prefix(limit - 1)) + "…"
    }

    static func integer(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0, i % 3 == 0 { out.append("\u{202F}") }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + String(out.reversed())
    }
}

/// Box-filter downscaling for thumbnails (each output pixel averages the source pixels it
/// covers), and float planes as images.
enum Thumbnail {
    static func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        guard image.width != width || image.height != height, width > 0, height > 0 else { return image }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let sx = Double(image.width) / Double(width), sy = Double(image.height) / Double(height)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<height {
                let y0 = Int(Double(y) * sy), y1 = max(y0 + 1, min(image.height, Int(Double(y + 1) * sy)))
                for x in 0..<width {
                    let x0 = Int(Double(x) * sx), x1 = max(x0 + 1, min(image.width, Int(Double(x + 1) * sx)))
                    var r = 0, g = 0, b = 0
                    for yy in y0..<y1 {
                        var i = (yy * image.width + x0) * 3
                        for _ in x0..<x1 {
                            r += Int(src[i]); g += Int(src[i + 1]); b += Int(src[i + 2])
                            i += 3
                        }
                    }
                    let n = (y1 - y0) * (x1 - x0)
                    let o = (y * width + x) * 3
                    out[o] = UInt8((r + n / 2) / n); out[o + 1] = UInt8((g + n / 2) / n); out[o + 2] = UInt8((b + n / 2) / n)
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// A (3, H, W) plane set of values in [0, 1] (the model's input) as an image.
    static func fromPlanes(_ values: ArraySlice<Float>, height: Int, width: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: height * width * 3)
        let base = values.startIndex, plane = height * width
        for c in 0..<3 {
            for i in 0..<plane {
                pixels[i * 3 + c] = UInt8(max(0, min(255, (values[base + c * plane + i] * 255).rounded())))
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// An (H, W) slice as a matrix of doubles, for a colour map.
    static func matrix(_ values: ArraySlice<Float>, height: Int, width: Int) -> [[Double]] {
        let base = values.startIndex
        return (0..<height).map { r in (0..<width).map { c in Double(values[base + r * width + c]) } }
    }
}
