import Analysis
import Canvas
import FileFormats
import Foundation
import Plot

/// Overview (`index.html`): what ran, with what, on what, how long, the headline numbers,
/// and links to every page and artifact.
enum OverviewPage {
    static func build(_ c: PageContext) -> PageModel {
        let inputs = c.inputs
        var sections: [SectionModel] = []

        var cards: [CardModel] = []
        let accuracy = inputs.metrics?.accuracy ?? inputs.training?.testAccuracy
        let mae = inputs.metrics?.distance.mae ?? inputs.training?.testDistanceMAE
        let testImages = inputs.metrics?.testImages ?? inputs.training?.testImages
        if let accuracy { cards.append(CardModel(label: "Test accuracy", value: Format.percent(accuracy), detail: testImages.map { "\(c.classWord), on \(Format.integer($0)) test images" } ?? c.classWord)) }
        if let mae, c.hasDistance { cards.append(CardModel(label: "Distance MAE", value: Format.number(mae), detail: "mean |predicted − true| distance")) }
        if let m = inputs.metrics {
            cards.append(CardModel(label: "Macro F1", value: Format.number(m.macroF1),
                                   detail: c.classesAreLetters ? "mean of the 26 letters' F1" : "mean of the \(c.letters.count) classes' F1"))
            if c.hasDistance { cards.append(CardModel(label: "Distance R²", value: Format.number(m.distance.r2), detail: "RMSE \(Format.number(m.distance.rmse))")) }
        }
        if let t = inputs.training {
            if let epochs = t.epochs { cards.append(CardModel(label: "Epochs", value: "\(epochs)", detail: t.trainImages.map { "\(Format.integer($0)) training images" } ?? "")) }
            if let s = t.seconds { cards.append(CardModel(label: "Training time", value: Format.seconds(s), detail: t.meanTrainImagesPerSecond.map { String(format: "%.0f images/s", $0) } ?? "")) }
        }
        // A run still training (or stopped in training) has only its validation numbers so far.
        let partial = cards.isEmpty && inputs.history.last != nil
        if cards.isEmpty, let last = inputs.history.last {
            cards.append(CardModel(label: "Validation accuracy", value: Format.percent(last.validationAccuracy), detail: "letter, after epoch \(last.epoch)"))
            cards.append(CardModel(label: "Validation MAE", value: Format.number(last.validationMAE), detail: "distance, after epoch \(last.epoch)"))
        }
        var headline: [BlockModel] = cards.isEmpty ? [.note("The run has no training.json or metrics.json yet: train the model (asl-lab train or asl-lab run) to see its results.")] : [.cards(cards)]
        if partial {
            headline.append(.paragraph("Training has not finished: these are the validation split's numbers after the latest epoch. The test-split results appear when training ends."))
        } else if inputs.metrics == nil, !cards.isEmpty {
            headline.append(.paragraph("Accuracy and MAE come from training.json; run asl-lab analyse for the full evaluation, the look inside the model and the embeddings."))
        }
        for problem in inputs.problems { headline.append(.note(problem)) }
        sections.append(SectionModel("Headline results", anchor: "results", headline))

        sections.append(SectionModel("Run", anchor: "run", runTable(c)))
        sections.append(SectionModel("Stage timings", anchor: "stages", stageBlocks(c)))

        var config: [BlockModel] = []
        if let text = inputs.configText {
            config.append(.paragraph("The effective config: the built-in defaults, the --config file and every --set, as the run used it."))
            config.append(.details(DetailsModel(summary: "Show config.yaml (\(text.split(separator: "\n").count) lines)", text: text)))
        } else {
            config.append(.note("config.yaml is not in the run folder."))
        }
        sections.append(SectionModel("Configuration", anchor: "config", config))

        let pages = [("dataset.html", "Dataset", "samples per letter, class counts, distances, augmentation steps"),
                     ("training.html", "Training", "loss by step and per epoch, learning rate, validation accuracy and distance error per epoch"),
                     ("evaluation.html", "Evaluation", "confusion matrix, per-class accuracy, distance errors, confident mistakes"),
                     ("model.html", "Model", "parameters, conv1 filters, feature maps, top-3 predictions, saliency"),
                     ("embeddings.html", "Embeddings", "t-SNE and PCA maps, separation of classes by distance")]
            + (inputs.generalisation == nil ? [] : [(GeneralisationPage.file, "Generalisation", "accuracy and distance error on shifted evaluation sets beside the test split")])
        sections.append(SectionModel("Pages", anchor: "pages", [.links(pages.map { LinkModel(href: $0.0, label: $0.1, detail: $0.2) })]))
        sections.append(SectionModel("Artifacts", anchor: "artifacts", [artifactLinks(c)]))

        return PageModel(id: "overview", title: "Overview", file: ReportFiles.index,
                         lead: "What this run did and how well it worked: the headline numbers, where and how it ran, how long each stage took, and the exact config.",
                         sections: sections)
    }

