import Analysis
import Interrupt
import XCTest

final class TSNETests: XCTestCase {
    /// `clusters` Gaussian clusters of `size` points in `d` dimensions, centres 10 apart per axis.
    func clustered(clusters: Int = 5, size: Int = 60, d: Int = 20, seed: UInt64 = 1) -> (x: [Float], labels: [Int]) {
        var state = seed
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        func normal() -> Double { (-2 * log(max(uniform(), 1e-12))).squareRoot() * cos(2 * .pi * uniform()) }
        let centres = (0..<clusters).map { _ in (0..<d).map { _ in normal() * 10 } }
        var x: [Float] = [], labels: [Int] = []
        for i in 0..<(clusters * size) {
            let c = i % clusters
            x += (0..<d).map { Float(centres[c][$0] + normal()) }
            labels.append(c)
        }
        return (x, labels)
    }

    /// Fraction of each point's 10 nearest map neighbours that share its cluster.
    func neighbourPurity(_ y: [Float], labels: [Int], k: Int = 10) -> Double {
        let n = labels.count
        var same = 0
        for i in 0..<n {
            let nearest = (0..<n).filter { $0 != i }.sorted {
                let a = pow(y[2 * $0] - y[2 * i], 2) + pow(y[2 * $0 + 1] - y[2 * i + 1], 2)
                let b = pow(y[2 * $1] - y[2 * i], 2) + pow(y[2 * $1 + 1] - y[2 * i + 1], 2)
                return a != b ? a < b : $0 < $1
            }.prefix(k)
            same += nearest.filter { labels[$0] == labels[i] }.count
        }
        return Double(same) / Double(n * k)
    }

    func testClustersStayApartAndKLFalls() throws {
        let (x, labels) = clustered()
        var options = TSNE.Options(perplexity: 30, iterations: 500, seed: 3, threads: 2)
        options.klEvery = 50
        let result = try TSNE.embed(x, rows: labels.count, columns: 20, options: options)
        XCTAssertEqual(result.embedding.count, 2 * labels.count)
        XCTAssertTrue(result.embedding.allSatisfy(\.isFinite))
        let trust = Trustworthiness.score(input: x, columns: 20, map: result.embedding, mapColumns: 2, k: 10, threads: 2)
        XCTAssertGreaterThan(trust, 0.95)
        XCTAssertGreaterThan(neighbourPurity(result.embedding, labels: labels), 0.95)
        // KL after early exaggeration (iteration 250 on) falls, and ends below where it started.
        let late = result.klHistory.filter { $0.0 > 250 }.map(\.1)
        XCTAssertGreaterThan(late.count, 3)
        XCTAssertLessThan(late.last!, late.first!)
        XCTAssertEqual(result.klDivergence, late.last!, accuracy: 1e-9)
        XCTAssertNil(result.note)
    }

    func testAStopRequestEndsTheIterations() throws {
        let (x, labels) = clustered(size: 30)
        var options = TSNE.Options(perplexity: 10, iterations: 300, seed: 7, threads: 2)
        options.stop = StopRequest()
        options.stop?.request()
        XCTAssertThrowsError(try TSNE.embed(x, rows: labels.count, columns: 20, options: options)) { error in
            XCTAssertEqual(error as? TSNEError, .interrupted)
        }
    }

    func testSameSeedAndThreadsGiveTheSameBytes() throws {
        let (x, labels) = clustered(size: 30)
        let options = TSNE.Options(perplexity: 10, iterations: 300, seed: 7, threads: 2)
        let a = try TSNE.embed(x, rows: labels.count, columns: 20, options: options)
        let b = try TSNE.embed(x, rows: labels.count, columns: 20, options: options)
        XCTAssertEqual(a.embedding, b.embedding)
        XCTAssertEqual(a.klDivergence, b.klDivergence)
    }

