import AtomicIO
import Analysis
import Canvas
import Foundation
import Plot

/// Embeddings (`embeddings.html`, replaces visualize_embeddings): t-SNE by class and by
/// distance, a thumbnail map, PCA, and how class separation changes with distance.
enum EmbeddingsPage {
    /// Thumbnails on the t-SNE map.
    static let thumbnails = 320

    static func build(_ c: PageContext) -> PageModel {
        let page = { (sections: [SectionModel]) in
            PageModel(id: "embeddings", title: "Embeddings", file: "embeddings.html",
                      lead: "What the model's \(c.classWord) head sees: each test image is a vector (the hidden layer of the class head), mapped to 2-D by t-SNE (neighbourhoods kept) and PCA (largest variance kept). Tight, separate clusters mean the \(c.classWord == "class" ? "classes" : "letters") are easy to tell apart.",
                      sections: sections)
        }
        guard let rows = c.table(AnalysisFiles.embeddingsTable), !rows.rows.isEmpty else {
            return page([SectionModel("t-SNE", anchor: "tsne", [c.analyseNote(AnalysisFiles.embeddingsTable)])])
        }
        let letters = c.letters
        let classes = rows.column("letter").map { letters.firstIndex(of: $0) ?? 0 }
        let distance = rows.numbers("distance")
        let paths = rows.column("path")
        var sections: [SectionModel] = []

        if let tsne = points(c.array(AnalysisFiles.tsne), count: classes.count) {
            var blocks: [BlockModel] = []
            if let s = c.inputs.metrics?.tsne {
                let neighbours = s.neighbours.map { " over \($0) nearest neighbours" } ?? ""
                blocks.append(.paragraph(String(format: "t-SNE of %@ test %@, perplexity %.0f%@, %@, final KL divergence %.3f, computed in %@.",
                                                Format.integer(s.points), Count.noun(s.points, "image"), s.perplexity, neighbours, Count.of(s.iterations, "iteration"), s.klDivergence, Format.seconds(s.seconds))))
            }
            blocks.append(c.figures.block("embeddings-tsne-classes",
                                          caption: "t-SNE map coloured by true letter, with each letter written on each of its clusters (at the cluster's most central point), so a letter that splits into several clusters is named on each. Letters whose clouds overlap are the ones the confusion matrix mixes up; distances between far-apart clusters mean little in t-SNE.",
                                          alt: "t-SNE by letter") {
                try classFigure(title: "t-SNE of the embeddings, by letter", x: tsne.x, y: tsne.y, classes: classes, letters: letters,
                                xLabel: "t-SNE 1", yLabel: "t-SNE 2")
            })
            if c.hasDistance { blocks.append(c.figures.block("embeddings-tsne-distance",
                                          caption: "The same map coloured by true distance (viridis: near is dark, far is yellow). Far samples often collect at the edges or between clusters, where the model is less sure of the letter.",
                                          alt: "t-SNE by distance") {
                var axes = Axes(title: "t-SNE of the embeddings, by distance", xLabel: "t-SNE 1", yLabel: "t-SNE 2")
                let scatter = try ScatterMark(x: tsne.x, y: tsne.y, values: distance, colorMap: .viridis)
                axes.add(scatter)
                axes.colorBar = scatter.colorBar(label: "distance")
                axes.equalAspect = true
                return (Figure(width: 760, height: 620, axes: [axes]),
                        CSVTable(columns: [("x", tsne.x), ("y", tsne.y), ("distance", distance)]))
            }) }
            blocks.append(thumbnailMap(c, tsne: tsne, classes: classes, paths: paths))
            blocks.append(.links([LinkModel(href: DrillDownPages.mapFile, label: "The map, region by region",
                                            detail: "which test images sit in each part of the t-SNE map, with their true and predicted letters")]))
            sections.append(SectionModel("t-SNE", anchor: "tsne", blocks))
        } else {
            sections.append(SectionModel("t-SNE", anchor: "tsne", [c.analyseNote(AnalysisFiles.tsne)]))
        }

        if let pca = points(c.array(AnalysisFiles.pca), count: classes.count) {
            let variance = c.inputs.metrics?.pcaExplainedVariance ?? []
            let labels = (0..<2).map { i in i < variance.count ? String(format: "PC %d (%.0f %% of variance)", i + 1, variance[i] * 100) : "PC \(i + 1)" }
            sections.append(SectionModel("PCA", anchor: "pca", [c.figures.block("embeddings-pca",
                caption: "The first two principal components of the embeddings, by letter. PCA keeps global structure: letters separated here are separated by a straight line in the embedding space.",
                alt: "PCA by letter") {
                    try classFigure(title: "PCA of the embeddings", x: pca.x, y: pca.y, classes: classes, letters: letters,
                                    xLabel: labels[0], yLabel: labels[1])
                }]))
        } else {
            sections.append(SectionModel("PCA", anchor: "pca", [c.analyseNote(AnalysisFiles.pca)]))
        }
        sections.append(SectionModel("Separation by distance", anchor: "separation", separation(c)))
        return page(sections)
    }

