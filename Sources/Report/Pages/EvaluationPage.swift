import Analysis
import Canvas
import FileFormats
import Foundation
import Plot

/// Evaluation (`evaluation.html`): how the model does on the test split: confusion matrix,
/// per-class accuracy, the distance head's errors, accuracy by distance, confident mistakes.
enum EvaluationPage {
    static func build(_ c: PageContext) -> PageModel {
        let page = { (sections: [SectionModel]) in
            PageModel(id: "evaluation", title: "Evaluation", file: "evaluation.html",
                      lead: c.classesAreLetters || c.hasDistance
                        ? "The trained model on the held-out test split: which \(c.classWord == "class" ? "classes" : "letters") it confuses, how well it reads distance, how both depend on distance, and the mistakes it makes with the most confidence."
                        : "The trained model on the held-out test split: which classes it confuses, how well it scores each class, and the mistakes it makes with the most confidence.",
                      sections: sections)
        }
        guard let m = c.inputs.metrics else {
            return page([SectionModel("Test split", anchor: "test", [c.analyseNote(AnalysisFiles.metrics)])])
        }
        let letters = c.letters
        let word = c.classWord
        var sections: [SectionModel] = []
        var cards = [
            CardModel(label: "Accuracy", value: Format.percent(m.accuracy), detail: "\(Format.integer(m.testImages)) test images"),
            CardModel(label: "Macro F1", value: Format.number(m.macroF1), detail: "unweighted mean over \(letters.count) \(word == "class" ? "classes" : "letters")"),
        ]
        if c.hasDistance {
            cards += [CardModel(label: "Distance MAE", value: Format.number(m.distance.mae), detail: "mean absolute error"),
                      CardModel(label: "Distance RMSE", value: Format.number(m.distance.rmse), detail: "root mean squared error"),
                      CardModel(label: "Distance R²", value: Format.number(m.distance.r2), detail: "1 is perfect, 0 predicts the mean")]
        }
        sections.append(SectionModel("Summary", anchor: "summary", [.cards(cards)]))
        // Many classes: one cell, bar or box per class at a readable size, in a box that scrolls.
        let many = c.manyClasses

        let confusion = c.figures.block("evaluation-confusion",
                                        caption: "Confusion matrix of the test split: row = true \(word), column = predicted \(word), cell = images. A perfect model fills only the diagonal; bright off-diagonal cells are \(word == "class" ? "classes" : "letters") the model mixes up." + (many ? " With \(letters.count) classes the cells carry no numbers (the table of largest confusions below has them) and the matrix scrolls sideways." : ""),
                                        alt: "Confusion matrix") {
            let matrix = m.confusion.map { $0.map(Double.init) }
            var axes = Axes(title: "Confusion matrix (test split)", xLabel: "predicted \(word)", yLabel: "true \(word)")
            let heatmap = try HeatmapMark(matrix: matrix, rowLabels: letters, columnLabels: letters, colorMap: .blues,
                                          annotation: many ? .none : .values(decimals: 0), hidesZeroAnnotations: true)
            axes.add(heatmap)
            axes.colorBar = heatmap.colorBar(label: "images")
            var table = CSVTable(header: ["true"] + letters)
            for (i, row) in matrix.enumerated() { table.append([letters[i]] + row.map(CSVTable.format)) }
            let side = Double(max(740, 160 + 13 * letters.count))
            return (Figure(width: side + 40, height: side, axes: [axes]), table)
        }
        sections.append(SectionModel("Confusion matrix", anchor: "confusion", [confusion.scrolling(many), DrillDownPages.confusionLinks(c, confusion: m.confusion)]))

        let perClass = c.figures.block("evaluation-per-class",
                                       caption: "Accuracy of each letter (recall: the share of its test images labelled correctly) and precision (the share of predictions of that letter that were right). Short bars point at the families that look alike.",
                                       alt: "Per-class accuracy") {
            var axes = Axes(title: "Per-\(word) accuracy and precision", xLabel: word, yLabel: "score")
            axes.add(try BarMark(categories: m.perClass.map(\.letter), values: m.perClass.map(\.recall), label: "accuracy (recall)", group: (0, 2)))
            axes.add(try BarMark(categories: m.perClass.map(\.letter), values: m.perClass.map(\.precision), label: "precision", group: (1, 2)))
            let low = min(m.perClass.map(\.recall).min() ?? 0, m.perClass.map(\.precision).min() ?? 0)
            axes.yDomain = max(0, (low * 10).rounded(.down) / 10 - 0.1)...1
            axes.legend = Legend(position: .outsideRight)
            return (Figure(width: Double(max(960, 200 + 22 * letters.count)), height: many ? 400 : 330, axes: [axes]),
                    CSVTable(header: ["letter", "precision", "recall", "f1", "support", "distance_mae"],
                             rows: m.perClass.map { [$0.letter, CSVTable.format($0.precision), CSVTable.format($0.recall), CSVTable.format($0.f1),
                                                     String($0.support), CSVTable.format($0.distanceMAE)] }))
        }
        let classTable = TableModel(caption: "Scores per \(word) on the test split; a \(word) opens the gallery of its test images.",
                                    header: [word, "precision", "recall", "F1", "images"] + (c.hasDistance ? ["distance MAE"] : []), numeric: [1, 2, 3, 4, 5],
                                    cells: m.perClass.map { [CellModel(text: $0.letter, href: DrillDownPages.galleryFile($0.letter))]
                                        + ([Format.number($0.precision), Format.number($0.recall), Format.number($0.f1),
                                            String($0.support)] + (c.hasDistance ? [Format.number($0.distanceMAE)] : [])).map { CellModel(text: $0) } })
        sections.append(SectionModel("Per-class accuracy", anchor: "per-class", [perClass.scrolling(many), .table(classTable)]))

        // Per-image predictions for the distance plots.
        var distanceBlocks: [BlockModel] = []
        if !c.hasDistance {
            distanceBlocks.append(c.noDistanceNote)
        } else if let predictions = c.table(AnalysisFiles.predictions), !predictions.rows.isEmpty {
            let truth = predictions.numbers("distance"), predicted = predictions.numbers("predicted_distance")
            let letterOf = predictions.column("letter")
            let scatter = c.figures.write("evaluation-distance",
                                               caption: "Predicted against true distance, one point per test image. Points on the dashed diagonal are exact; a spread that widens with distance means far samples are harder to place.",
                                               alt: "Predicted vs true distance") {
                var axes = Axes(title: "Predicted vs true distance", xLabel: "true distance", yLabel: "predicted distance")
                axes.add(try ScatterMark(x: truth, y: predicted, label: "test images", alpha: 0.55))
                let lo = truth.filter(\.isFinite).min() ?? 0, hi = truth.filter(\.isFinite).max() ?? 1
                axes.add(try LineMark(x: [lo, hi], y: [lo, hi], color: Theme.text, width: 1.2, dash: [5, 4], label: "exact"))
                axes.equalAspect = true
                axes.legend = Legend(position: .upperLeft)
                return (Figure(width: 480, height: 460, axes: [axes]), CSVTable(columns: [("true", truth), ("predicted", predicted)]))
            }
            let errors = c.figures.block("evaluation-distance-error-by-letter",
                                         caption: "Absolute distance error per true letter (box: quartiles and median; whiskers: 1.5 × IQR). Letters whose boxes sit high have patterns whose size is hard to read.",
                                         alt: "Distance error per letter") {
                var groups = [[Double]](repeating: [], count: letters.count)
                for i in truth.indices {
                    guard let k = letters.firstIndex(of: letterOf[i]), truth[i].isFinite, predicted[i].isFinite else { continue }
                    groups[k].append(abs(predicted[i] - truth[i]))
                }
                var axes = Axes(title: "Distance error by letter", xLabel: "true letter", yLabel: "|predicted − true| distance")
                axes.add(try BoxMark(groups: letters, values: groups))
                axes.legend = nil
                var table = CSVTable(header: ["letter", "abs_error"])
                for (k, values) in groups.enumerated() { for v in values { table.append([letters[k], CSVTable.format(v)]) } }
                return (Figure(width: Double(max(960, 200 + 22 * letters.count)), height: 320, axes: [axes]), table)
            }
            let bins = binsFigure(c, m)
            if let f = bins.figure { distanceBlocks.append(.row([scatter, f])) } else { distanceBlocks += [.figure(scatter), bins] }
            distanceBlocks.append(errors.scrolling(many))
        } else {
            distanceBlocks.append(c.analyseNote(AnalysisFiles.predictions))
            distanceBlocks.append(binsFigure(c, m))
        }
        sections.append(SectionModel("Distance", anchor: "distance", distanceBlocks))
        sections.append(SectionModel("Most confident mistakes", anchor: "mistakes", mistakes(c, m)))
        return page(sections)
    }

