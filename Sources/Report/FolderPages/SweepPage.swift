import FileFormats
import Foundation
import Plot

/// A sweep's report, `SWEEP/index.html` with its figures in `SWEEP/figures/`: the members
/// (swept values, status, accuracy, MAE, time, link to each member's report), the mean ± sd
/// over seeds of every config point, metric-vs-value plots with error bars for each swept
/// key, every point's validation curves (mean and band), per-letter accuracy across points,
/// and the best point with how sure that is. Drawn with the same templates as a run's report.
public enum SweepPage {
    static let figuresFolder = "figures"
    /// Above this many points the curves and the heat map show the best ones only.
    static let maximumPointsDrawn = 10

    /// Writes the page into `folder` (the sweep folder); returns its path.
    public static func write(_ summary: SweepSummary, name: String, mode: String, created: String, folder: String,
                             toolVersion: String, templates: String? = nil) throws -> String {
        let figures = (folder as NSString).appendingPathComponent(figuresFolder)
        var sections: [SectionModel] = []
        let complete = summary.members.filter(\.complete).count
        var cards = [CardModel(label: "members", value: "\(complete) of \(summary.members.count)", detail: "complete")]
        if let best = summary.best, let accuracy = best.accuracy {
            cards.append(CardModel(label: "best test accuracy", value: SweepSummary.percent(accuracy), detail: best.label))
        }
        sections.append(SectionModel("Result", anchor: "result", [.cards(cards), .paragraph(summary.verdict)]))
        sections.append(SectionModel("Config points", anchor: "points", [.table(pointsTable(summary))]))

        var plots: [BlockModel] = []
        for key in summary.keys where !summary.seedKeys.contains(key) {
            let name = "metric-vs-" + safe(key)
            if let (figure, data) = try metricByValue(summary, key: key) {
                try FigureFile.write(figure, data: data, to: figures, name: name)
                plots.append(.figure(model(name, folder: folder, caption: "Test accuracy and distance MAE by \(key): the mean over seeds, bars one standard deviation; one line per combination of the other swept keys.",
                                           alt: "Test accuracy and MAE by \(key)")))
            }
        }
        if !plots.isEmpty { sections.append(SectionModel("Metrics by swept value", anchor: "by-value", plots)) }

        let drawn = drawnPoints(summary)
        if let (figure, data) = try curves(drawn) {
            try FigureFile.write(figure, data: data, to: figures, name: "validation-curves")
            let note = drawn.count < summary.points.count ? " The \(drawn.count) most accurate of \(summary.points.count) points are drawn." : ""
            sections.append(SectionModel("Validation curves", anchor: "curves", [.figure(model("validation-curves", folder: folder,
                caption: "Validation accuracy and distance MAE by epoch for each config point: the mean over its seeds, the band one standard deviation.\(note)",
                alt: "Validation curves of every config point"))]))
        }
        if let (figure, data) = try perClass(drawn) {
            try FigureFile.write(figure, data: data, to: figures, name: "per-class-accuracy")
            sections.append(SectionModel("Per-letter accuracy", anchor: "per-class", [.figure(model("per-class-accuracy", folder: folder,
                caption: "Test accuracy of every letter (columns) at each config point (rows), the mean over seeds: which letters a setting helps or hurts.",
                alt: "Per-letter accuracy across config points"))]))
        }
        sections.append(SectionModel("Members", anchor: "members", [.table(membersTable(summary))]))

        let title = "Sweep \(name)"
        let keys = summary.keys.joined(separator: ", ")
        let lead = "\(summary.members.count) runs (\(mode == "zip" ? "paired lists" : "every combination") of \(keys)), started \(created). "
            + "Each member is an ordinary run with its own report, linked below."
        let page = PageModel(id: "sweep", title: title, file: ReportFiles.index, lead: lead, sections: sections)
        return try FolderPage.write(page, title: title, heading: title, toolVersion: toolVersion, to: folder, templates: templates)
    }

    static func model(_ name: String, folder: String, caption: String, alt: String) -> FigureModel {
        FigureSink.sized(FigureModel(name: name, caption: caption, alt: alt, width: 0, height: 0, src: "\(figuresFolder)/\(name).svg",
                                     png: "\(figuresFolder)/\(name).png", csv: "\(figuresFolder)/\(name).csv"), in: folder)
    }

