import Foundation
import Plot

/// Writes the report's figures into `RUN/figures/` (SVG, 2× PNG, CSV) and returns what the
/// page shows. A figure that cannot be drawn becomes a note on the page, not a failed report.
final class FigureSink: @unchecked Sendable {
    let runFolder: String
    let folder: String
    private let lock = NSLock()
    private var written = 0

    init(runFolder: String) {
        self.runFolder = runFolder
        self.folder = (runFolder as NSString).appendingPathComponent(ReportFiles.figures)
    }

    var count: Int { lock.withLock { written } }

    /// Builds and writes a figure; errors become a "not available" note naming the figure.
    func block(_ name: String, caption: String, alt: String, _ build: () throws -> (Figure, CSVTable)) -> BlockModel {
        do {
            return .figure(try write(name, caption: caption, alt: alt, build))
        } catch {
            return .note("The figure “\(alt)” could not be drawn: \(error)")
        }
    }

    func write(_ name: String, caption: String, alt: String, _ build: () throws -> (Figure, CSVTable)) throws -> FigureModel {
        let (figure, data) = try build()
        try FigureFile.write(figure, data: data, to: folder, name: name)
        lock.withLock { written += 1 }
        let base = ReportFiles.figures + "/" + name
        return FigureModel(name: name, caption: caption, alt: alt, width: Int(figure.width.rounded()), height: Int(figure.height.rounded()),
                           src: base + ".svg", png: base + ".png", csv: base + ".csv")
    }
}
