import AtomicIO
import Analysis
import Canvas
import Foundation
import Plot

/// Model (`model.html`, replaces the inspect_model notebook): parameters, conv1 filters,
/// feature maps of chosen samples per conv block, their top-3 predictions and saliency.
enum ModelPage {
    /// Samples shown with feature maps (the analysis may choose more).
    static let featureSamples = 3
    /// Channels shown per conv block.
    static let featureChannels = 8
    /// Samples shown with saliency.
    static let saliencySamples = 12

    static func build(_ c: PageContext) -> PageModel {
        var sections: [SectionModel] = []
        sections.append(SectionModel("Parameters", anchor: "parameters", parameters(c)))
        sections.append(SectionModel("conv1 filters", anchor: "filters", filters(c)))
        let samples = c.table(InspectionFiles.samples.inspection)
        sections.append(SectionModel("Feature maps", anchor: "feature-maps", featureMaps(c, samples: samples)))
        sections.append(SectionModel("Top-3 predictions", anchor: "predictions", predictions(samples)))
        sections.append(SectionModel("Saliency", anchor: "saliency", saliency(c, samples: samples)))
        return PageModel(id: "model", title: "Model", file: "model.html",
                         lead: "Inside the SmallCNN: its parameters, what the first convolution looks for, what each conv block responds to on a few test images, what the model predicts for them and which pixels its decision depends on.",
                         sections: sections)
    }

    static func parameters(_ c: PageContext) -> [BlockModel] {
        guard let table = c.table(AnalysisFiles.parameters), !table.rows.isEmpty else { return [c.analyseNote(AnalysisFiles.parameters)] }
        let counts = table.column("count").map { Int($0) ?? 0 }
        let total = counts.reduce(0, +)
        let rows = table.rows.indices.map { i -> [String] in
            [table.column("name")[i], table.column("shape")[i], Format.integer(counts[i]),
             Format.percent(total > 0 ? Double(counts[i]) / Double(total) : 0), Format.number(Double(table.column("mean")[i]) ?? .nan, decimals: 4),
             Format.number(Double(table.column("std")[i]) ?? .nan, decimals: 4)]
        }
        return [.cards([CardModel(label: "Parameters", value: Format.integer(total), detail: Format.bytes(UInt64(total) * 4) + " as float32"),
                        CardModel(label: "Tensors", value: "\(rows.count)", detail: "PyTorch state_dict names")]),
                .table(TableModel(caption: "Every tensor of the model in state_dict order, with its share of the parameters and the mean and standard deviation of its values. The first linear layers hold nearly all parameters.",
                                  header: ["tensor", "shape", "parameters", "share", "mean", "std"], numeric: [2, 3, 4, 5], rows: rows))]
    }

    static func filters(_ c: PageContext) -> [BlockModel] {
        guard let filters = c.array(InspectionFiles.filters.inspection), filters.shape.count == 4, filters.shape[1] == 3 else {
            return [c.analyseNote(InspectionFiles.filters.inspection)]
        }
        let k = filters.shape[0], h = filters.shape[2], w = filters.shape[3]
        let values = filters.floats
        let images = (0..<k).map { f -> RGBImage in
            // Each filter stretched to its own range, channels as RGB (as the notebook showed them).
            let slice = values[(f * 3 * h * w)..<((f + 1) * 3 * h * w)]
            let lo = slice.min() ?? 0, hi = slice.max() ?? 1
            let scale = hi > lo ? 1 / (hi - lo) : 0
            return Thumbnail.fromPlanes(ArraySlice(slice.map { ($0 - lo) * scale }), height: h, width: w)
        }
        let columns = 8
        return [c.figures.block("model-filters",
                                caption: "The \(Count.of(k, "filter")) of the first convolution (\(h)×\(w), red/green/blue weights shown as colour, each stretched to its own range). Filters with a clear light/dark split are edge detectors at that orientation; flat-coloured ones respond to colour or brightness.",
                                alt: "conv1 filters") {
            var grid = try ImageGridMark(images: images, columns: columns, captions: (0..<k).map { "#\($0)" }, interpolation: .nearest)
            grid.outline = Color(bytes: 0x90, 0x90, 0x90)
            var axes = Axes(title: "conv1 filters")
            axes.add(grid)
            let rows = (k + columns - 1) / columns
            var table = CSVTable(header: ["filter", "channel", "row", "column", "weight"])
            for f in 0..<k { for ch in 0..<3 { for r in 0..<h { for col in 0..<w {
                table.append([String(f), String(ch), String(r), String(col), CSVTable.format(Double(values[((f * 3 + ch) * h + r) * w + col]))])
            } } } }
            return (Figure(width: 640, height: Double(50 + rows * 78), axes: [axes]), table)
        }]
    }