    static func safe(_ key: String) -> String {
        String(key.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    static func pointsTable(_ summary: SweepSummary) -> TableModel {
        let best = summary.best?.label
        let seeds = summary.seedKeys.isEmpty ? "one run each" : "mean ± sd over \(summary.seedKeys.joined(separator: ", "))"
        return TableModel(caption: "Each combination of the swept keys other than seeds (\(seeds)); ★ marks the best.",
                          header: ["point", "complete", "test accuracy", "distance MAE", "time"], numeric: [1, 2, 3, 4],
                          rows: summary.points.map { point in
            [(point.label == best ? "★ " : "") + point.label, "\(point.members.filter(\.complete).count) of \(point.members.count)",
             point.accuracy.map(SweepSummary.percent) ?? "–", point.mae.map(SweepSummary.number) ?? "–",
             point.seconds.map { Format.seconds($0.mean) } ?? "–"]
        })
    }

    static func membersTable(_ summary: SweepSummary) -> TableModel {
        TableModel(caption: "Every member: its swept values, what became of it, its results and its report.",
                   header: ["member"] + summary.keys + ["status", "test accuracy", "MAE", "time", "report"],
                   numeric: Set((summary.keys.count + 2)...(summary.keys.count + 4)),
                   cells: summary.members.map { member in
            var row = [CellModel(text: member.name, code: true)]
            row += summary.keys.map { key in CellModel(text: member.values.first { $0.key == key }?.value ?? "–") }
            row.append(CellModel(text: member.status + (member.complete ? "" : member.log.map { "; log: \($0)" } ?? "")))
            row.append(CellModel(text: member.accuracy.map { Format.percent($0, decimals: 2) } ?? "–", numeric: true))
            row.append(CellModel(text: member.mae.map { Format.number($0) } ?? "–", numeric: true))
            row.append(CellModel(text: member.seconds.map(Format.seconds) ?? "–", numeric: true))
            if let run = member.run, member.complete {
                row.append(CellModel(text: "report", href: run + "/" + ReportFiles.index))
            } else if let run = member.run {
                row.append(CellModel(text: "run folder", href: run + "/"))
            } else {
                row.append(CellModel(text: "–"))
            }
            return row
        })
    }

    /// The points drawn in the curves and heat map: all, or the most accurate ones.
    static func drawnPoints(_ summary: SweepSummary) -> [SweepSummary.Point] {
        let withResults = summary.points.filter { $0.accuracy != nil }
        guard withResults.count > maximumPointsDrawn else { return withResults }
        return Array(withResults.sorted { $0.accuracy!.mean > $1.accuracy!.mean }.prefix(maximumPointsDrawn))
    }

    /// Test accuracy and MAE against the values of `key`, one series per combination of the
    /// other non-seed keys; nil when no member completed.
    static func metricByValue(_ summary: SweepSummary, key: String) throws -> (Figure, CSVTable)? {
        let values = orderedValues(summary, key: key)
        let numeric = values.allSatisfy { Double($0) != nil }
        var accuracy = Axes(title: "Test accuracy", xLabel: key, yLabel: "accuracy")
        var mae = Axes(title: "Test distance MAE", xLabel: key, yLabel: "MAE")
        if !numeric {
            let ticks = values.enumerated().map { Tick(value: Double($0.offset), label: $0.element) }
            accuracy.xTicks = ticks
            mae.xTicks = ticks
        }
        let position = { (value: String) -> Double in numeric ? Double(value)! : Double(values.firstIndex(of: value)!) }
        // Series: the other non-seed keys' values.
        var series: [String: [SweepSummary.Member]] = [:]
        var order: [String] = []
        for member in summary.members where member.complete {
            let others = member.values.filter { $0.key != key && !summary.seedKeys.contains($0.key) }
            let label = others.isEmpty ? "" : others.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            if series[label] == nil { order.append(label) }
            series[label, default: []].append(member)
        }
        guard !order.isEmpty else { return nil }
        var columns: [(String, [Double])] = []
        for (index, label) in order.prefix(maximumPointsDrawn).enumerated() {
            let color = Palette.tab10[index % Palette.tab10.count]
            var xs: [Double] = [], acc: [SweepSummary.Spread] = [], err: [SweepSummary.Spread] = []
            for value in values {
                let members = series[label]!.filter { m in m.values.contains { $0.key == key && $0.value == value } }
                guard let a = SweepSummary.Spread(members.compactMap(\.accuracy)) else { continue }
                xs.append(position(value))
                acc.append(a)
                err.append(SweepSummary.Spread(members.compactMap(\.mae)) ?? a)
            }
            guard !xs.isEmpty else { continue }
            let name = label.isEmpty ? nil : label
            accuracy.add(try LineMark(x: xs, y: acc.map(\.mean), color: color, label: name, showsPoints: true))
            accuracy.add(try ErrorBarMark(x: xs, low: acc.map { $0.mean - ($0.sd ?? .nan) }, high: acc.map { $0.mean + ($0.sd ?? .nan) }, color: color))
            mae.add(try LineMark(x: xs, y: err.map(\.mean), color: color, label: name, showsPoints: true))
            mae.add(try ErrorBarMark(x: xs, low: err.map { $0.mean - ($0.sd ?? .nan) }, high: err.map { $0.mean + ($0.sd ?? .nan) }, color: color))
            let prefix = label.isEmpty ? "" : "\(label) "
            columns += [("\(prefix)\(key)", xs), ("\(prefix)accuracy_mean", acc.map(\.mean)), ("\(prefix)accuracy_sd", acc.map { $0.sd ?? .nan }),
                        ("\(prefix)mae_mean", err.map(\.mean)), ("\(prefix)mae_sd", err.map { $0.sd ?? .nan })]
        }
        guard !columns.isEmpty else { return nil }
        return (Figure(width: 900, height: 340, axes: [accuracy, mae]), padded(columns))
    }

    /// A key's values in the order the members have them.
    static func orderedValues(_ summary: SweepSummary, key: String) -> [String] {
        var values: [String] = []
        for member in summary.members {
            if let value = member.values.first(where: { $0.key == key })?.value, !values.contains(value) { values.append(value) }
        }
        return values
    }

    /// Mean validation accuracy and MAE by epoch with a band of one sd, per point.
    static func curves(_ points: [SweepSummary.Point]) throws -> (Figure, CSVTable)? {
        var accuracy = Axes(title: "Validation accuracy", xLabel: "epoch", yLabel: "accuracy")
        var mae = Axes(title: "Validation distance MAE", xLabel: "epoch", yLabel: "MAE")
        accuracy.xWholeNumbers = true
        mae.xWholeNumbers = true
        var columns: [(String, [Double])] = []
        for (index, point) in points.enumerated() {
            let histories = point.members.filter(\.complete).map(\.history).filter { !$0.isEmpty }
            guard let epochs = histories.map(\.count).max() else { continue }
            let color = Palette.tab10[index % Palette.tab10.count]
            let xs = (0..<epochs).map { Double($0 + 1) }
            func spreads(_ value: (EpochRecord) -> Double) -> [SweepSummary.Spread?] {
                (0..<epochs).map { e in SweepSummary.Spread(histories.compactMap { $0.count > e ? value($0[e]) : nil }) }
            }
            for (axes, spread, column) in [(0, spreads(\.validationAccuracy), "val_accuracy"), (1, spreads(\.validationMAE), "val_mae")] {
                let mean = spread.map { $0?.mean ?? .nan }
                let low = spread.map { s -> Double in guard let s, let sd = s.sd else { return .nan }; return s.mean - sd }
                let high = spread.map { s -> Double in guard let s, let sd = s.sd else { return .nan }; return s.mean + sd }
                let band = try BandMark(x: xs, low: low, high: high, color: color)
                let line = try LineMark(x: xs, y: mean, color: color, label: axes == 0 ? point.label : nil, showsPoints: epochs < 12)
                if axes == 0 { accuracy.add(band); accuracy.add(line) } else { mae.add(band); mae.add(line) }
                columns += [("\(point.label) \(column)_mean", mean), ("\(point.label) \(column)_sd", spread.map { $0?.sd ?? .nan })]
            }
        }
        guard !columns.isEmpty else { return nil }
        return (Figure(width: 900, height: 340, axes: [accuracy, mae]), padded([("epoch", (0..<(columns.map(\.1.count).max() ?? 0)).map { Double($0 + 1) })] + columns))
    }

    /// Rows: points; columns: classes; cells: mean test accuracy of the class.
    static func perClass(_ points: [SweepSummary.Point]) throws -> (Figure, CSVTable)? {
        let classes = Set(points.flatMap { $0.members.flatMap { $0.perClass.keys } }).sorted()
        guard !classes.isEmpty, !points.isEmpty else { return nil }
        let matrix = points.map { point in
            classes.map { name in SweepSummary.Spread(point.members.filter(\.complete).compactMap { $0.perClass[name] })?.mean ?? .nan }
        }
        var axes = Axes(title: nil, xLabel: "letter", yLabel: nil)
        axes.add(try HeatmapMark(matrix: matrix, rowLabels: points.map(\.label), columnLabels: classes, colorMap: .viridis,
                                 domain: (matrix.flatMap { $0 }.filter(\.isFinite).min() ?? 0)...1))
        axes.colorBar = ColorBar(colorMap: .viridis, domain: (matrix.flatMap { $0 }.filter(\.isFinite).min() ?? 0)...1, label: "test accuracy")
        let height = Double(120 + 26 * points.count)
        var columns: [(String, [Double])] = []
        for (c, name) in classes.enumerated() { columns.append((name, matrix.map { $0[c] })) }
        return (Figure(width: 1000, height: height, axes: [axes]), CSVTable(columns: columns))
    }

    static func padded(_ columns: [(String, [Double])]) -> CSVTable {
        let rows = columns.map(\.1.count).max() ?? 0
        return CSVTable(columns: columns.map { ($0.0, $0.1 + Array(repeating: Double.nan, count: rows - $0.1.count)) })
    }
}
