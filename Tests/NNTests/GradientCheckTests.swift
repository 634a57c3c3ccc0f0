import XCTest
@testable import NN

/// Every layer's backward against central finite differences of a scalar loss L = Σ r·y with a
/// fixed random r, so each output element's gradient is checked.
final class GradientCheckTests: XCTestCase {
    var random = Initializer(seed: 42)

    func randomTensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        var t = Tensor(zeros: shape)
        for i in t.data.indices { t.data[i] = Float(random.unit() * 2 - 1) * scale }
        return t
    }

    func dot(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.data, b.data).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Compares `analytic` with (L(x+h) − L(x−h)) / 2h for a sample of entries of `x`.
    /// `floor` is the gradient size below which differences are judged absolutely: float32
    /// losses of size ~1 carry ~1e-7 relative noise, which a step h turns into ~1e-7/h.
    func check(_ name: String, _ x: inout Tensor, analytic: Tensor, h: Float = 1e-2, tolerance: Double = 2e-2, floor: Double = 1e-3,
               loss: (Tensor) -> Double) {
        for i in Swift.stride(from: 0, to: x.count, by: max(1, x.count / 40)) {
            let saved = x.data[i]
            x.data[i] = saved + h
            let plus = loss(x)
            x.data[i] = saved - h
            let minus = loss(x)
            x.data[i] = saved
            let numeric = (plus - minus) / Double(2 * h)
            let scale = max(floor, abs(numeric), abs(Double(analytic.data[i])))
            XCTAssertLessThan(abs(numeric - Double(analytic.data[i])) / scale, tolerance,
                              "\(name)[\(i)]: numeric \(numeric), analytic \(analytic.data[i])")
        }
    }

    func testConv2dInputWeightAndBiasGradients() {
        let conv = Conv2d(name: "c", inChannels: 2, outChannels: 3, kernel: 3, padding: 1, random: &random)
        var x = randomTensor([2, 2, 5, 5]) // (C, N, H, W)
        let r = randomTensor([3, 2, 5, 5]) // (K, N, H, W)
        _ = conv.forward(x, training: true)
        let dx = conv.backward(r, needInput: true)!
        check("conv input", &x, analytic: dx) { self.dot(conv.forward($0, training: false), r) }
        var w = conv.weight.value
        check("conv weight", &w, analytic: conv.weight.grad) { w in
            let saved = conv.weight.value
            conv.weight.value = w
            defer { conv.weight.value = saved }
            return self.dot(conv.forward(x, training: false), r)
        }
        var b = conv.bias.value
        check("conv bias", &b, analytic: conv.bias.grad) { b in
            let saved = conv.bias.value
            conv.bias.value = b
            defer { conv.bias.value = saved }
            return self.dot(conv.forward(x, training: false), r)
        }
    }

    func testLinearGradients() {
        let linear = Linear(name: "l", inFeatures: 7, outFeatures: 4, random: &random)
        var x = randomTensor([3, 7])
        let r = randomTensor([3, 4])
        _ = linear.forward(x, training: true)
        let dx = linear.backward(r)!
        check("linear input", &x, analytic: dx) { self.dot(linear.forward($0, training: false), r) }
        var w = linear.weight.value
        check("linear weight", &w, analytic: linear.weight.grad) { w in
            let saved = linear.weight.value
            linear.weight.value = w
            defer { linear.weight.value = saved }
            return self.dot(linear.forward(x, training: false), r)
        }
    }

    func testMaxPoolAndReLUGradients() {
        let pool = MaxPool2d()
        var x = randomTensor([2, 2, 4, 6])
        let r = randomTensor([2, 2, 2, 3])
        _ = pool.forward(x)
        let dx = pool.backward(r)
        check("maxpool", &x, analytic: dx, h: 1e-3) { self.dot(MaxPool2d().forward($0), r) }

        var y = randomTensor([10])
        var relu = y
        ReLU.forward(&relu)
        var dy = randomTensor([10])
        let rr = dy
        ReLU.backward(&dy, output: relu)
        check("relu", &y, analytic: dy, h: 1e-3) { input in
            var out = input
            ReLU.forward(&out)
            return self.dot(out, rr)
        }
    }

    func testLossGradients() {
        var logits = randomTensor([4, 5], scale: 3)
        var distance = randomTensor([4, 1], scale: 2)
        let classes = [0, 3, 4, 1], targets: [Float] = [1, 2.5, -1, 0.5]
        let result = DualHeadLoss.evaluate(logits: logits, distance: distance, classes: classes, distances: targets, distanceWeight: 0.25)
        check("loss logits", &logits, analytic: result.logitsGradient, h: 1e-2, floor: 1e-2) {
            Double(DualHeadLoss.evaluate(logits: $0, distance: distance, classes: classes, distances: targets, distanceWeight: 0.25).total)
        }
        check("loss distance", &distance, analytic: result.distanceGradient, h: 1e-2, floor: 1e-2) {
            Double(DualHeadLoss.evaluate(logits: logits, distance: $0, classes: classes, distances: targets, distanceWeight: 0.25).total)
        }
    }

    func testLossMatchesPyTorchDefinitionOnHandValues() {
        // logits [0, ln 3] for class 1: CE = −log(3/4); distance 2 vs 1: MSE = 1.
        let result = DualHeadLoss.evaluate(logits: Tensor(shape: [1, 2], data: [0, Float(log(3.0))]),
                                           distance: Tensor(shape: [1, 1], data: [2]), classes: [1], distances: [1],
                                           distanceWeight: 0.25)
        XCTAssertEqual(Double(result.crossEntropy), -log(0.75), accuracy: 1e-6)
        XCTAssertEqual(result.meanSquaredError, 1, accuracy: 1e-6)
        XCTAssertEqual(Double(result.total), -log(0.75) + 0.25, accuracy: 1e-6)
        let huge = DualHeadLoss.evaluate(logits: Tensor(shape: [1, 2], data: [1000, -1000]), distance: Tensor(shape: [1, 1], data: [0]),
                                         classes: [1], distances: [0], distanceWeight: 0.25)
        XCTAssertEqual(huge.crossEntropy, 2000, accuracy: 1e-2, "log-softmax stays finite for extreme logits")
    }

    func testTinySmallCNNEndToEnd() {
        checkEndToEnd(standardisation: nil)
    }

    /// With standardised input the first conv's border holds a non-zero value and the input
    /// gradient is scaled per channel: both must still be the true derivatives.
    func testTinySmallCNNWithStandardisedInputEndToEnd() {
        checkEndToEnd(standardisation: InputStandardisation(mean: [0.8, 0.6, 0.9], std: [0.2, 0.1, 0.3]))
    }

    func checkEndToEnd(standardisation: InputStandardisation?, file: StaticString = #filePath, line: UInt = #line) {
        let model = SmallCNN(architecture: SmallCNNArchitecture(inputSize: 8, channels: [2, 3, 4], classHidden: 5, distanceHidden: 3, classes: 26,
                                                                inputStandardisation: standardisation), seed: 3)
        let x = randomTensor([2, 3, 8, 8])
        let classes = [3, 17], targets: [Float] = [1.5, 4]
        func loss(_ input: Tensor) -> (Float, Tensor, Tensor) {
            let (logits, distance) = model.forward(input, training: true)
            let l = DualHeadLoss.evaluate(logits: logits, distance: distance, classes: classes, distances: targets, distanceWeight: 0.25)
            return (l.total, l.logitsGradient, l.distanceGradient)
        }
        let (_, dl, dd) = loss(x)
        model.zeroGradients()
        let dx = model.backward(logitsGradient: dl, distanceGradient: dd, inputGradient: true)!
        let grads = model.parameters.map(\.grad)
        // Directional derivatives along a random direction per tensor: single entries would
        // often cross a ReLU or max-pool kink, a whole direction averages those few out.
        func directional(_ name: String, _ x: Tensor, _ g: Tensor, _ evaluate: (Tensor) -> Double) {
            let v = randomTensor(x.shape)
            let h: Float = 1e-3
            var plus = x, minus = x
            for i in x.data.indices { plus.data[i] += h * v.data[i]; minus.data[i] -= h * v.data[i] }
            let numeric = (evaluate(plus) - evaluate(minus)) / Double(2 * h)
            let analytic = dot(g, v)
            XCTAssertEqual(numeric, analytic, accuracy: max(0.03 * abs(analytic), 2e-3), name, file: file, line: line)
        }
        directional("model input", x, dx) { Double(loss($0).0) }
        for (p, g) in zip(model.parameters, grads) {
            directional(p.name, p.value, g) { v in
                let saved = p.value
                p.value = v
                defer { p.value = saved }
                return Double(loss(x).0)
            }
        }
    }
}