    /// Chosen sample indices: spread over the samples so different letters appear.
    static func chosen(_ count: Int, of total: Int) -> [Int] {
        guard total > count else { return Array(0..<total) }
        return (0..<count).map { $0 * total / count }
    }

    static func caption(_ samples: CSVFile?, _ i: Int) -> String {
        guard let samples, i < samples.rows.count else { return "sample \(i)" }
        let letter = samples.column("letter")[i], top = samples.column("top1")[i]
        let p = Double(samples.column("p1")[i]) ?? .nan
        return "\(letter) → \(top) \(Format.percent(p, decimals: 0))"
    }

    static func featureMaps(_ c: PageContext, samples: CSVFile?) -> [BlockModel] {
        guard let inputs = c.array(InspectionFiles.inputs.inspection), inputs.shape.count == 4, inputs.shape[0] > 0 else {
            return [c.analyseNote(InspectionFiles.inputs.inspection)]
        }
        let maps = (0..<3).map { c.array(InspectionFiles.featureMaps(block: $0).inspection) }
        // Feature maps cover the first F ≤ S chosen samples (analyse keeps only a few: they are large).
        guard maps.allSatisfy({ $0?.shape.count == 4 && ($0?.shape[0] ?? 0) >= 1 && ($0?.shape[0] ?? 0) <= inputs.shape[0] }) else {
            return [c.analyseNote(InspectionFiles.featureMaps(block: 0).inspection)]
        }
        let inputValues = inputs.floats
        let (ih, iw) = (inputs.shape[2], inputs.shape[3])
        var blocks: [BlockModel] = [.paragraph("Each row is one conv block (after ReLU, before pooling) on the same test image, showing its first \(Count.of(featureChannels, "channel")) in the inferno colour map (black: no response, yellow: strongest). Early blocks respond to strokes and edges; later blocks to larger parts of the pattern, at lower resolution.")]
        let mapped = maps.map { $0!.shape[0] }.min()!
        for s in chosen(featureSamples, of: mapped) {
            let input = Thumbnail.fromPlanes(inputValues[(s * 3 * ih * iw)..<((s + 1) * 3 * ih * iw)], height: ih, width: iw)
            var images: [RGBImage] = []
            var rowLabels: [String] = []
            var csv = CSVTable(header: ["block", "channel", "max_activation", "mean_activation"])
            for (b, array) in maps.enumerated() {
                let a = array!
                let (channels, h, w) = (a.shape[1], a.shape[2], a.shape[3])
                let values = a.floats
                let shown = min(featureChannels, channels)
                rowLabels.append("block \(b + 1)")
                images.append(b == 0 ? input : RGBImage(width: 1, height: 1))
                for ch in 0..<featureChannels {
                    guard ch < shown else { images.append(RGBImage(width: 1, height: 1)); continue }
                    let start = ((s * channels) + ch) * h * w
                    let slice = values[start..<(start + h * w)]
                    let matrix = Thumbnail.matrix(slice, height: h, width: w)
                    let hi = Double(slice.max() ?? 0)
                    images.append(ColorMap.inferno.image(matrix, domain: 0...max(hi, 1e-6))!)
                    csv.append([String(b + 1), String(ch), CSVTable.format(hi), CSVTable.format(Double(slice.reduce(0, +)) / Double(h * w))])
                }
            }
            let columns = featureChannels + 1
            let captions = (0..<(3 * columns)).map { i -> String in
                let (row, col) = (i / columns, i % columns)
                if col == 0 { return row == 0 ? "input" : "" }
                let channels = maps[row]!.shape[1]
                return col - 1 < channels ? "ch \(col - 1)" : ""
            }
            blocks.append(c.figures.block("model-feature-maps-\(s)",
                                          caption: "Feature maps of test image \(s) (\(caption(samples, s))): input on the left, then channels 0–\(featureChannels - 1) of each conv block, each map scaled to its own maximum.",
                                          alt: "Feature maps of sample \(s)") { [images, rowLabels, csv] in
                var grid = try ImageGridMark(images: images, columns: columns, captions: captions, rowLabels: rowLabels)
                grid.outline = nil
                grid.imageScale = 1
                var axes = Axes(title: "Feature maps · \(caption(samples, s))")
                axes.add(grid)
                return (Figure(width: 960, height: 400, axes: [axes]), csv)
            })
        }
        return blocks
    }

