import AtomicIO
import Canvas
import Foundation

/// Writes a figure as the report uses it: `name.svg`, `name.png` (2× resolution) and the
/// plotted data as `name.csv`, each written atomically (temporary file, then rename).
public enum FigureFile {
    /// The files of one figure: `name.svg`, `name.png`, `name.csv`.
    public static let extensions = ["svg", "png", "csv"]

    /// Hard-links (or, across file systems, copies) figure `name`'s files from `source` into
    /// `folder`; false, leaving none of them behind, when its SVG or CSV is missing or any file
    /// cannot be placed. The PNG goes along when there is one (figures written without one).
    public static func link(_ name: String, from source: String, to folder: String) -> Bool {
        let present = extensions.filter { FileManager.default.fileExists(atPath: (source as NSString).appendingPathComponent(name + "." + $0)) }
        guard present.contains("svg"), present.contains("csv") else { return false }
        let files = present.map { name + "." + $0 }
        let manager = FileManager.default
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
    /// Without `withPNG` only the SVG and the CSV are written: for pages of many photo grids,
    /// whose PNG copies would cost more to encode than everything else on the page.
    @discardableResult
    public static func write(_ figure: Figure, data: CSVTable, to folder: String, name: String,
                             pngScale: Double = 2, withPNG: Bool = true) throws -> (svg: String, png: String, csv: String) {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { throw PlotError.invalidFileName(name) }
        try Folder.create(folder)
        let base = URL(fileURLWithPath: folder).appendingPathComponent(name).path
        let paths = (svg: base + ".svg", png: base + ".png", csv: base + ".csv")

        let scene = try figure.scene(rasterScale: pngScale)
        let svg = try SVGWriter(idPrefix: name, rasterScale: pngScale).render(scene)
        try AtomicFile.write(Data(svg.utf8), to: paths.svg)
        if withPNG {
            let image = try RasterWriter(scale: pngScale).render(scene)
            let png: [UInt8]
            do {
                png = try PNG.encode(image, compression: .small)
            } catch {
                throw PlotError.drawing(reason: "\(error)")
            }
            try AtomicFile.write(Data(png), to: paths.png)
        }
        try AtomicFile.write(Data(data.text.utf8), to: paths.csv)
        return paths
    }
}