    static func binsFigure(_ c: PageContext, _ m: AnalysisMetrics) -> BlockModel {
        guard !m.distanceBins.isEmpty else { return .note("metrics.json has no distance bins.") }
        return c.figures.block("evaluation-distance-bins",
                               caption: "Letter accuracy (bars, left) and distance MAE (line, right) by true-distance bin. Far samples are drawn smaller and fainter, so accuracy usually drops and the error grows with distance.",
                               alt: "Accuracy and MAE by distance") {
            let names = m.distanceBins.map { String(format: "%.1f–%.1f", $0.lower, $0.upper) }
            var accuracy = Axes(title: "Accuracy by distance", xLabel: "true distance", yLabel: "accuracy")
            accuracy.add(try BarMark(categories: names, values: m.distanceBins.map(\.accuracy), color: Palette.tab10[0],
                                     valueLabels: m.distanceBins.map { Format.percent($0.accuracy, decimals: 0) }))
            accuracy.yDomain = 0...1.08
            accuracy.legend = nil
            var mae = Axes(title: "Distance MAE by distance", xLabel: "true distance", yLabel: "MAE")
            mae.add(try BarMark(categories: names, values: m.distanceBins.map(\.mae), color: Palette.tab10[3],
                                valueLabels: m.distanceBins.map { Format.number($0.mae, decimals: 2) }))
            mae.legend = nil
            return (Figure(width: 480, height: 460, axes: [accuracy, mae], columns: 1),
                    CSVTable(header: ["lower", "upper", "count", "accuracy", "mae"],
                             rows: m.distanceBins.map { [CSVTable.format($0.lower), CSVTable.format($0.upper), String($0.count),
                                                         CSVTable.format($0.accuracy), CSVTable.format($0.mae)] }))
        }
    }