    static func points(_ array: NumPyArray?, count: Int) -> (x: [Double], y: [Double])? {
        guard let array, array.shape.count == 2, array.shape[1] == 2, array.shape[0] == count, count > 0 else { return nil }
        let v = array.floats
        return ((0..<count).map { Double(v[2 * $0]) }, (0..<count).map { Double(v[2 * $0 + 1]) })
    }

    static func classFigure(title: String, x: [Double], y: [Double], classes: [Int], letters: [String],
                            xLabel: String, yLabel: String) throws -> (Figure, CSVTable) {
        var axes = Axes(title: title, xLabel: xLabel, yLabel: yLabel)
        axes.add(try ScatterMark(x: x, y: y, classes: classes, classNames: letters))
        let labels = clusterLabels(x: x, y: y, classes: classes, classCount: letters.count)
        axes.add(try TextMark(x: labels.map(\.x), y: labels.map(\.y), texts: labels.map { Format.short(letters[$0.class], limit: 16) },
                              colors: labels.map { Palette.color(forClass: $0.class) }))
        axes.equalAspect = true
        // A legend of more than 26 entries repeats colours and runs off the figure: the names
        // on the clusters stand in for it.
        axes.legend = letters.count <= Palette.categorical26.count ? Legend(position: .outsideRight) : nil
        return (Figure(width: 820, height: 640, axes: [axes]),
                CSVTable(header: ["x", "y", "letter"], rows: x.indices.map { [CSVTable.format(x[$0]), CSVTable.format(y[$0]), letters[classes[$0]]] }))
    }

    /// Where a map names its classes: one label on every sizeable cluster of each class, at
    /// the cluster's medoid (the member with the least total distance to the others), so a
    /// letter whose points split into clusters is named on each, and the label sits on points
    /// rather than in the empty space a mean of two clusters falls in. A class's clusters are
    /// the connected components of its points linked within 4× the median distance from a
    /// point to its nearest same-class neighbour (over all classes); a cluster is sizeable
    /// with at least 3 points and 15 % of its class, and the largest always is. Deterministic:
    /// ties go to the lower index.
    static func clusterLabels(x: [Double], y: [Double], classes: [Int], classCount: Int) -> [(class: Int, x: Double, y: Double)] {
        var members = [[Int]](repeating: [], count: classCount)
        for i in x.indices where x[i].isFinite && y[i].isFinite && classes[i] >= 0 && classes[i] < classCount { members[classes[i]].append(i) }
        func distance(_ a: Int, _ b: Int) -> Double { ((x[a] - x[b]) * (x[a] - x[b]) + (y[a] - y[b]) * (y[a] - y[b])).squareRoot() }
        var nearest: [Double] = []
        for group in members where group.count > 1 {
            for a in group { nearest.append(group.lazy.filter { $0 != a }.map { distance(a, $0) }.min()!) }
        }
        nearest.sort()
        let link = nearest.isEmpty ? 0 : 4 * nearest[nearest.count / 2]
        var labels: [(class: Int, x: Double, y: Double)] = []
        for (c, group) in members.enumerated() where !group.isEmpty {
            // Connected components by breadth-first search over the link radius.
            var component = [Int](repeating: -1, count: group.count)
            var components: [[Int]] = []
            for start in group.indices where component[start] < 0 {
                component[start] = components.count
                var queue = [start], head = 0
                while head < queue.count {
                    let a = queue[head]
                    head += 1
                    for b in group.indices where component[b] < 0 && distance(group[a], group[b]) <= link {
                        component[b] = components.count
                        queue.append(b)
                    }
                }
                components.append(queue.sorted().map { group[$0] })
            }
            let order = components.indices.sorted { components[$0].count > components[$1].count || (components[$0].count == components[$1].count && $0 < $1) }
            for (rank, k) in order.enumerated() {
                let points = components[k]
                guard rank == 0 || (points.count >= 3 && Double(points.count) >= 0.15 * Double(group.count)) else { continue }
                let medoid = points.min { a, b in
                    let da = points.reduce(0) { $0 + distance(a, $1) }, db = points.reduce(0) { $0 + distance(b, $1) }
                    return da < db || (da == db && a < b)
                }!
                labels.append((c, x[medoid], y[medoid]))
            }
        }
        return labels
    }