    static func runTable(_ c: PageContext) -> [BlockModel] {
        let inputs = c.inputs
        var rows: [[String]] = []
        if let m = inputs.manifest {
            rows.append(["Name", m.name])
            if let note = m.note { rows.append(["Note", note]) }
            if !m.tags.isEmpty { rows.append(["Tags", m.tags.joined(separator: ", ")]) }
            rows.append(["Created", m.created])
            rows.append(["Seed", String(m.seed)])
            rows.append(["Tool version", "asl-lab " + m.toolVersion])
            if let git = m.git { rows.append(["Built from", "git commit \(git.commit)" + (git.dirty ? ", with uncommitted changes" : "")]) }
            rows.append(["Config hash", m.configHash])
            rows.append(["Data set", m.dataset])
            rows.append(["Machine", "\(m.machine.cpu), \(m.machine.cores) cores, \(Format.bytes(m.machine.memoryBytes)) memory"])
        } else {
            rows.append(["Name", (inputs.folder as NSString).lastPathComponent])
            if let seed = inputs.training?.seed { rows.append(["Seed", String(seed)]) }
            if let hash = inputs.training?.configHash { rows.append(["Config hash", hash]) }
            rows.append(["Tool version", "asl-lab " + c.job.toolVersion + " (of this report)"])
        }
        rows.append(["Run folder", inputs.folder])
        if let t = inputs.training, let train = t.trainImages, let val = t.validationImages, let test = t.testImages {
            rows.append(["Split", "\(Format.integer(train)) train · \(Format.integer(val)) validation · \(Format.integer(test)) test images"])
        }
        var blocks: [BlockModel] = [.table(TableModel(caption: "Where and with what this run ran.", header: ["", "value"], rows: rows))]
        if inputs.manifest == nil {
            blocks.insert(.note("manifest.json is not in the run folder (a hand-made run?): the date, machine, data set and stage timings are unknown."), at: 0)
        }
        return blocks
    }

    static func stageBlocks(_ c: PageContext) -> [BlockModel] {
        guard let stages = c.inputs.manifest?.stages, !stages.isEmpty else {
            return [.note("manifest.json is not in the run folder, so the stage timings are unknown.")]
        }
        let total = stages.map(\.seconds).reduce(0, +)
        var rows = stages.map { [$0.name, $0.status == .cached ? "from cache" : "ran", Format.seconds($0.seconds),
                                 total > 0 ? Format.percent($0.seconds / total) : "–"] }
        rows.append(["total", "", Format.seconds(total), ""])
        var blocks: [BlockModel] = [.table(TableModel(caption: "Wall time of each pipeline stage; cached stages reused an earlier run's outputs.",
                                                      header: ["stage", "status", "time", "share"], numeric: [2, 3], rows: rows))]
        blocks.append(c.figures.block("overview-stages", caption: "Where the time went. Cached stages take almost no time; training usually dominates.",
                                      alt: "Stage timings") {
            var axes = Axes(title: "Stage timings", xLabel: "stage", yLabel: "seconds")
            axes.add(try BarMark(categories: stages.map(\.name), values: stages.map(\.seconds),
                                 colors: stages.map { $0.status == .cached ? Color(bytes: 0xb0, 0xb8, 0xc4) : Palette.tab10[0] },
                                 valueLabels: stages.map { Format.seconds($0.seconds) }))
            axes.legend = nil
            return (Figure(width: 560, height: 280, axes: [axes]),
                    CSVTable(header: ["stage", "status", "seconds"], rows: stages.map { [$0.name, $0.status.rawValue, CSVTable.format($0.seconds)] }))
        })
        return blocks
    }

    static func artifactLinks(_ c: PageContext) -> BlockModel {
        let files: [(String, String)] = [
            ("config.yaml", "the effective config"), (RunManifest.fileName, "what ran, hashes, timings"),
            ("model.safetensors", "weights, PyTorch SmallCNN names"), ("history.csv", "loss and validation metrics per epoch"),
            (TrainingSteps.fileName, "loss per window of \(TrainingSteps.window) steps, learning rate"),
            ("training.json", "test-split result of training"), (AnalysisFiles.metrics, "every evaluation number"),
            (AnalysisFiles.predictions, "one row per test image"), (AnalysisFiles.confusion, "confusion matrix"),
            (AnalysisFiles.embeddings, "class-head embeddings (NumPy)"), (AnalysisFiles.embeddingsTable, "rows of the embeddings"),
            (AnalysisFiles.tsne, "t-SNE map (NumPy)"), (AnalysisFiles.pca, "PCA map (NumPy)"),
            (AnalysisFiles.parameters, "parameter statistics"), ("log.txt", "the run's log"),
        ]
        var links = files.filter { c.inputs.exists($0.0) }.map { file, detail -> LinkModel in
            let size = (try? FileManager.default.attributesOfItem(atPath: c.inputs.path(file)))?[.size] as? UInt64 ?? 0
            return LinkModel(href: file, label: file, detail: "\(detail), \(Format.bytes(size))")
        }
        links.append(LinkModel(href: ReportFiles.figures + "/", label: ReportFiles.figures + "/",
                               detail: "every figure of this report as SVG, PNG (2×) and the CSV of its data"))
        return .links(links)
    }
}
