import Foundation
import Plot

/// Training (`training.html`): loss curves (total, cross-entropy, distance MSE), validation
/// accuracy and distance MAE per epoch, and throughput.
enum TrainingPage {
    static func build(_ c: PageContext) -> PageModel {
        let history = c.inputs.history
        let page = { (sections: [SectionModel]) in
            PageModel(id: "training", title: "Training", file: "training.html",
                      lead: "How training went, epoch by epoch: the loss the optimiser minimised (cross-entropy for the letter plus the weighted distance MSE) and the validation metrics measured after each epoch.",
                      sections: sections)
        }
        guard !history.isEmpty else {
            return page([SectionModel("History", anchor: "history", [.note("history.csv is not in the run folder: train the model (asl-lab train or asl-lab run) to see its curves.")])])
        }
        let epochs = history.map { Double($0.epoch) }
        let last = history[history.count - 1]
        let best = history.max { $0.validationAccuracy < $1.validationAccuracy }!
        let cards = [
            CardModel(label: "Epochs", value: "\(history.count)", detail: "total " + Format.seconds(history.map(\.seconds).reduce(0, +))),
            CardModel(label: "Final val accuracy", value: Format.percent(last.validationAccuracy), detail: "epoch \(last.epoch)"),
            CardModel(label: "Best val accuracy", value: Format.percent(best.validationAccuracy), detail: "epoch \(best.epoch)"),
            CardModel(label: "Final val MAE", value: Format.number(last.validationMAE), detail: "distance, validation split"),
            CardModel(label: "Final loss", value: Format.number(last.loss), detail: "CE \(Format.number(last.crossEntropy)) + w·MSE"),
        ]
        var sections = [SectionModel("Summary", anchor: "summary", [.cards(cards)])]

        let loss = c.figures.block("training-loss",
                                   caption: "Training loss per epoch. Left: the total loss and its cross-entropy part (letter head); right: the distance head's mean squared error. Both should fall steadily; a flat or rising curve means the learning rate or the data needs a look.",
                                   alt: "Loss curves") {
            var total = Axes(title: "Loss", xLabel: "epoch", yLabel: "loss")
            total.xWholeNumbers = true
            total.add(try LineMark(x: epochs, y: history.map(\.loss), label: "total", showsPoints: history.count <= 30))
            total.add(try LineMark(x: epochs, y: history.map(\.crossEntropy), label: "cross-entropy", showsPoints: history.count <= 30))
            var mse = Axes(title: "Distance loss", xLabel: "epoch", yLabel: "MSE")
            mse.xWholeNumbers = true
            mse.add(try LineMark(x: epochs, y: history.map(\.meanSquaredError), color: Palette.tab10[2], label: "distance MSE", showsPoints: history.count <= 30))
            return (Figure(width: 960, height: 340, axes: [total, mse]),
                    CSVTable(columns: [("epoch", epochs), ("train_loss", history.map(\.loss)), ("train_ce", history.map(\.crossEntropy)),
                                       ("train_mse", history.map(\.meanSquaredError))]))
        }
        sections.append(SectionModel("Loss", anchor: "loss", [loss]))

        let validation = c.figures.block("training-validation",
                                         caption: "Validation after each epoch. Left: letter accuracy (higher is better); right: mean absolute distance error (lower is better). A gap that opens between falling training loss and flat validation curves is overfitting.",
                                         alt: "Validation accuracy and MAE") {
            var accuracy = Axes(title: "Validation accuracy", xLabel: "epoch", yLabel: "accuracy")
            accuracy.xWholeNumbers = true
            accuracy.add(try LineMark(x: epochs, y: history.map(\.validationAccuracy), color: Palette.tab10[1], label: "accuracy", showsPoints: history.count <= 30))
            accuracy.yDomain = 0...1
            accuracy.legend = nil
            var mae = Axes(title: "Validation distance MAE", xLabel: "epoch", yLabel: "MAE")
            mae.xWholeNumbers = true
            mae.add(try LineMark(x: epochs, y: history.map(\.validationMAE), color: Palette.tab10[3], label: "MAE", showsPoints: history.count <= 30))
            mae.legend = nil
            return (Figure(width: 960, height: 340, axes: [accuracy, mae]),
                    CSVTable(columns: [("epoch", epochs), ("val_accuracy", history.map(\.validationAccuracy)), ("val_mae", history.map(\.validationMAE))]))
        }
        sections.append(SectionModel("Validation", anchor: "validation", [validation]))

        let speed = c.figures.block("training-speed",
                                    caption: "Training throughput per epoch (images per second, forward and backward). Dips usually mean the machine was busy with something else.",
                                    alt: "Training throughput") {
            var axes = Axes(title: "Throughput", xLabel: "epoch", yLabel: "images/s")
            axes.xWholeNumbers = true
            axes.add(try LineMark(x: epochs, y: history.map(\.imagesPerSecond), color: Palette.tab10[4], label: "images/s", showsPoints: history.count <= 30))
            axes.legend = nil
            let top = (history.map(\.imagesPerSecond).max() ?? 1) * 1.15
            axes.yDomain = 0...max(top, 1)
            return (Figure(width: 560, height: 280, axes: [axes]),
                    CSVTable(columns: [("epoch", epochs), ("images_per_second", history.map(\.imagesPerSecond)), ("seconds", history.map(\.seconds))]))
        }
        let rows = history.map { r in
            [String(r.epoch), Format.number(r.loss, decimals: 4), Format.number(r.crossEntropy, decimals: 4),
             Format.number(r.meanSquaredError, decimals: 4), Format.percent(r.validationAccuracy, decimals: 2),
             Format.number(r.validationMAE), String(format: "%.0f", r.imagesPerSecond), Format.seconds(r.seconds)]
        }
        let table = TableModel(caption: "history.csv, one row per epoch.",
                               header: ["epoch", "loss", "CE", "MSE", "val accuracy", "val MAE", "images/s", "time"],
                               numeric: Set(0..<8), rows: rows)
        sections.append(SectionModel("Speed and history", anchor: "history", [speed, .table(table)]))
        return page(sections)
    }
}
