import XCTest
@testable import NN

/// A model file's header can claim any architecture and any tensors: each claim is checked
/// before anything is allocated or used.
final class ModelChecksTests: XCTestCase {
    let small = SmallCNNArchitecture(inputSize: 16, channels: [2, 3, 4], classHidden: 5, distanceHidden: 3)

    private func withHeader(_ json: String, data: Int) -> [UInt8] {
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        return bytes + header + [UInt8](repeating: 0, count: data)
    }

    private func problem(_ bytes: [UInt8]) -> String? {
        do { _ = try SafeTensors.decode(bytes, source: "m.safetensors"); return nil } catch { return "\(error)" }
    }

    func testArchitectureNumbersMustBePositiveAndBounded() {
        var a = small
        XCTAssertNil(a.problem)
        a.channels = [-3, 4, 4]
        XCTAssertEqual(a.problem, "its channels [-3, 4, 4] are not 3 counts between 1 and 4096")
        a.channels = [4, 4]
        XCTAssertEqual(a.problem, "it has 2 conv blocks; a SmallCNN has 3")
        a = small
        a.inputSize = 1 << 40
        XCTAssertEqual(a.problem, "its input size 1099511627776 is not a multiple of 8 between 8 and 4096")
        a = small
        a.classHidden = 0
        XCTAssertEqual(a.problem, "its class_hidden 0 is not between 1 and 65536")
        a = SmallCNNArchitecture(inputSize: 4096, channels: [4096, 4096, 4096], classHidden: 65536, distanceHidden: 65536)
        XCTAssertEqual(a.problem, "it would have more than 2147483648 weights")
    }

    func testStandardisationMustHaveThreeFiniteMeansAndPositiveStds() {
        var a = small
        a.inputStandardisation = try! JSONDecoder().decode(InputStandardisation.self, from: Data(#"{"mean":[0.5],"std":[0.2,0.2,0.2]}"#.utf8))
        XCTAssertEqual(a.problem, "its input standardisation has 1 means and 3 standard deviations; it needs 3 of each")
        a.inputStandardisation = try! JSONDecoder().decode(InputStandardisation.self, from: Data(#"{"mean":[0.5,0.5,0.5],"std":[0.2,0,0.2]}"#.utf8))
        XCTAssertTrue(a.problem!.contains("standard deviation outside [0.0001, 10000]"), a.problem!)
    }

    func testWeightsThatAreNotFiniteAreRefusedNamingTheTensor() throws {
        let model = SmallCNN(architecture: small, seed: 1)
        var tensors = Dictionary(uniqueKeysWithValues: model.stateTensors().map { ($0.name, $0.tensor) })
        tensors["dist_head.2.bias"]!.data[0] = .nan
        XCTAssertThrowsError(try SmallCNN(architecture: small, seed: 2).load(tensors)) { error in
            XCTAssertEqual("\(error)", "\"dist_head.2.bias\" holds a value that is not a finite number (nan at index 0)")
        }
    }

    func testAShapeThatDisagreesIsRefusedBeforeTheModelIsBuilt() {
        let huge = SmallCNNArchitecture(inputSize: 4096, channels: [8, 8, 8], classHidden: 64, distanceHidden: 8)
        XCTAssertThrowsError(try huge.check(["features.0.weight": Tensor(zeros: [1])])) { error in
            XCTAssertEqual("\(error)", "\"features.0.weight\" has shape [1], but this model needs [8, 3, 3, 3]")
        }
    }

    func testMemoryEstimateGrowsWithTheInputAndStaysFiniteForAbsurdModels() {
        let base = SmallCNNArchitecture().memoryEstimate(batch: 32, training: true)
        XCTAssertGreaterThan(base, 100e6)
        XCTAssertLessThan(base, 4e9)
        let absurd = SmallCNNArchitecture(inputSize: 1024, channels: [1024, 1024, 1024]).memoryEstimate(batch: 32, training: true)
        XCTAssertGreaterThan(absurd, 1e11, "1024 px with 1024 channels needs hundreds of gigabytes")
        XCTAssertTrue(absurd.isFinite)
    }

    func testARepeatedKeyInTheHeaderIsRefused() {
        let json = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        XCTAssertEqual(problem(withHeader(json, data: 4)), "m.safetensors is not a valid safetensors file: its header repeats the key \"x\" in one object")
        let meta = #"{"__metadata__":{"a":"1","a":"2"}}"#
        XCTAssertTrue(problem(withHeader(meta, data: 0))!.contains("repeats the key \"a\""))
    }

    func testDeeplyNestedHeadersAndHugeNumbersAreErrors() {
        let deep = "{\"x\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        XCTAssertTrue(problem(withHeader(deep, data: 0))!.contains("nests deeper than 64 levels"))
        let hugeOffset = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[1e300,4]}}"#
        XCTAssertTrue(problem(withHeader(hugeOffset, data: 4))!.contains("lie outside"))
        let fraction = #"{"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#
        XCTAssertTrue(problem(withHeader(fraction, data: 4))!.contains("invalid dimension"))
    }

    func testManyEntriesOnOneRangeAreRefusedBeforeAllocating() {
        let entries = (0..<1000).map { #""t\#($0)":{"dtype":"F32","shape":[1024],"data_offsets":[0,4096]}"# }
        XCTAssertTrue(problem(withHeader("{" + entries.joined(separator: ",") + "}", data: 4096))!.contains("overlap"))
    }
}
