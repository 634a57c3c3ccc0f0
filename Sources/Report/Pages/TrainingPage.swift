import Canvas
import FileFormats
import Foundation
import Plot

/// Training (`training.html`): the loss of every window of steps with epoch marks and the
/// learning rate, loss curves per epoch (total, cross-entropy, distance MSE), validation
/// accuracy and distance MAE per epoch, and throughput.
enum TrainingPage {
    static func build(_ c: PageContext) -> PageModel {
        let history = c.inputs.history
        let page = { (sections: [SectionModel]) in
            PageModel(id: "training", title: "Training", file: "training.html",
                      lead: "How training went, step by step and epoch by epoch: the loss the optimiser minimised (cross-entropy for the letter plus the weighted distance MSE), the learning rate it used, and the validation metrics measured after each epoch.",
                      sections: sections)
        }
        let stepsSection = SectionModel("Loss by step", anchor: "steps", [stepsBlock(c)])
        guard !history.isEmpty else {
            let note = c.inputs.steps != nil
                ? "No epoch has finished yet: the per-epoch loss, the validation metrics and the history table appear after the first epoch."
                : "history.csv is not in the run folder: train the model (asl-lab train or asl-lab run) to see its curves."
            let history = SectionModel("History", anchor: "history", [.note(note)])
            return page(c.inputs.steps != nil ? [stepsSection, history] : [history])
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
        var sections = [SectionModel("Summary", anchor: "summary", [.cards(cards)]), stepsSection]

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
        sections.append(SectionModel("Loss per epoch", anchor: "loss", [loss] + (c.hasDistance ? [] : [c.noDistanceNote])))

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
        sections.append(SectionModel("Validation", anchor: "validation", [validation] + (c.hasDistance ? [] : [c.noDistanceNote])))

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

    /// The loss of every window of steps (`steps.csv`) on a step axis with the epochs marked,
    /// and the learning rate; a note when the run has no such record.
    static func stepsBlock(_ c: PageContext) -> BlockModel {
        guard let steps = c.inputs.steps else {
            return .note("steps.csv is not in the run folder: this run was trained before asl-lab recorded the loss of every \(TrainingSteps.window) steps, so only the per-epoch curves below are available for it.")
        }
        guard !steps.isEmpty else {
            return .note("No window of \(TrainingSteps.window) training steps has finished yet.")
        }
        return c.figures.block("training-steps",
                               caption: "Left: the training loss by step, each point the mean over a window of \(TrainingSteps.window) steps (an epoch's last window may be shorter), on a logarithmic scale; dashed lines mark the ends of epochs. Right: the learning rate Adam used at the last step of each window (constant, then falling linearly to 0 over the final train.learning_rate_decay of the steps). A loss that stops falling while the rate is still high, or jumps at an epoch's start, deserves a look.",
                               alt: "Training loss and learning rate by step") {
            try stepsFigure(steps)
        }
    }

    static func stepsFigure(_ steps: [StepRecord]) throws -> (Figure, CSVTable) {
        let x = steps.map { Double($0.step) }
        let series = [("total", steps.map(\.loss), Palette.tab10[0]), ("cross-entropy", steps.map(\.crossEntropy), Palette.tab10[1]),
                      ("distance MSE", steps.map(\.meanSquaredError), Palette.tab10[2])]
        let values = series.flatMap(\.1)
        let positive = values.allSatisfy { $0 > 0 }
        var loss = Axes(title: "Loss by step", xLabel: "step", yLabel: positive ? "loss (log scale)" : "loss")
        if positive { loss.yScale = .log }
        let (low, high) = (values.min() ?? 0, values.max() ?? 1)
        var rate = Axes(title: "Learning rate", xLabel: "step", yLabel: "learning rate")
        // From 0, so a constant rate looks constant and a decay is seen reaching 0.
        let topRate = max(steps.map(\.learningRate).max() ?? 0, 1e-12) * 1.1
        rate.yDomain = 0...topRate
        // Epoch marks: a dashed line where each epoch ends (not after the last) and, while
        // they fit, the epoch's number over its span.
        let ends = Dictionary(grouping: steps, by: \.epoch).mapValues { $0.map(\.step).max()! }
        let epochs = ends.keys.sorted()
        let mark = Color(bytes: 0xa0, 0xa8, 0xb4)
        if epochs.count <= 60 {
            for epoch in epochs.dropLast() {
                let at = Double(ends[epoch]!)
                loss.add(try LineMark(x: [at, at], y: [low, high], color: mark, width: 1, dash: [4, 3]))
                rate.add(try LineMark(x: [at, at], y: [0, topRate], color: mark, width: 1, dash: [4, 3]))
            }
        }
        if epochs.count <= 12 {
            let starts = epochs.map { epoch in Double(steps.first { $0.epoch == epoch }.map { $0.step - $0.steps } ?? 0) }
            let centres = zip(starts, epochs).map { start, epoch in (start + Double(ends[epoch]!)) / 2 }
            loss.add(try TextMark(x: centres, y: Array(repeating: high, count: centres.count), texts: epochs.map { "epoch \($0)" },
                                  colors: [Color(bytes: 0x5a, 0x66, 0x76)], size: 11, bold: false))
        }
        for (label, y, color) in series {
            loss.add(try LineMark(x: x, y: y, color: color, label: label, showsPoints: steps.count <= 30))
        }
        rate.add(try LineMark(x: x, y: steps.map(\.learningRate), color: Palette.tab10[4], label: "learning rate", showsPoints: steps.count <= 30))
        rate.legend = nil
        let table = CSVTable(columns: [("step", x), ("epoch", steps.map { Double($0.epoch) }), ("steps", steps.map { Double($0.steps) }),
                                       ("loss", steps.map(\.loss)), ("cross_entropy", steps.map(\.crossEntropy)),
                                       ("mse", steps.map(\.meanSquaredError)), ("learning_rate", steps.map(\.learningRate))])
        return (Figure(width: 960, height: 340, axes: [loss, rate]), table)
    }
}
