import Analysis
import Digest
import Canvas
import Foundation
import Plot

/// Pages behind the evaluation and embeddings pages, for looking at the images themselves
/// without a notebook: one gallery per true letter (`gallery-A.html` …) with a section per
/// predicted letter, so every confusion-matrix cell and every per-letter row links to its
/// test images; and `tsne-map.html`, the t-SNE map cut into numbered regions with the images
/// that sit in each. Static pages, no script: they read the same from disk or an archive.
enum DrillDownPages {
    static let mapFile = "tsne-map.html"
    /// At most this many images per gallery section (the least sure first), so a page stays light.
    static let sectionLimit = 48
    /// The t-SNE map is cut into `regions` × `regions` squares.
    static let regions = 5
    static let imagesPerRegion = 12

    static func galleryFile(_ letter: String) -> String { "gallery-\(slug(letter)).html" }

    static func anchor(predicted letter: String) -> String { "predicted-\(slug(letter))" }

    static func pageID(_ letter: String) -> String { "gallery-\(slug(letter))" }

    /// A class name as it may appear in a file name and an HTML id: itself when it is plain
    /// ASCII letters, digits, "-" and "_" (so the letters' pages stay `gallery-A.html` …),
    /// else "x" and the first 12 hex digits of its SHA-256 (any name: spaces, accents, "/",
    /// "<" or "&" never reach a path or an id).
    static func slug(_ name: String) -> String {
        let plain = !name.isEmpty && name.count <= 40 && name.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_")
        }
        return plain ? name : "x" + SHA256.hex(name).prefix(12)
    }

    /// Above this many classes the evaluation page lists the largest confusions instead of
    /// the whole matrix of links (100 classes would be 10 000 cells).
    static let linkMatrixLimit = 30

    /// The section of `truth`'s gallery holding the images labelled `predicted` (page.mustache
    /// gives each section the id "<page id>-<anchor>").
    static func cellLink(truth: String, predicted: String) -> String {
        galleryFile(truth) + "#" + pageID(truth) + "-" + anchor(predicted: predicted)
    }

    /// One test image's row of predictions.csv.
    struct Prediction: Sendable {
        var path: String
        var letter: String
        var distance: Double
        var predicted: String
        var probability: Double
    }

    static func predictions(_ c: PageContext) -> [Prediction]? {
        guard let table = c.table(AnalysisFiles.predictions), !table.rows.isEmpty else { return nil }
        let (paths, letters, predicted) = (table.column("path"), table.column("letter"), table.column("predicted"))
        let (distance, probability) = (table.numbers("distance"), table.numbers("probability"))
        guard [letters.count, predicted.count, distance.count, probability.count].allSatisfy({ $0 == paths.count }) else { return nil }
        return paths.indices.map { Prediction(path: paths[$0], letter: letters[$0], distance: distance[$0], predicted: predicted[$0], probability: probability[$0]) }
    }

    /// The drill-down pages a run's files allow (none without predictions.csv).
    static func build(_ c: PageContext) -> [PageModel] {
        guard let predictions = predictions(c) else { return [] }
        var pages = c.letters.map { letter in gallery(c, letter: letter, predictions: predictions.filter { $0.letter == letter }) }
        if let map = tsneMap(c) { pages.append(map) }
        return pages
    }

    /// The links the evaluation page shows beside the confusion matrix: a count per cell, each
    /// opening the gallery section of its images.
    static func confusionLinks(_ c: PageContext, confusion: [[Int]]) -> BlockModel {
        let letters = c.letters
        if letters.count > linkMatrixLimit { return topConfusions(c, confusion: confusion) }
        let cells = letters.indices.map { t in
            [CellModel(text: letters[t], href: galleryFile(letters[t]))] + letters.indices.map { p in
                let n = t < confusion.count && p < confusion[t].count ? confusion[t][p] : 0
                return n == 0 ? CellModel(text: "·") : CellModel(text: String(n), href: cellLink(truth: letters[t], predicted: letters[p]))
            }
        }
        return .table(TableModel(caption: "The same counts as links: open a cell (row = true letter, column = predicted letter) to see its test images, or a row's letter to see all of that letter's.",
                                 header: ["true \\ predicted"] + letters, numeric: Set(1...letters.count), cells: cells))
    }

    /// The largest off-diagonal cells of the confusion matrix as a table of links, most
    /// images first (ties by class order), each opening the gallery section of its images.
    static func topConfusions(_ c: PageContext, confusion: [[Int]], limit: Int = 40) -> BlockModel {
        let letters = c.letters
        var cells: [(t: Int, p: Int, n: Int)] = []
        for (t, row) in confusion.enumerated() where t < letters.count {
            for (p, n) in row.enumerated() where p != t && n > 0 && p < letters.count { cells.append((t, p, n)) }
        }
        cells.sort { ($1.n, $0.t, $0.p) < ($0.n, $1.t, $1.p) }
        guard !cells.isEmpty else { return .paragraph("The model confused no two classes on the test split.") }
        let support = confusion.map { $0.reduce(0, +) }
        let rows = cells.prefix(limit).map { cell in
            [CellModel(text: letters[cell.t], href: galleryFile(letters[cell.t])), CellModel(text: letters[cell.p]),
             CellModel(text: String(cell.n), href: cellLink(truth: letters[cell.t], predicted: letters[cell.p])),
             CellModel(text: Format.percent(Double(cell.n) / Double(max(1, support[cell.t]))))]
        }
        return .table(TableModel(caption: "The \(min(limit, cells.count)) largest confusions of \(cells.count) (true class labelled as another), most images first; the count opens those test images, the true class all of its images.",
                                 header: ["true", "predicted", "images", "share of the true class"], numeric: [2, 3], cells: rows))
    }

    static func gallery(_ c: PageContext, letter: String, predictions rows: [Prediction]) -> PageModel {
        let file = galleryFile(letter)
        let correct = rows.filter { $0.predicted == letter }.count
        let lead = rows.isEmpty
            ? "The test split holds no image of \(letter)."
            : "The \(rows.count) test images of \(letter): \(correct) labelled \(letter) (\(Format.percent(Double(correct) / Double(rows.count)))), the rest grouped by the \(c.classWord) the model chose. Each image shows the probability the model gave its choice\(c.hasDistance ? " and the true distance" : "")."
        var sections: [SectionModel] = []
        let byPrediction = Dictionary(grouping: rows, by: \.predicted)
        let order = byPrediction.keys.sorted { a, b in
            (a == letter ? 0 : 1, -byPrediction[a]!.count, a) < (b == letter ? 0 : 1, -byPrediction[b]!.count, b)
        }
        for predicted in order {
            // The least sure first: the interesting correct images, and for mistakes (sorted the
            // other way) the most confident ones.
            let group = byPrediction[predicted]!.sorted { a, b in
                predicted == letter ? (a.probability, a.path) < (b.probability, b.path) : (a.probability, a.path) > (b.probability, b.path)
            }
            let shown = Array(group.prefix(sectionLimit))
            let heading = predicted == letter ? "Labelled \(letter) (right): \(group.count)" : "Labelled \(predicted) (wrong): \(group.count)"
            var blocks: [BlockModel] = []
            if group.count > shown.count {
                blocks.append(.paragraph("Showing the \(shown.count) the model was least sure of, of \(group.count)."))
            }
            blocks.append(imageGrid(c, name: "gallery-\(letter)-as-\(predicted)", rows: shown,
                                    caption: predicted == letter
                                        ? "Test images of \(letter) the model labelled correctly, least sure first: probability of \(letter)\(c.hasDistance ? " · true distance" : "")."
                                        : "Test images of \(letter) the model labelled \(predicted), most confident first: probability of \(predicted)\(c.hasDistance ? " · true distance" : "")."))
            sections.append(SectionModel(heading, anchor: anchor(predicted: predicted), blocks))
        }
        if sections.isEmpty { sections.append(SectionModel("No images", anchor: "none", [.paragraph(lead)])) }
        sections.append(SectionModel("Back", anchor: "back", [.links([
            LinkModel(href: "evaluation.html#evaluation-confusion", label: "Confusion matrix", detail: "every letter's cells"),
            LinkModel(href: "evaluation.html#evaluation-per-class", label: "Per-class accuracy", detail: "every letter's scores"),
        ])]))
        return PageModel(id: pageID(letter), title: "Test images of \(letter)", file: file, lead: lead, sections: sections)
    }

    /// Thumbnails of `rows` with their probability and distance; a note when the data set
    /// folder is not there.
    static func imageGrid(_ c: PageContext, name: String, rows: [Prediction], caption: String) -> BlockModel {
        guard c.inputs.datasetFolder != nil else {
            let text = rows.map { "\($0.path)  \($0.letter) → \($0.predicted)  \(Format.percent($0.probability, decimals: 0))" + (c.hasDistance ? "  d \(Format.number($0.distance, decimals: 1))" : "") }
            return .details(DetailsModel(summary: "The data set folder is not available, so the \(rows.count) images are listed without pictures",
                                         text: text.joined(separator: "\n")))
        }
        return c.figures.block(name, caption: caption, alt: caption, withPNG: false) {
            let images = rows.map { thumbnail(c, $0.path) }
            let columns = 10
            var grid = try ImageGridMark(images: images, columns: columns,
                                         captions: rows.map { Format.percent($0.probability, decimals: 0) + (c.hasDistance ? " · d \(Format.number($0.distance, decimals: 1))" : "") })
            grid.imageScale = 1
            grid.interpolation = .smooth // photographs: never baked into hard pixels
            var axes = Axes()
            axes.add(grid)
            let lines = (images.count + columns - 1) / columns
            return (Figure(width: 960, height: Double(24 + lines * 112), axes: [axes]),
                    CSVTable(header: ["path", "letter", "predicted", "probability", "distance"],
                             rows: rows.map { [$0.path, $0.letter, $0.predicted, CSVTable.format($0.probability), CSVTable.format($0.distance)] }))
        }
    }

    /// A 64-px thumbnail of a data set image; a white square for one that cannot be read, so a
    /// grid keeps its places.
    static func thumbnail(_ c: PageContext, _ path: String) -> RGBImage {
        c.datasetImage(path, size: 64) ?? RGBImage(width: 64, height: 64, pixels: [UInt8](repeating: 255, count: 64 * 64 * 3))
    }

    /// `tsne-map.html`: the map with numbered regions, then the images in each region.
    static func tsneMap(_ c: PageContext) -> PageModel? {
        guard let rows = c.table(AnalysisFiles.embeddingsTable), !rows.rows.isEmpty,
              let tsne = EmbeddingsPage.points(c.array(AnalysisFiles.tsne), count: rows.rows.count) else { return nil }
        let letters = c.letters
        let (paths, truth, predicted) = (rows.column("path"), rows.column("letter"), rows.column("predicted"))
        let finite = tsne.x.indices.filter { tsne.x[$0].isFinite && tsne.y[$0].isFinite }
        guard !finite.isEmpty else { return nil }
        let (x0, x1) = (finite.map { tsne.x[$0] }.min()!, finite.map { tsne.x[$0] }.max()!)
        let (y0, y1) = (finite.map { tsne.y[$0] }.min()!, finite.map { tsne.y[$0] }.max()!)
        func cell(_ v: Double, _ lo: Double, _ hi: Double) -> Int { hi > lo ? min(regions - 1, Int((v - lo) / (hi - lo) * Double(regions))) : 0 }
        // Region 1 is top left, numbered row by row (y grows upwards on the map).
        let regionOf: [Int?] = tsne.x.indices.map { i in
            tsne.x[i].isFinite && tsne.y[i].isFinite ? (regions - 1 - cell(tsne.y[i], y0, y1)) * regions + cell(tsne.x[i], x0, x1) : nil
        }
        let members = (0..<(regions * regions)).map { r in finite.filter { regionOf[$0] == r } }
        let classes = truth.map { letters.firstIndex(of: $0) ?? 0 }

        var sections: [SectionModel] = []
        let map = c.figures.block("tsne-map-regions",
                                  caption: "The t-SNE map of the test images by true letter, cut into \(regions * regions) numbered regions; the sections below show the images in each.",
                                  alt: "t-SNE map with numbered regions") {
            var (figure, table) = try EmbeddingsPage.classFigure(title: "t-SNE map, by letter, with regions", x: tsne.x, y: tsne.y, classes: classes,
                                                                 letters: letters, xLabel: "t-SNE 1", yLabel: "t-SNE 2")
            let (dx, dy) = ((x1 - x0) / Double(regions), (y1 - y0) / Double(regions))
            for k in 1..<regions {
                figure.axes[0].add(try LineMark(x: [x0 + Double(k) * dx, x0 + Double(k) * dx], y: [y0, y1], color: Theme.text, width: 0.6, dash: [3, 3]))
                figure.axes[0].add(try LineMark(x: [x0, x1], y: [y0 + Double(k) * dy, y0 + Double(k) * dy], color: Theme.text, width: 0.6, dash: [3, 3]))
            }
            let numbered = members.indices.filter { !members[$0].isEmpty }
            figure.axes[0].add(try TextMark(x: numbered.map { x0 + (Double($0 % regions) + 0.08) * dx },
                                            y: numbered.map { y1 - (Double($0 / regions) + 0.1) * dy },
                                            texts: numbered.map { String($0 + 1) }, colors: [Theme.text], size: 11))
            table.header.append("region")
            for i in table.rows.indices { table.rows[i].append(regionOf[i].map { String($0 + 1) } ?? "") }
            return (figure, table)
        }
        sections.append(SectionModel("Map", anchor: "map", [map, .links([LinkModel(href: "embeddings.html#embeddings-tsne", label: "Embeddings", detail: "the t-SNE and PCA maps")])]))
        for (region, indices) in members.enumerated() where !indices.isEmpty {
            let counts = Dictionary(grouping: indices, by: { truth[$0] }).mapValues(\.count).sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            let mix = counts.prefix(4).map { "\($0.key) \($0.value)" }.joined(separator: ", ") + (counts.count > 4 ? ", …" : "")
            let chosen = indices.count <= imagesPerRegion ? indices : (0..<imagesPerRegion).map { indices[$0 * indices.count / imagesPerRegion] }
            let shown = chosen.map { Prediction(path: paths[$0], letter: truth[$0], distance: .nan, predicted: predicted[$0], probability: .nan) }
            let block: BlockModel
            if c.inputs.datasetFolder == nil {
                block = .details(DetailsModel(summary: "The data set folder is not available; the images here", text: shown.map { "\($0.path)  \($0.letter) → \($0.predicted)" }.joined(separator: "\n")))
            } else {
                block = c.figures.block("tsne-map-region-\(region + 1)",
                                        caption: "Region \(region + 1): \(indices.count) images (\(mix)); \(shown.count == indices.count ? "all" : "\(shown.count) spread evenly") shown as true → predicted letter.",
                                        alt: "Images in region \(region + 1)", withPNG: false) {
                    let images = shown.map { thumbnail(c, $0.path) }
                    var grid = try ImageGridMark(images: images, columns: imagesPerRegion, captions: shown.map { "\($0.letter) → \($0.predicted)" })
                    grid.imageScale = 1
            grid.interpolation = .smooth // photographs: never baked into hard pixels
                    var axes = Axes()
                    axes.add(grid)
                    return (Figure(width: 960, height: 136, axes: [axes]), CSVTable(header: ["path", "letter", "predicted"], rows: shown.map { [$0.path, $0.letter, $0.predicted] }))
                }
            }
            sections.append(SectionModel("Region \(region + 1): \(mix)", anchor: "region-\(region + 1)", [block]))
        }
        return PageModel(id: "tsne-map", title: "t-SNE map, region by region", file: mapFile,
                         lead: "Which test images sit where on the t-SNE map: the map is cut into numbered squares, and each section shows up to \(imagesPerRegion) images of its square with their true and predicted letters. Squares where two letters meet are where the model's features mix them.",
                         sections: sections)
    }
}
