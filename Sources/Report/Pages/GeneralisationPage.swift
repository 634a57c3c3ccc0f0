import Analysis
import Canvas
import FileFormats
import Foundation
import Plot

/// Generalisation (`generalisation.html`): does the model survive a shifted data set? Accuracy
/// and distance error on each shifted evaluation set (`analyse.shifts`) beside the
/// in-distribution test split, the accuracy each class loses, samples of every shifted set,
/// and one t-SNE map of in-distribution and shifted embeddings together. Part of a report only
/// when the analysis evaluated shifted sets.
enum GeneralisationPage {
    static let file = "generalisation.html"
    static let points = "generalisation_points.csv"
    static let tsne = "generalisation_tsne.npy"
    /// Shifted samples shown per set.
    static let samplesPerSet = 8

    static func build(_ c: PageContext) -> PageModel {
        let page = { (sections: [SectionModel]) in
            PageModel(id: "generalisation", title: "Generalisation", file: file,
                      lead: "Does the model survive a shifted data set? The same model on evaluation sets drawn with other settings (farther, blurrier, another background …) beside the in-distribution test split: how much accuracy and distance error it loses, for which classes, on which images, and where the shifted images land among the familiar ones.",
                      sections: sections)
        }
        guard let g = c.inputs.generalisation, g.sets.count > 1 else {
            return page([SectionModel("Shifted sets", anchor: "shifts", [.note(
                "This run names no shifted evaluation sets. Add some to the config, e.g. analyse.shifts: [{name: far, set: {data.distance.min: 5, data.distance.max: 8}}, {name: heavy-blur, set: {data.augment.blur.probability: 1}}]; each is generated through the cache and the model is evaluated on all of it.")])])
        }
        let test = g.sets[0]
        let hasDistance = g.sets.contains { $0.distanceMAE != nil }
        var sections: [SectionModel] = []
        let rows = g.sets.map { set -> [String] in
            [set.name == "test" ? "test split (in distribution)" : set.name, set.summary.isEmpty ? "–" : set.summary, Format.integer(set.images),
             Format.percent(set.accuracy), Format.number(set.macroF1)]
                + (hasDistance ? [set.distanceMAE.map { Format.number($0) } ?? "–"] : [])
                + [set.name == "test" ? "–" : String(format: "%+.1f pp", (set.accuracy - test.accuracy) * 100)]
        }
        let table = TableModel(caption: "Each evaluation set: what it changes from the training data, its images (all of them are evaluated; the test split is the held-out part of the training data), and the model's scores on it.",
                               header: ["set", "changes", "images", "accuracy", "macro F1"] + (hasDistance ? ["distance MAE"] : []) + ["accuracy change"],
                               numeric: Set(2...(hasDistance ? 6 : 5)), rows: rows)
        let names = g.sets.map { $0.name == "test" ? "test split" : $0.name }
        let summary = c.figures.block("generalisation-summary",
                                      caption: "Accuracy (left) and distance MAE (right) on the in-distribution test split and on each shifted set. A model that generalises keeps its accuracy; the gap to the test split is what the shift costs.",
                                      alt: "Accuracy and MAE per evaluation set") {
            var accuracy = Axes(title: "Accuracy per set", xLabel: "evaluation set", yLabel: "accuracy")
            accuracy.add(try BarMark(categories: names, values: g.sets.map(\.accuracy), colors: names.indices.map { Palette.tab10[$0 % 10] },
                                     valueLabels: g.sets.map { Format.percent($0.accuracy, decimals: 0) }))
            accuracy.yDomain = 0...1.08
            accuracy.legend = nil
            var axes = [accuracy]
            if hasDistance {
                var mae = Axes(title: "Distance MAE per set", xLabel: "evaluation set", yLabel: "MAE")
                mae.add(try BarMark(categories: names, values: g.sets.map { $0.distanceMAE ?? .nan }, colors: names.indices.map { Palette.tab10[$0 % 10] },
                                    valueLabels: g.sets.map { $0.distanceMAE.map { Format.number($0, decimals: 2) } ?? "–" }))
                mae.legend = nil
                axes.append(mae)
            }
            return (Figure(width: 960, height: 340, axes: axes),
                    CSVTable(header: ["set", "images", "accuracy", "macro_f1", "distance_mae"],
                             rows: g.sets.map { [$0.name, String($0.images), CSVTable.format($0.accuracy), CSVTable.format($0.macroF1),
                                                 $0.distanceMAE.map(CSVTable.format) ?? ""] }))
        }
        sections.append(SectionModel("Accuracy under shift", anchor: "summary", [.table(table), summary]))

        let classes = g.classes
        let many = classes.count > 30
        let drop = c.figures.block("generalisation-class-drop",
                                   caption: "Accuracy of each \(c.classWord) on each shifted set minus its accuracy on the test split (percentage points; below 0 = lost). The classes whose bars fall furthest are the ones the shift hurts; a missing bar is a class without images in that set.",
                                   alt: "Per-class accuracy change under shift") {
            var axes = Axes(title: "Per-\(c.classWord) accuracy change", xLabel: c.classWord, yLabel: "accuracy change (pp)")
            let shifts = Array(g.sets.dropFirst())
            for (k, set) in shifts.enumerated() {
                let values = classes.indices.map { i -> Double in
                    guard i < set.classAccuracy.count, i < test.classAccuracy.count, let a = set.classAccuracy[i], let b = test.classAccuracy[i] else { return .nan }
                    return (a - b) * 100
                }
                axes.add(try BarMark(categories: classes.map { Format.short($0, limit: 16) }, values: values, color: Palette.tab10[(k + 1) % 10],
                                     label: set.name, group: (k, shifts.count)))
            }
            axes.legend = Legend(position: .outsideRight)
            var csv = CSVTable(header: ["class", "test"] + shifts.map(\.name))
            for (i, name) in classes.enumerated() {
                csv.append([name] + g.sets.map { i < $0.classAccuracy.count ? ($0.classAccuracy[i].map(CSVTable.format) ?? "") : "" })
            }
            return (Figure(width: Double(max(960, 220 + classes.count * (10 + 8 * shifts.count))), height: 360, axes: [axes]), csv)
        }
        sections.append(SectionModel("Per-\(c.classWord) accuracy change", anchor: "per-class", [drop.scrolling(many)]))

        let table2 = c.table(points)
        sections.append(SectionModel("Shifted samples", anchor: "samples", samples(c, g, table2)))
        sections.append(SectionModel("In-distribution and shifted embeddings", anchor: "tsne", [map(c, names: names, table2)]))
        return page(sections)
    }

