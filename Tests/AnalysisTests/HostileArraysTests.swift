import Analysis
import XCTest

/// .npy files and t-SNE inputs built to be wrong or extreme: an error naming the file or row,
/// or a correct map, never a trap.
final class HostileArraysTests: XCTestCase {
    private func problem(_ bytes: [UInt8]) -> String {
        do { _ = try NumPyArray.decode(bytes, source: "bad.npy"); return "accepted" } catch { return "\(error)" }
    }

    /// A version 1.0 .npy with this header text and `data` bytes after it.
    private func npy(_ header: String, data: Int) -> [UInt8] {
        var text = header
        while (10 + text.utf8.count + 1) % 64 != 0 { text += " " }
        text += "\n"
        let length = UInt16(text.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(text.utf8) + [UInt8](repeating: 0, count: data)
    }

    func testAFloat64ArrayNamesItsTypeAndHowToConvert() {
        XCTAssertEqual(problem(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", data: 32)),
                       "bad.npy: its dtype is <f8 (float64); asl-lab reads float32 ('<f4') and int32 ('<i4'): convert it with numpy.save(path, numpy.load(path).astype(numpy.float32)).")
        XCTAssertTrue(problem(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", data: 8)).contains("big-endian"))
    }

    func testShapesWhoseByteCountOverflowsAreErrors() {
        XCTAssertEqual(problem(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }", data: 8)),
                       "bad.npy: its shape (4611686018427387904,) describes more bytes than any file holds.")
        XCTAssertEqual(problem(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3037000500, 3037000500), }", data: 8)),
                       "bad.npy: its shape (3037000500, 3037000500) describes more bytes than any file holds.")
        XCTAssertTrue(problem(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }", data: 8)).contains("not a list of sizes"))
    }

    func testAHeaderClaimingMoreThanTheFileHasIsTruncation() {
        var bytes = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data: 8)
        bytes[6] = 2 // version 2.0: a 4-byte header length
        bytes[8] = 0xFF; bytes[9] = 0xFF; bytes[10] = 0xFF; bytes[11] = 0x7F
        XCTAssertTrue(problem(bytes).contains("its header is truncated: it claims 2147483647 bytes"), problem(bytes))
    }

    func testAnArrayThatIsAFIFOIsNotARegularFile() throws {
        let path = NSTemporaryDirectory() + "fifo-\(UUID().uuidString).npy"
        XCTAssertEqual(mkfifo(path, 0o644), 0)
        defer { unlink(path) }
        XCTAssertThrowsError(try NumPyArray.read(path: path)) { error in
            XCTAssertEqual("\(error)", "\(path): it is a FIFO (named pipe), not a regular file.")
        }
    }
}

/// t-SNE on finite values far from 1: the same map (scaled back by a power of two), never a
/// trap in the quadtree's integer conversions.
extension TSNETests {
    private func scaled(_ scale: Float) -> (x: [Float], labels: [Int]) {
        let (x, labels) = clustered(clusters: 3, size: 40, d: 8)
        return (x.map { $0 * scale }, labels)
    }

    func testHugeFiniteValuesAreMappedLikeModerateOnes() throws {
        let options = TSNE.Options(perplexity: 10, iterations: 400, seed: 1, threads: 1)
        var maps: [[Float]] = []
        // Powers of two near 1e20, 1e30 and 1e36 are scaled back exactly: one map for all three
        // (the data reach ±40, so 3e36 brings them near float's largest value, 3.4e38).
        for scale: Float in [0x1p66, 0x1p100, 0x1p120, 1e20, 1e30, 3e36] {
            let (x, labels) = scaled(scale)
            let map = try TSNE.embed(x, rows: labels.count, columns: 8, options: options).embedding
            XCTAssertTrue(map.allSatisfy(\.isFinite), "scale \(scale)")
            XCTAssertGreaterThan(neighbourPurity(map, labels: labels), 0.8, "scale \(scale)")
            maps.append(map)
        }
        XCTAssertEqual(maps[0], maps[1])
        XCTAssertEqual(maps[0], maps[2])
    }

    func testValuesNearFloatMaximumAndMixedMagnitudesDoNotTrap() throws {
        var (x, labels) = scaled(1)
        x[0] = 3e38
        x[5] = -3e38
        x[9] = 1e-30
        let options = TSNE.Options(perplexity: 10, iterations: 100, seed: 1, threads: 2)
        XCTAssertTrue(try TSNE.embed(x, rows: labels.count, columns: 8, options: options).embedding.allSatisfy(\.isFinite))
        let tiny = scaled(1e-30)
        XCTAssertTrue(try TSNE.embed(tiny.x, rows: labels.count, columns: 8, options: options).embedding.allSatisfy(\.isFinite))
    }
}

extension TSNETests {
    func testAShapeWhoseProductOverflowsIsAnErrorNotATrap() {
        let n = 1 << 40
        XCTAssertThrowsError(try TSNE.embed([1, 2], rows: n, columns: n, options: TSNE.Options(threads: 1))) { error in
            XCTAssertEqual("\(error)", "The matrix should hold \(n) × \(n) values but holds 2.")
        }
    }
}
