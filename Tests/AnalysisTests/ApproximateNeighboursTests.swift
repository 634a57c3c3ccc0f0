@testable import Analysis
import SeededRandom
import XCTest

/// The k-means inverted-file search against the exact one.
final class ApproximateNeighboursTests: XCTestCase {
    /// `clusters` Gaussian clusters in `d` dimensions, of unequal spread, that partly overlap.
    func points(n: Int, d: Int, clusters: Int, seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        func normal() -> Float { Float((-2 * log(max(random.unit(), 1e-12))).squareRoot() * cos(2 * .pi * random.unit())) }
        let centres = (0..<(clusters * d)).map { _ in normal() * 2 }
        return (0..<(n * d)).map { t in
            let c = (t / d) % clusters
            return centres[c * d + t % d] + (0.5 + Float(c) / Float(clusters)) * normal()
        }
    }

    func testFindsNearlyAllExactNeighboursWithTheirTrueDistances() {
        let (n, d, k) = (4000, 24, 30)
        let x = points(n: n, d: d, clusters: 8, seed: 2)
        let exact = NearestNeighbours.exact(x, rows: n, columns: d, k: k, threads: 2)
        let found = ApproximateNeighbours.search(x, rows: n, columns: d, k: k, threads: 2, options: .forPoints(n))
        XCTAssertGreaterThan(ApproximateNeighbours.recall(found: found.indices, exact: exact.indices, rows: n, k: k), 0.98)
        for i in stride(from: 0, to: n, by: 37) {
            let row = Array(found.indices[(i * k)..<((i + 1) * k)])
            XCTAssertEqual(Set(row).count, k, "row \(i): k different neighbours")
            XCTAssertFalse(row.contains(Int32(i)), "row \(i) lists itself")
            for rank in 0..<k {
                let j = Int(row[rank])
                let truth = (0..<d).reduce(Float(0)) { $0 + pow(x[i * d + $1] - x[j * d + $1], 2) }
                XCTAssertEqual(found.distances[i * k + rank], truth, accuracy: 1e-3 * max(truth, 1), "row \(i), rank \(rank)")
                if rank > 0 { XCTAssertLessThanOrEqual(found.distances[i * k + rank - 1], found.distances[i * k + rank]) }
            }
        }
    }

    func testThreadsDoNotChangeTheResult() {
        let (n, d, k) = (3000, 16, 20)
        let x = points(n: n, d: d, clusters: 5, seed: 9)
        let one = ApproximateNeighbours.search(x, rows: n, columns: d, k: k, threads: 1, options: .forPoints(n, seed: 4))
        let two = ApproximateNeighbours.search(x, rows: n, columns: d, k: k, threads: 2, options: .forPoints(n, seed: 4))
        XCTAssertEqual(one.indices, two.indices)
        XCTAssertEqual(one.distances, two.distances)
    }

    /// Many small cells and one probe: cells that hold fewer than k other points are searched
    /// with further cells, so every row still gets k real neighbours.
    func testSmallCellsStillGiveKNeighbours() {
        let (n, d, k) = (300, 8, 40)
        let x = points(n: n, d: d, clusters: 3, seed: 5)
        let found = ApproximateNeighbours.search(x, rows: n, columns: d, k: k, threads: 2,
                                                 options: ApproximateNeighbours.Options(cells: 60, probes: 1))
        for i in 0..<n {
            let row = found.indices[(i * k)..<((i + 1) * k)]
            XCTAssertEqual(Set(row).count, k, "row \(i)")
            XCTAssertFalse(row.contains(Int32(i)), "row \(i) lists itself")
        }
    }

    /// Above `exactUpTo` points t-SNE uses the approximate search and says so; forced on a
    /// small clustered set, the map keeps its clusters.
    func testTSNEWithApproximateNeighboursKeepsClustersApart() throws {
        let (n, d) = (1200, 20)
        let x = points(n: n, d: d, clusters: 6, seed: 11)
        let result = try TSNE.embed(x, rows: n, columns: d, options: TSNE.Options(iterations: 400, seed: 1, threads: 2, neighbours: .approximate))
        XCTAssertEqual(result.neighbours, .approximate)
        XCTAssertGreaterThan(Trustworthiness.score(input: x, columns: d, map: result.embedding, mapColumns: 2, k: 10, threads: 2), 0.9)
        XCTAssertEqual(TSNE.NeighbourSearch.auto.resolved(points: TSNE.NeighbourSearch.exactUpTo), .exact)
        XCTAssertEqual(TSNE.NeighbourSearch.auto.resolved(points: TSNE.NeighbourSearch.exactUpTo + 1), .approximate)
        XCTAssertEqual(try TSNE.embed(x, rows: n, columns: d, options: TSNE.Options(iterations: 10, threads: 2)).neighbours, .exact)
    }
}
