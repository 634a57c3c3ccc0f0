import AtomicIO
import Canvas
import Foundation
import Plot
import Synth

/// Dataset (`dataset.html`, replaces explore_dataset): samples of every letter, class counts,
/// the distance distribution, and one sample per family through its augmentation steps.
enum DatasetPage {
    static let samplesPerLetter = 8
    static let thumbnail = 64

    static func build(_ c: PageContext) -> PageModel {
        var sections: [SectionModel] = []
        let labels = c.inputs.labels
        var overview: [BlockModel] = []
        if let folder = c.inputs.datasetFolder, !labels.isEmpty {
            let counts = Dictionary(grouping: labels, by: \.letter).mapValues(\.count)
            var cards = [
                CardModel(label: "Images", value: Format.integer(labels.count), detail: "in the label table"),
                c.classesAreLetters ? CardModel(label: "Letters", value: "\(counts.count)", detail: "one pattern family each")
                    : CardModel(label: "Classes", value: "\(counts.count)", detail: "sorted by name (Unicode code points)"),
                CardModel(label: "Per \(c.classWord)", value: counts.values.min() == counts.values.max() ? "\(counts.values.min() ?? 0)" : "\(counts.values.min() ?? 0)–\(counts.values.max() ?? 0)", detail: "images"),
            ]
            cards.append(c.hasDistance ? CardModel(label: "Distance", value: String(format: "%.1f–%.1f", labels.map(\.distance).min() ?? 0, labels.map(\.distance).max() ?? 0), detail: "range of d")
                         : CardModel(label: "Distance", value: "none", detail: "no distance column"))
            overview.append(.cards(cards))
            overview.append(.paragraph("Data set folder: \(folder)"))
            sections.append(SectionModel("Summary", anchor: "summary", overview))
            sections.append(SectionModel("Samples per \(c.classWord)", anchor: "samples", [sampleGrid(c, labels: labels)]))
            sections.append(SectionModel("Class balance\(c.hasDistance ? " and distances" : "")", anchor: "balance", [balance(c, labels: labels, counts: counts).scrolling(c.manyClasses)]))
        } else {
            let why = c.inputs.manifest == nil
                ? "manifest.json is not in the run folder, so the data set folder is unknown; `asl-lab run` records it."
                : "The data set folder \(c.inputs.manifest?.dataset ?? "") is not available (its labels.csv is missing)."
            sections.append(SectionModel("Samples", anchor: "samples", [.note(why)]))
        }
        sections.append(SectionModel("Augmentation steps", anchor: "augmentation", augmentation(c)))
        return PageModel(id: "dataset", title: "Dataset", file: "dataset.html",
                         lead: c.job.dataConfig == nil && !c.classesAreLetters
                            ? "The labelled images the model learns from, as the data set's label table lists them: how many there are of each class and what they look like."
                            : "The synthetic images the model learns from: one procedural pattern family per letter, drawn at a random distance d (smaller and fainter when far), rotated, on a textured background, sometimes blurred, with pixel noise.",
                         sections: sections)
    }

    /// Above this many classes the sample grid shows the first `manyClassRows` classes, four
    /// images each, so that the page stays light.
    static let manyClassRows = 40

    static func sampleGrid(_ c: PageContext, labels: [LabelRow]) -> BlockModel {
        let byLetter = Dictionary(grouping: labels, by: \.letter)
        let present = c.letters.filter { byLetter[$0] != nil }
        let letters = Array(present.prefix(manyClassRows))
        let samplesPerLetter = c.manyClasses ? 4 : Self.samplesPerLetter
        var images: [RGBImage] = [], captions: [String] = [], rows: [[String]] = []
        for letter in letters {
            let chosen = Array(byLetter[letter]!.prefix(samplesPerLetter))
            for k in 0..<samplesPerLetter {
                guard k < chosen.count, let image = c.datasetImage(chosen[k].filepath, size: thumbnail) else {
                    images.append(RGBImage(width: 1, height: 1)); captions.append(""); continue
                }
                images.append(image)
                captions.append(c.hasDistance ? String(format: "d %.2f", chosen[k].distance) : "")
                rows.append([chosen[k].filepath, letter, CSVTable.format(chosen[k].distance)])
            }
        }
        let rowLabels = letters.map { letter -> String in
            guard c.classesAreLetters, let config = c.job.dataConfig, let i = Letters.index(of: letter) else { return Format.short(letter) }
            return "\(letter) · \(config.families.family(forLetter: i).name)"
        }
        return c.figures.block("dataset-samples",
                               caption: c.classesAreLetters && c.hasDistance
                                ? "The first \(Count.of(samplesPerLetter, "image")) of every letter with their distance d. Within a row the pattern family stays the same while size, ink strength, rotation, background and blur vary; across rows the families should be told apart at a glance when near, and get hard when far (d near the maximum)."
                                : "The first \(Count.of(samplesPerLetter, "image")) of " + (present.count > letters.count ? "the first \(letters.count) of the \(present.count) classes" : "every class") + (c.hasDistance ? ", with their distance d." : "."),
                               alt: "Samples per letter") { [images, captions, rows] in
            var grid = try ImageGridMark(images: images, columns: samplesPerLetter, captions: captions, rowLabels: rowLabels)
            grid.imageScale = 1
            var axes = Axes(title: "Samples per letter")
            axes.add(grid)
            let width = c.job.dataConfig == nil ? 700.0 : 820.0
            return (Figure(width: width, height: Double(50 + letters.count * 78), axes: [axes]),
                    CSVTable(header: ["path", "letter", "distance"], rows: rows))
        }
    }

