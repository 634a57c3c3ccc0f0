import AtomicIO
import FileFormats
import Foundation
import Plot
import Training

/// `runs compare`'s HTML page: the config keys that differ, metric deltas, training curves of
/// both runs overlaid, and each figure the two reports share side by side. Written to
/// `REPORTS/compare-<A>-vs-<B>.html` with its own figures in `REPORTS/compare-figures/`;
/// it links into both run folders, so it works offline from disk.
enum ComparePage {
    static func write(store: RunStore, a runA: String, b runB: String, a ma: RunManifest, b mb: RunManifest) throws -> String {
        let name = "compare-\(runA)-vs-\(runB)"
        let figures = (store.root as NSString).appendingPathComponent("compare-figures")
        var body = "<h1>\(HTML.escape(runA)) <span class=\"vs\">vs</span> \(HTML.escape(runB))</h1>\n"
        body += "<p>A: <a href=\"\(HTML.escape(runA))/index.html\">\(HTML.escape(ma.name))</a>, started \(HTML.escape(ma.created)) · "
            + "B: <a href=\"\(HTML.escape(runB))/index.html\">\(HTML.escape(mb.name))</a>, started \(HTML.escape(mb.created))</p>\n"

        let keys = Set(ma.config.keys).union(mb.config.keys).sorted().filter { ma.config[$0] != mb.config[$0] }
        body += "<h2>Config keys that differ</h2>\n"
        if keys.isEmpty {
            body += "<p>None: both runs used the same config (hash \(HTML.escape(String(ma.configHash.prefix(12))))).</p>\n"
        } else {
            body += "<table><tr><th>key</th><th>A</th><th>B</th></tr>\n" + keys.map {
                "<tr><td><code>\(HTML.escape($0))</code></td><td>\(HTML.escape(ma.config[$0] ?? "–"))</td><td>\(HTML.escape(mb.config[$0] ?? "–"))</td></tr>\n"
            }.joined() + "</table>\n"
        }
        func cell(_ v: Double?, _ f: (Double) -> String) -> String { v.map(f) ?? "–" }
        func delta(_ x: Double?, _ y: Double?, _ f: (Double) -> String) -> String { (x != nil && y != nil) ? f(y! - x!) : "–" }
        let percent = { (v: Double) in String(format: "%.2f %%", v * 100) }, signedPercent = { (v: Double) in String(format: "%+.2f points", v * 100) }
        let number = { (v: Double) in String(format: "%.3f", v) }, signed = { (v: Double) in String(format: "%+.3f", v) }
        body += "<h2>Metrics</h2>\n<table><tr><th>metric</th><th>A</th><th>B</th><th>B − A</th></tr>\n"
        body += "<tr><td>test accuracy</td><td>\(cell(ma.metrics.testAccuracy, percent))</td><td>\(cell(mb.metrics.testAccuracy, percent))</td><td>\(delta(ma.metrics.testAccuracy, mb.metrics.testAccuracy, signedPercent))</td></tr>\n"
        body += "<tr><td>test distance MAE</td><td>\(cell(ma.metrics.testDistanceMAE, number))</td><td>\(cell(mb.metrics.testDistanceMAE, number))</td><td>\(delta(ma.metrics.testDistanceMAE, mb.metrics.testDistanceMAE, signed))</td></tr>\n"
        body += "<tr><td>duration (s)</td><td>\(String(format: "%.1f", ma.seconds))</td><td>\(String(format: "%.1f", mb.seconds))</td><td>\(String(format: "%+.1f", mb.seconds - ma.seconds))</td></tr>\n</table>\n"

        let histories = [runA, runB].map { run -> [EpochRecord] in
            let path = store.path(run, Trainer.historyName)
            return (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { try? TrainingHistory.parse($0, source: path) } ?? []
        }
        if histories.allSatisfy({ !$0.isEmpty }) {
            var accuracy = Axes(title: "Validation accuracy", xLabel: "epoch", yLabel: "accuracy")
            accuracy.xWholeNumbers = true
            var mae = Axes(title: "Validation distance MAE", xLabel: "epoch", yLabel: "MAE")
            mae.xWholeNumbers = true
            var loss = Axes(title: "Training loss", xLabel: "epoch", yLabel: "loss")
            loss.xWholeNumbers = true
            var columns: [(String, [Double])] = []
            for (label, history) in zip(["A", "B"], histories) {
                let epochs = history.map { Double($0.epoch) }
                let color = Palette.tab10[label == "A" ? 0 : 1]
                accuracy.add(try LineMark(x: epochs, y: history.map(\.validationAccuracy), color: color, label: label, showsPoints: true))
                mae.add(try LineMark(x: epochs, y: history.map(\.validationMAE), color: color, label: label, showsPoints: true))
                loss.add(try LineMark(x: epochs, y: history.map(\.loss), color: color, label: label, showsPoints: true))
                columns += [("\(label)_epoch", epochs), ("\(label)_val_accuracy", history.map(\.validationAccuracy)),
                            ("\(label)_val_mae", history.map(\.validationMAE)), ("\(label)_train_loss", history.map(\.loss))]
            }
            let rows = columns.map(\.1.count).max() ?? 0
            let padded = columns.map { ($0.0, $0.1 + Array(repeating: Double.nan, count: rows - $0.1.count)) }
            try FigureFile.write(Figure(width: 1080, height: 320, axes: [accuracy, mae, loss]), data: CSVTable(columns: padded), to: figures, name: name)
            body += "<h2>Training curves</h2>\n<figure><img src=\"compare-figures/\(HTML.escape(name)).svg\" alt=\"Training curves of A and B\">"
                + "<figcaption>A in blue, B in orange. <a href=\"compare-figures/\(HTML.escape(name)).csv\">data</a></figcaption></figure>\n"
        }

        let shared = Set(figureNames(store.path(runA))).intersection(figureNames(store.path(runB))).sorted()
        if !shared.isEmpty {
            body += "<h2>The same figures, side by side</h2>\n"
            for figure in shared {
                body += "<h3>\(HTML.escape(figure))</h3>\n<div class=\"pair\">"
                    + [runA, runB].map { "<figure><img src=\"\(HTML.escape($0))/figures/\(HTML.escape(figure)).svg\" alt=\"\(HTML.escape(figure)) of \(HTML.escape($0))\"><figcaption>\($0 == runA ? "A" : "B")</figcaption></figure>" }.joined()
                    + "</div>\n"
            }
        }
        let html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(runA)) vs \(HTML.escape(runB))</title>
        <style>
        body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1d2430}
        h1{font-size:1.4rem}.vs{color:#8a93a3;font-weight:400}h2{font-size:1.15rem;margin-top:2rem}h3{font-size:.95rem;color:#596273}
        table{border-collapse:collapse}th,td{padding:.35rem .7rem;border-bottom:1px solid #e3e6ec;text-align:left}
        img{max-width:100%;height:auto}.pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem}figure{margin:0}
        figcaption{color:#596273;font-size:.85rem}a{color:#2455c3}
        </style></head><body>
        \(body)</body></html>

        """
        let path = (store.root as NSString).appendingPathComponent(name + ".html")
        try StorageFile.write(Data(html.utf8), to: path)
        return path
    }

    /// The SVG figures of a run's report, by name without extension.
    static func figureNames(_ runFolder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: (runFolder as NSString).appendingPathComponent("figures"))) ?? []
        return names.filter { $0.hasSuffix(".svg") }.map { String($0.dropLast(4)) }
    }
}