    static func thumbnailMap(_ c: PageContext, tsne: (x: [Double], y: [Double]), classes: [Int], paths: [String]) -> BlockModel {
        guard c.inputs.datasetFolder != nil else {
            return .note("The data set folder is not available, so the t-SNE thumbnail map cannot show the images.")
        }
        let n = tsne.x.count
        let chosen = n <= thumbnails ? Array(0..<n) : (0..<thumbnails).map { $0 * n / thumbnails }
        var kept: [Int] = [], images: [RGBImage] = []
        for i in chosen {
            guard let image = c.datasetImage(paths[i], size: 48) else { continue }
            kept.append(i)
            images.append(image)
        }
        guard !images.isEmpty else { return .note("The test images named in embeddings.csv are not in the data set folder.") }
        return c.figures.block("embeddings-tsne-thumbnails",
                               caption: "\(images.count) test images placed at their t-SNE positions, framed in their letter's colour. Neighbours on the map should look alike: this shows what each cluster means visually.",
                               alt: "t-SNE thumbnail map") { [kept, images] in
            var axes = Axes(title: "t-SNE map with the images", xLabel: "t-SNE 1", yLabel: "t-SNE 2")
            var mark = try ImageScatterMark(x: kept.map { tsne.x[$0] }, y: kept.map { tsne.y[$0] }, images: images, size: 30,
                                            borderColors: kept.map { Palette.color(forClass: classes[$0]) })
            mark.imageScale = 1.5
            axes.add(mark)
            axes.equalAspect = true
            return (Figure(width: 900, height: 760, axes: [axes]),
                    CSVTable(header: ["x", "y", "path"], rows: kept.map { [CSVTable.format(tsne.x[$0]), CSVTable.format(tsne.y[$0]), paths[$0]] }))
        }
    }

    static func separation(_ c: PageContext) -> [BlockModel] {
        guard c.hasDistance else { return [c.noDistanceNote] }
        guard let bins = c.inputs.metrics?.separation, !bins.isEmpty else { return [c.analyseNote(AnalysisFiles.metrics)] }
        let middle = bins.map { ($0.lower + $0.upper) / 2 }
        let figure = c.figures.block("embeddings-separation",
                                     caption: "How well the letters separate among test images of each distance bin. Left: mean silhouette (−1 … 1; higher = each image is closer to its own letter than to others) in the embedding space and on the t-SNE map. Right: mean distance between letter centroids against the mean spread of images around their own centroid. Separation that falls with distance is why far samples are misread.",
                                     alt: "Class separation by distance") {
            var silhouette = Axes(title: "Silhouette by distance", xLabel: "true distance", yLabel: "mean silhouette")
            silhouette.add(try LineMark(x: middle, y: bins.map(\.silhouetteEmbedding), label: "embedding", showsPoints: true))
            silhouette.add(try LineMark(x: middle, y: bins.map(\.silhouetteTSNE), label: "t-SNE map", showsPoints: true))
            silhouette.legend = Legend(position: .best)
            var spread = Axes(title: "Between vs within letters", xLabel: "true distance", yLabel: "embedding distance")
            spread.add(try LineMark(x: middle, y: bins.map(\.centroidDistance), color: Palette.tab10[2], label: "between centroids", showsPoints: true))
            spread.add(try LineMark(x: middle, y: bins.map(\.withinClassSpread), color: Palette.tab10[3], label: "within a letter", showsPoints: true))
            spread.legend = Legend(position: .best)
            return (Figure(width: 960, height: 340, axes: [silhouette, spread]),
                    CSVTable(header: ["lower", "upper", "count", "silhouette_embedding", "silhouette_tsne", "centroid_distance", "within_class_spread"],
                             rows: bins.map { [CSVTable.format($0.lower), CSVTable.format($0.upper), String($0.count), CSVTable.format($0.silhouetteEmbedding),
                                               CSVTable.format($0.silhouetteTSNE), CSVTable.format($0.centroidDistance), CSVTable.format($0.withinClassSpread)] }))
        }
        let table = TableModel(caption: "Separation of the letters by true-distance bin.",
                               header: ["distance", "images", "silhouette (embedding)", "silhouette (t-SNE)", "between centroids", "within letter"],
                               numeric: [1, 2, 3, 4, 5],
                               rows: bins.map { [String(format: "%.1f–%.1f", $0.lower, $0.upper), String($0.count), Format.number($0.silhouetteEmbedding),
                                                 Format.number($0.silhouetteTSNE), Format.number($0.centroidDistance), Format.number($0.withinClassSpread)] })
        return [figure, .table(table)]
    }
}
