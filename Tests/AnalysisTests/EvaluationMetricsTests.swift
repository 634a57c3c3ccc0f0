import Analysis
@testable import NN
import XCTest

final class EvaluationMetricsTests: XCTestCase {
    func testClassificationOnHandMadePredictions() {
        // Truth A A A B B C; predicted A A B B C C.
        let r = EvaluationMetrics.classification(truth: [0, 0, 0, 1, 1, 2], predicted: [0, 0, 1, 1, 2, 2], labels: ["A", "B", "C"])
        XCTAssertEqual(r.accuracy, 4.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(r.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
        // A: precision 2/2, recall 2/3; B: 1/2, 1/2; C: 1/2, 1/1.
        XCTAssertEqual(r.perClass.map(\.precision), [1, 0.5, 0.5])
        XCTAssertEqual(r.perClass.map(\.recall), [2.0 / 3.0, 0.5, 1])
        XCTAssertEqual(r.perClass[0].f1, 0.8, accuracy: 1e-12)
        XCTAssertEqual(r.perClass[2].f1, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(r.perClass.map(\.support), [3, 2, 1])
        XCTAssertEqual(r.macroF1, (0.8 + 0.5 + 2.0 / 3.0) / 3, accuracy: 1e-12)
    }

    func testDistanceMetricsAndBins() {
        let truth = [1.0, 2.0, 3.0, 4.0], predicted = [1.5, 2.0, 2.0, 4.0]
        let m = EvaluationMetrics.distance(truth: truth, predicted: predicted)
        XCTAssertEqual(m.mae, 0.375, accuracy: 1e-12)
        XCTAssertEqual(m.rmse, (1.25 / 4).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(m.r2, 1 - 1.25 / 5, accuracy: 1e-12) // SS_tot = 2.25 + .25 + .25 + 2.25
        let bins = EvaluationMetrics.distanceBins(truth: truth, predicted: predicted, correct: [true, false, true, true], lower: 1, upper: 5, bins: 2)
        XCTAssertEqual(bins.map(\.count), [2, 2])
        XCTAssertEqual(bins.map(\.accuracy), [0.5, 1])
        XCTAssertEqual(bins.map(\.mae), [0.25, 0.5])
        XCTAssertEqual(bins.map(\.lower), [1, 3])
        XCTAssertEqual(EvaluationMetrics.distanceMAEPerClass(truth: truth, predicted: predicted, classes: [0, 0, 1, 2], classCount: 4), [0.25, 1, 0, 0])
    }

    func testConfidentMistakesAreTheSurestWrongOnes() {
        let mistakes = EvaluationMetrics.confidentMistakes(
            paths: ["a", "b", "c", "d"], truth: [0, 1, 2, 0], predicted: [1, 1, 0, 2], probability: [0.6, 0.99, 0.9, 0.7],
            distances: [1, 2, 3, 4], labels: ["A", "B", "C"], limit: 2)
        XCTAssertEqual(mistakes.map(\.path), ["c", "d"], "b was right; c (0.9) beats d (0.7) beats a (0.6)")
        XCTAssertEqual(mistakes[0].letter, "C")
        XCTAssertEqual(mistakes[0].predicted, "A")
    }

    func testSilhouetteOfSeparatedAndMixedClasses() {
        // Two tight pairs far apart: a = 1, b ≈ 100 → silhouette ≈ 0.99.
        let apart: [Float] = [0, 0, 1, 0, 100, 0, 101, 0]
        XCTAssertEqual(ClassSeparation.silhouette(points: apart, dimensions: 2, labels: [0, 0, 1, 1]), 0.99, accuracy: 0.005)
        // Crossed labels: each point's own class is 100 away, the other class 51 or 50 on
        // average → (51 − 100)/100, (50 − 100)/100, … → mean −0.495.
        XCTAssertEqual(ClassSeparation.silhouette(points: apart, dimensions: 2, labels: [0, 1, 0, 1]), -0.495, accuracy: 1e-9)
        let bins = ClassSeparation.byDistance(points: apart, dimensions: 2, map: apart, mapDimensions: 2, labels: [0, 0, 1, 1],
                                              distance: [1, 1.2, 1.1, 4.5], lower: 1, upper: 5, bins: 2)
        XCTAssertEqual(bins.map(\.count), [3, 1])
        XCTAssertEqual(bins[1].silhouetteEmbedding, 0, "one class alone has no separation")
        XCTAssertGreaterThan(bins[0].centroidDistance, 90)
        XCTAssertEqual(bins[0].silhouetteEmbedding, bins[0].silhouetteTSNE, "same points, same silhouette")
    }

    func testChosenSamplesAreTheFirstPerLetter() {
        let chosen = ModelInspection.chooseSamples(indices: [9, 1, 4, 6, 2], letters: [0, 1, 0, 0, 1, 0, 0, 0, 0, 1], perLetter: 1, classes: 2)
        XCTAssertEqual(chosen, [2, 1], "letter 0's first test index is 2, letter 1's is 1; listed by letter")
    }

    func testSaliencyMatchesFiniteDifferencesOfTheClassScore() {
        let model = SmallCNN(architecture: SmallCNNArchitecture(inputSize: 8, channels: [2, 2, 2], classHidden: 4, distanceHidden: 2, classes: 26), seed: 5)
        var random = Initializer(seed: 2)
        var input = Tensor(zeros: [2, 3, 8, 8])
        for i in input.data.indices { input.data[i] = Float(random.unit()) }
        let classes = [3, 11]
        let saliency = ModelInspection.saliency(model, input: input, classes: classes)
        XCTAssertEqual(saliency.shape, [2, 8, 8])
        func score(_ x: Tensor, _ sample: Int) -> Double {
            let (logits, _) = model.forward(x, training: false)
            return Double(logits.data[sample * 26 + classes[sample]])
        }
        let h: Float = 1e-2
        var checked = 0
        for sample in 0..<2 {
            for pixel in stride(from: 0, to: 64, by: 5) {
                var best = 0.0
                for c in 0..<3 {
                    let i = (sample * 3 + c) * 64 + pixel
                    var plus = input, minus = input
                    plus.data[i] += h
                    minus.data[i] -= h
                    best = max(best, abs(score(plus, sample) - score(minus, sample)) / Double(2 * h))
                }
                XCTAssertEqual(Double(saliency.data[sample * 64 + pixel]), best, accuracy: max(2e-3, 0.05 * best), "sample \(sample) pixel \(pixel)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 26)
    }
}