    /// The first images of each shifted set with true → predicted class.
    static func samples(_ c: PageContext, _ g: GeneralisationMetrics, _ table: CSVFile?) -> [BlockModel] {
        guard let table, !table.rows.isEmpty else { return [c.analyseNote(points)] }
        let (sets, paths, truth, predicted) = (table.column("set"), table.column("path"), table.column("letter"), table.column("predicted"))
        var blocks: [BlockModel] = []
        for set in g.sets.dropFirst() {
            // Spread over the set's rows (they come class by class), so several classes show.
            let members = sets.indices.filter { sets[$0] == set.name }
            let rows = members.count <= samplesPerSet ? members : (0..<samplesPerSet).map { members[$0 * members.count / samplesPerSet] }
            var images: [RGBImage] = [], captions: [String] = [], kept: [Int] = []
            for i in rows {
                guard let image = try? PNG.read(path: (set.folder as NSString).appendingPathComponent(paths[i])) else { continue }
                images.append(Thumbnail.resize(image, width: 64, height: 64))
                captions.append("\(Format.short(truth[i], limit: 10)) → \(Format.short(predicted[i], limit: 10))")
                kept.append(i)
            }
            guard !images.isEmpty else {
                blocks.append(.note("The images of the shifted set \(set.name) are not in \(set.folder) any more (the cache may have been pruned)."))
                continue
            }
            blocks.append(c.figures.block("generalisation-samples-\(DrillDownPages.slug(set.name))",
                                          caption: "Images of the shifted set \(set.name) (\(set.summary)), spread over the set, with the true → predicted \(c.classWord).",
                                          alt: "Samples of \(set.name)") { [images, captions, kept] in
                var grid = try ImageGridMark(images: images, columns: samplesPerSet, captions: captions)
                grid.imageScale = 1
                var axes = Axes(title: "Shifted set: \(set.name)")
                axes.add(grid)
                return (Figure(width: 760, height: 150, axes: [axes]),
                        CSVTable(header: ["path", "letter", "predicted"], rows: kept.map { [paths[$0], truth[$0], predicted[$0]] }))
            })
        }
        return blocks
    }

    /// One t-SNE map of in-distribution and shifted embeddings, coloured by set.
    static func map(_ c: PageContext, names: [String], _ table: CSVFile?) -> BlockModel {
        guard let table, let points = EmbeddingsPage.points(c.array(tsne), count: table.rows.count) else { return c.analyseNote(tsne) }
        let setNames = table.column("set").map { $0 == "test" ? "test split" : $0 }
        let index = setNames.map { names.firstIndex(of: $0) ?? 0 }
        return c.figures.block("generalisation-tsne",
                               caption: "One t-SNE map of the class head's embeddings of in-distribution test images and of every shifted set (up to 400 points each), coloured by set. Shifted images that fall inside the familiar clusters are read as the model reads the training data; ones that collect in regions of their own are where the model is lost.",
                               alt: "t-SNE of in-distribution and shifted embeddings") {
            var axes = Axes(title: "t-SNE: in distribution and shifted", xLabel: "t-SNE 1", yLabel: "t-SNE 2")
            axes.add(try ScatterMark(x: points.x, y: points.y, classes: index, classNames: names, palette: Palette.tab10, alpha: 0.7))
            axes.equalAspect = true
            axes.legend = Legend(position: .outsideRight)
            return (Figure(width: 820, height: 640, axes: [axes]),
                    CSVTable(header: ["x", "y", "set"], rows: points.x.indices.map { [CSVTable.format(points.x[$0]), CSVTable.format(points.y[$0]), setNames[$0]] }))
        }
    }
}