    static func balance(_ c: PageContext, labels: [LabelRow], counts: [String: Int]) -> BlockModel {
        c.figures.block("dataset-balance",
                        caption: "Left: images per letter (a balanced data set has equal bars). Right: the distribution of the distance d over all images; the generator draws it uniformly, so the histogram should be flat between its limits.",
                        alt: "Class counts and distance histogram") {
            let letters = c.letters.filter { counts[$0] != nil }
            var bars = Axes(title: "Images per \(c.classWord)", xLabel: c.classWord, yLabel: "images")
            bars.add(try BarMark(categories: letters, values: letters.map { Double(counts[$0]!) },
                                 colors: letters.map { Palette.color(forClass: Letters.index(of: $0) ?? 0) }))
            bars.legend = nil
            var table = CSVTable(header: ["letter", "images"])
            for letter in letters { table.append([letter, String(counts[letter]!)]) }
            guard c.hasDistance else { return (Figure(width: Double(max(760, 200 + 18 * letters.count)), height: 320, axes: [bars]), table) }
            var histogram = Axes(title: "Distance", xLabel: "distance d", yLabel: "images")
            histogram.add(try HistogramMark(values: labels.map(\.distance), bins: .count(20), color: Palette.tab10[0]))
            histogram.legend = nil
            return (Figure(width: Double(max(960, 480 + 18 * letters.count)), height: 320, axes: [bars, histogram]), table)
        }
    }

    static func augmentation(_ c: PageContext) -> [BlockModel] {
        guard let config = c.job.dataConfig, let seed = c.job.dataSeed else {
            return [.note("The run's config.yaml is not available, so the generator's steps cannot be redrawn.")]
        }
        let renderer: SampleRenderer
        do { renderer = try SampleRenderer(config: config, seed: seed) } catch { return [.note("The generator could not start: \(error)")] }
        var images: [RGBImage] = [], stepNames: [String] = [], rowLabels: [String] = [], rows: [[String]] = []
        for letter in 0..<Letters.count {
            let plan = renderer.plan(letter: letter, index: 0)
            let steps = renderer.augmentationSteps(plan)
            stepNames = steps.map(\.name)
            images += steps.map { Thumbnail.resize($0.image, width: thumbnail, height: thumbnail) }
            rowLabels.append("\(Letters.all[letter]) · \(config.families.family(forLetter: letter).name)")
            rows.append([Letters.all[letter], config.families.family(forLetter: letter).name, "\(Letters.all[letter])/\(Letters.all[letter])_00000.png",
                         CSVTable.format(plan.distance), CSVTable.format(plan.rotationDegrees), plan.blurRadius.map(CSVTable.format) ?? ""])
        }
        return [c.figures.block("dataset-augmentation",
                                caption: "Sample 0 of every letter built up step by step, exactly as the generator draws it: the bare pattern at its distance's scale, rotated, on its grey background with Perlin texture, blurred (when this sample drew a blur), with pixel noise, and finally with the distance cues (far samples get fainter ink and softer edges). The last column is the image in the data set.",
                                alt: "Augmentation steps per family") { [images, stepNames, rowLabels, rows] in
            var grid = try ImageGridMark(images: images, columns: stepNames.count, rowLabels: rowLabels, columnLabels: stepNames)
            grid.imageScale = 1
            var axes = Axes(title: "One sample per family through the augmentation steps")
            axes.add(grid)
            return (Figure(width: 720, height: Double(60 + Letters.count * 70), axes: [axes]),
                    CSVTable(header: ["letter", "family", "image", "distance", "rotation_degrees", "blur_radius"], rows: rows))
        }]
    }
}