    func testTrustworthinessOfPerfectAndScrambledMaps() {
        let (x, labels) = clustered(size: 20, d: 2)
        XCTAssertEqual(Trustworthiness.score(input: x, columns: 2, map: x, mapColumns: 2, k: 5, threads: 1), 1, accuracy: 1e-12)
        // A map that swaps points between clusters destroys neighbourhoods.
        var scrambled = x
        for i in 0..<labels.count { let j = (i * 37 + 11) % labels.count; scrambled.swapAt(2 * i, 2 * j); scrambled.swapAt(2 * i + 1, 2 * j + 1) }
        XCTAssertLessThan(Trustworthiness.score(input: x, columns: 2, map: scrambled, mapColumns: 2, k: 5, threads: 1), 0.8)
    }

    func testEdgeCases() throws {
        let options = TSNE.Options(perplexity: 30, iterations: 100, seed: 1, threads: 1)
        // Too few points for the perplexity: lowered, and said.
        let (x, labels) = clustered(clusters: 2, size: 10, d: 5)
        let small = try TSNE.embed(x, rows: labels.count, columns: 5, options: options)
        XCTAssertEqual(small.perplexity, 19.0 / 3, accuracy: 1e-9)
        XCTAssertTrue(small.note?.contains("perplexity lowered from 30.0 to 6.33") == true, small.note ?? "")
        XCTAssertTrue(small.embedding.allSatisfy(\.isFinite))
        // A perplexity of 10³⁰ (3·perplexity neighbours is more than an Int holds): lowered the same way.
        var huge = options
        huge.perplexity = 1e30
        let lowered = try TSNE.embed(x, rows: labels.count, columns: 5, options: huge)
        XCTAssertEqual(lowered.perplexity, 19.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(lowered.embedding, small.embedding)
        // Duplicates and constant columns stay finite.
        var duplicated = [Float](repeating: 1, count: 40 * 4)
        for i in 20..<40 { duplicated[i * 4] = 5 }
        let dup = try TSNE.embed(duplicated, rows: 40, columns: 4, options: options)
        XCTAssertTrue(dup.embedding.allSatisfy(\.isFinite))
        XCTAssertTrue(dup.klDivergence.isFinite)
        // One and two points.
        XCTAssertEqual(try TSNE.embed([1, 2, 3], rows: 1, columns: 3, options: options).embedding, [0, 0])
        XCTAssertEqual(try TSNE.embed([1, 2, 3, 4, 5, 6], rows: 2, columns: 3, options: options).embedding.count, 4)
        // Errors name what is wrong.
        XCTAssertThrowsError(try TSNE.embed([], rows: 0, columns: 3, options: options)) { XCTAssertEqual($0 as? TSNEError, .empty) }
        var bad = x
        bad[3 * 5 + 2] = .nan
        XCTAssertThrowsError(try TSNE.embed(bad, rows: labels.count, columns: 5, options: options)) { error in
            XCTAssertEqual("\(error)", "Row 3 (counting from 0) holds a NaN or infinite value in column 2; t-SNE needs finite numbers.")
        }
    }

    func testPCAFindsTheLongAxis() {
        // Points along (1, 1, 0) with a little spread along (1, −1, 0): the first component is the long axis.
        var x: [Float] = []
        for i in 0..<50 {
            let t = Float(i - 25), s = Float(i % 2 == 0 ? 0.5 : -0.5)
            x += [t + s, t - s, 3]
        }
        let (map, explained) = PCA.project2(x, rows: 50, columns: 3)
        XCTAssertGreaterThan(explained[0], 0.99)
        XCTAssertEqual(explained[0] + explained[1], 1, accuracy: 1e-6)
        let spread0 = map.enumerated().filter { $0.offset % 2 == 0 }.map { abs($0.element) }.max()!
        XCTAssertEqual(Double(spread0), 24.5 * 2.0.squareRoot(), accuracy: 0.01, "t runs −25 … 24, mean −0.5: the farthest point is 24.5·√2 along (1, 1)/√2")
    }
}