    static func predictions(_ samples: CSVFile?) -> [BlockModel] {
        guard let samples, !samples.rows.isEmpty else {
            return [.note("inspection/samples.csv is not in the run folder: run asl-lab analyse (or asl-lab run) to fill this part of the report.")]
        }
        let columns = ["index", "letter", "distance", "top1", "p1", "top2", "p2", "top3", "p3"]
        let values = columns.map { samples.column($0) }
        let rows = samples.rows.indices.map { i -> [String] in
            let correct = values[1][i] == values[3][i] ? "✓" : "✗"
            return [values[0][i], values[1][i], Format.number(Double(values[2][i]) ?? .nan, decimals: 2),
                    "\(values[3][i]) \(Format.percent(Double(values[4][i]) ?? .nan))",
                    "\(values[5][i]) \(Format.percent(Double(values[6][i]) ?? .nan))",
                    "\(values[7][i]) \(Format.percent(Double(values[8][i]) ?? .nan))", correct]
        }
        return [.table(TableModel(caption: "The chosen test images (a few per letter), the model's three most probable letters and their probabilities. A confident correct top-1 with a tiny second choice is what a well-separated class looks like.",
                                  header: ["test image", "true", "distance", "1st", "2nd", "3rd", "correct"], numeric: [0, 2], rows: rows))]
    }

    static func saliency(_ c: PageContext, samples: CSVFile?) -> [BlockModel] {
        guard let inputs = c.array(InspectionFiles.inputs.inspection), inputs.shape.count == 4,
              let saliency = c.array(InspectionFiles.saliency.inspection), saliency.shape.count == 3, saliency.shape[0] == inputs.shape[0] else {
            return [c.analyseNote(InspectionFiles.saliency.inspection)]
        }
        let (ih, iw) = (inputs.shape[2], inputs.shape[3])
        let (sh, sw) = (saliency.shape[1], saliency.shape[2])
        let inputValues = inputs.floats, saliencyValues = saliency.floats
        let shown = chosen(saliencySamples, of: inputs.shape[0])
        let perRow = 6
        var images: [RGBImage] = [], captions: [String] = [], rowLabels: [String] = []
        for start in stride(from: 0, to: shown.count, by: perRow) {
            let group = Array(shown[start..<min(shown.count, start + perRow)])
            for pass in 0..<2 {
                rowLabels.append(pass == 0 ? "input" : "saliency")
                for k in 0..<perRow {
                    guard k < group.count else { images.append(RGBImage(width: 1, height: 1)); captions.append(""); continue }
                    let s = group[k]
                    if pass == 0 {
                        images.append(Thumbnail.fromPlanes(inputValues[(s * 3 * ih * iw)..<((s + 1) * 3 * ih * iw)], height: ih, width: iw))
                        captions.append(caption(samples, s))
                    } else {
                        let slice = saliencyValues[(s * sh * sw)..<((s + 1) * sh * sw)]
                        // Clip at the 99th percentile so a few hot pixels do not wash out the rest.
                        let sorted = slice.sorted()
                        let top = Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))])
                        images.append(ColorMap.inferno.image(Thumbnail.matrix(slice, height: sh, width: sw), domain: 0...max(top, 1e-9))!)
                        captions.append("")
                    }
                }
            }
        }
        return [c.figures.block("model-saliency",
                                caption: "Saliency: how strongly the predicted letter's score changes with each input pixel (|gradient|, largest over colour channels; bright = influential). A good model looks at the pattern's strokes, not at the background texture or noise.",
                                alt: "Saliency maps") { [images, captions, rowLabels] in
            var grid = try ImageGridMark(images: images, columns: perRow, captions: captions, rowLabels: rowLabels)
            grid.imageScale = 1
            var axes = Axes(title: "Inputs and saliency")
            axes.add(grid)
            return (Figure(width: 900, height: Double(40 + rowLabels.count * 150), axes: [axes]),
                    CSVTable(header: ["sample", "caption"], rows: shown.map { [String($0), caption(samples, $0)] }))
        }]
    }
}

extension String {
    /// The path of an inspection file inside the run folder.
    var inspection: String { AnalysisFiles.inspection + "/" + self }
}