    static func mistakes(_ c: PageContext, _ m: AnalysisMetrics) -> [BlockModel] {
        let shown = Array(m.confidentMistakes.prefix(24))
        guard !shown.isEmpty else { return [.paragraph("The model made no mistakes on the test split.")] }
        let table = TableModel(caption: "The wrong predictions made with the highest probability.",
                               header: ["image", "true", "predicted", "probability", "distance"], numeric: [3, 4],
                               rows: shown.map { [$0.path, $0.letter, $0.predicted, Format.percent($0.probability), Format.number($0.distance, decimals: 2)] })
        let images = shown.map { c.datasetImage($0.path, size: 96) }
        guard c.inputs.datasetFolder != nil, images.allSatisfy({ $0 != nil }) else {
            return [.note("The data set folder is not available, so the mistakes are listed without their images."), .table(table)]
        }
        let gallery = c.figures.block("evaluation-mistakes",
                                      caption: "The test images the model got wrong with the most confidence, most confident first: true letter → predicted letter and the probability it gave. Mistakes at high probability show what the model really believes, often a family it cannot tell apart at that distance.",
                                      alt: "Most confident mistakes") {
            let columns = 8
            var grid = try ImageGridMark(images: images.map { $0! }, columns: columns,
                                         captions: shown.map { "\(Format.short($0.letter, limit: 12)) → \(Format.short($0.predicted, limit: 12)) \(Format.percent($0.probability, decimals: 0))"
                                             + (c.hasDistance ? " · d \(Format.number($0.distance, decimals: 1))" : "") })
            grid.imageScale = 1.5
            var axes = Axes(title: "Most confident mistakes")
            axes.add(grid)
            let rows = (shown.count + columns - 1) / columns
            return (Figure(width: 960, height: Double(40 + rows * 132), axes: [axes]),
                    CSVTable(header: ["path", "letter", "predicted", "probability", "distance"],
                             rows: shown.map { [$0.path, $0.letter, $0.predicted, CSVTable.format($0.probability), CSVTable.format($0.distance)] }))
        }
        return [gallery, .details(DetailsModel(summary: "Show the list", text: text(table)))]
    }

    /// A table as aligned plain text, for a collapsible block.
    static func text(_ table: TableModel) -> String {
        let all = [table.header.map(\.text)] + table.rows.map { $0.cells.map(\.text) }
        let widths = table.header.indices.map { i in all.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                return table.header[i].numeric ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
