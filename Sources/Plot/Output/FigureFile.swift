import AtomicIO
import Canvas
import Foundation

/// Writes a figure as the report uses it: `name.svg`, `name.png` (2× resolution) and the
/// plotted data as `name.csv`, each written atomically (temporary file, then rename).
public enum FigureFile {
    /// The files of one figure: `name.svg`, `name.png`, `name.csv`.
    public static let extensions = ["svg", "png", "csv"]

    /// Hard-links (or, across file systems, copies) figure `name`'s files from `source` into
    /// `folder`; false, leaving none of them behind, when any is missing or cannot be placed.
    public static func link(_ name: String, from source: String, to folder: String) -> Bool {
        let files = extensions.map { name + "." + $0 }
        let manager = FileManager.default
        guard files.allSatisfy({ manager.fileExists(atPath: (source as NSString).appendingPathComponent($0)) }) else { return false }
        guard (try? Folder.create(folder)) != nil else { return false }
        for file in files {
            do {
                try AtomicFile.linkOrCopy((source as NSString).appendingPathComponent(file), to: (folder as NSString).appendingPathComponent(file))
            } catch {
                for placed in files { try? manager.removeItem(atPath: (folder as NSString).appendingPathComponent(placed)) }
                return false
            }
        }
        return true
    }

    /// Writes the three files into `folder` (created if missing) and returns their paths.
    @discardableResult
    public static func write(_ figure: Figure, data: CSVTable, to folder: String, name: String,
                             pngScale: Double = 2) throws -> (svg: String, png: String, csv: String) {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { throw PlotError.invalidFileName(name) }
        try Folder.create(folder)
        let base = URL(fileURLWithPath: folder).appendingPathComponent(name).path
        let paths = (svg: base + ".svg", png: base + ".png", csv: base + ".csv")

        let scene = try figure.scene(rasterScale: pngScale)
        let svg = try SVGWriter(idPrefix: name, rasterScale: pngScale).render(scene)
        let image = try RasterWriter(scale: pngScale).render(scene)
        let png: [UInt8]
        do {
            png = try PNG.encode(image, compression: .small)
        } catch {
            throw PlotError.drawing(reason: "\(error)")
        }
        try AtomicFile.write(Data(svg.utf8), to: paths.svg)
        try AtomicFile.write(Data(png), to: paths.png)
        try AtomicFile.write(Data(data.text.utf8), to: paths.csv)
        return paths
    }
}
