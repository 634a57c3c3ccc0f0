import Foundation
import Interrupt
import Plot

/// Writes the report's figures into `RUN/figures/` (SVG, 2× PNG, CSV). Figures are drawn in
/// the background while pages are assembled, so a page's slow figures (photo grids) run beside
/// other figures on every core; `finish()` waits for all of them. A figure that cannot be
/// drawn becomes a note on its page, not a failed report.
final class FigureSink: @unchecked Sendable {
    let runFolder: String
    let folder: String
    /// Where earlier drawings of the same figures are, if anywhere.
    let reusable: String?
    /// Figures not yet started when a stop is requested are skipped.
    let stop: StopRequest?
    private let lock = NSLock()
    private let group = DispatchGroup()
    private var timings: [String: Double] = [:]
    private var failures: [String: String] = [:]
    private var linked = 0

    init(runFolder: String, reusable: String? = nil, stop: StopRequest? = nil) {
        self.stop = stop
        self.runFolder = runFolder
        self.reusable = reusable
        self.folder = (runFolder as NSString).appendingPathComponent(ReportFiles.figures)
    }

    /// Figures written, after `finish()`.
    var count: Int { lock.withLock { timings.count } }
    /// Figures linked from `reusable` instead of drawn, after `finish()`.
    var reused: Int { lock.withLock { linked } }
    /// Seconds each figure took to build and write, by name.
    var seconds: [String: Double] { lock.withLock { timings } }

    /// Schedules a figure and returns the block that shows it.
    func block(_ name: String, caption: String, alt: String, withPNG: Bool = true,
               _ build: @escaping @Sendable () throws -> (Figure, CSVTable)) -> BlockModel {
        .figure(write(name, caption: caption, alt: alt, withPNG: withPNG, build))
    }

    /// Schedules a figure and returns what the page shows; the files exist after `finish()`.
    func write(_ name: String, caption: String, alt: String, withPNG: Bool = true,
               _ build: @escaping @Sendable () throws -> (Figure, CSVTable)) -> FigureModel {
        let base = ReportFiles.figures + "/" + name
        let size = ResultBox<(Int, Int)>(count: 1)
        DispatchQueue.global().async(group: group) { [folder, reusable, stop] in
            if stop.isRequested { return }
            let started = Date()
            if let reusable, !ReportFiles.runSpecificFigures.contains(name), FigureFile.link(name, from: reusable, to: folder) {
                self.lock.withLock { self.timings[name] = Date().timeIntervalSince(started); self.linked += 1 }
                return
            }
            do {
                let (figure, data) = try build()
                try FigureFile.write(figure, data: data, to: folder, name: name, withPNG: withPNG)
                self.lock.withLock { self.timings[name] = Date().timeIntervalSince(started) }
                size.set(0, (Int(figure.width.rounded()), Int(figure.height.rounded())))
            } catch {
                self.lock.withLock { self.failures[name] = "The figure “\(alt)” could not be drawn: \(error)" }
            }
        }
        _ = size
        return FigureModel(name: name, caption: caption, alt: alt, width: 0, height: 0, src: base + ".svg", png: withPNG ? base + ".png" : nil, csv: base + ".csv")
    }

    /// Waits for every figure, then fills in their sizes and turns failed ones into notes.
    func finish(_ pages: [PageModel]) -> [PageModel] {
        group.wait()
        let failed = lock.withLock { failures }
        return pages.map { page in
            var page = page
            for s in page.sections.indices {
                page.sections[s].blocks = page.sections[s].blocks.flatMap { block -> [BlockModel] in
                    if let figure = block.figure {
                        if let note = failed[figure.name] { return [.note(note)] }
                        return [.figure(sized(figure))]
                    }
                    if let row = block.figureRow {
                        let notes = row.items.compactMap { failed[$0.name] }.map(BlockModel.note)
                        let kept = row.items.filter { failed[$0.name] == nil }.map(sized)
                        return notes + (kept.isEmpty ? [] : [kept.count == 1 ? .figure(kept[0]) : .row(kept)])
                    }
                    return [block]
                }
            }
            return page
        }
    }

    private func sized(_ figure: FigureModel) -> FigureModel {
        Self.sized(figure, in: runFolder)
    }

    /// The figure with its width and height read back from its SVG (`figure.src` is relative
    /// to `folder`).
    static func sized(_ figure: FigureModel, in folder: String) -> FigureModel {
        var figure = figure
        let path = (folder as NSString).appendingPathComponent(figure.src)
        if let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            let head = String(decoding: handle.readData(ofLength: 600), as: UTF8.self)
            figure.width = Self.attribute("width", in: head) ?? 0
            figure.height = Self.attribute("height", in: head) ?? 0
        }
        return figure
    }

    static func attribute(_ name: String, in svg: String) -> Int? {
        guard let tag = svg.range(of: "<svg "), let start = svg.range(of: " \(name)=\"", range: tag.upperBound..<svg.endIndex),
              let end = svg[start.upperBound...].firstIndex(of: "\"") else { return nil }
        return Double(svg[start.upperBound..<end]).map { Int($0.rounded()) }
    }
}
