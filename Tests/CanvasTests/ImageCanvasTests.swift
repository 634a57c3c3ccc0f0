import XCTest
@testable import Canvas

final class ImageCanvasTests: XCTestCase {
    func testFilledRectangleLandsOnExactPixels() throws {
        let canvas = try ImageCanvas(width: 40, height: 30, background: .white)
        canvas.setAntialias(false)
        canvas.setColor(Color(bytes: 200, 10, 30))
        canvas.rectangle(x: 10, y: 5, width: 20, height: 10)
        canvas.fill()
        let image = canvas.rgbImage()

        XCTAssertEqual(image.width, 40)
        XCTAssertEqual(image.height, 30)
        var inside = 0
        for y in 0..<30 {
            for x in 0..<40 {
                let p = image[x, y]
                let expectedInside = (10..<30).contains(x) && (5..<15).contains(y)
                if expectedInside {
                    XCTAssertTrue(p == (200, 10, 30), "pixel (\(x),\(y)) should be red, got \(p)")
                    inside += 1
                } else {
                    XCTAssertTrue(p == (255, 255, 255), "pixel (\(x),\(y)) should be white, got \(p)")
                }
            }
        }
        XCTAssertEqual(inside, 200)
    }

    func testRotationTurnsAHorizontalBarVertical() throws {
        let canvas = try ImageCanvas(width: 64, height: 64, background: .white)
        canvas.setColor(.black)
        canvas.translate(x: 32, y: 32)
        canvas.rotate(radians: .pi / 2)
        canvas.rectangle(x: -20, y: -2, width: 40, height: 4)
        canvas.fill()
        let image = canvas.rgbImage()
        XCTAssertEqual(image[32, 16].r, 0, "the bar now runs along the vertical axis")
        XCTAssertEqual(image[16, 32].r, 255, "and no longer along the horizontal one")
    }

    func testPNGRoundTripIsLossless() throws {
        var image = RGBImage(width: 17, height: 9)
        for i in image.pixels.indices { image.pixels[i] = UInt8((i * 37) % 256) }
        for compression in [PNG.Compression.fast, .small, .huffmanOnly, .init(level: 0, filter: 0)] {
            let bytes = try PNG.encode(image, compression: compression)
            XCTAssertEqual(Array(bytes.prefix(8)), [137, 80, 78, 71, 13, 10, 26, 10])
            XCTAssertEqual(try PNG.decode(bytes), image)
        }
    }

    func testCanvasSavedAsPNGReadsBackWithTheSamePixels() throws {
        let canvas = try ImageCanvas(width: 32, height: 32, background: Color(bytes: 0, 0, 255))
        canvas.setColor(.white)
        canvas.arc(cx: 16, cy: 16, radius: 8, start: 0, end: 2 * .pi)
        canvas.fill()
        let path = NSTemporaryDirectory() + "canvas-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PNG.write(canvas.rgbImage(), to: path)
        let back = try PNG.read(path: path)
        XCTAssertEqual(back, canvas.rgbImage())
        XCTAssertTrue(back[16, 16] == (255, 255, 255), "the disc's centre is white")
        XCTAssertTrue(back[1, 1] == (0, 0, 255), "the corner keeps the blue background")
    }

    func testGarbageAndTruncatedPNGAreErrorsNotCrashes() throws {
        XCTAssertThrowsError(try PNG.decode([1, 2, 3], source: "x.png")) { error in
            XCTAssertEqual((error as? CanvasError)?.description,
                           "Cannot read the PNG image x.png: not a PNG file (bad signature).")
        }
        let bytes = try PNG.encode(RGBImage(width: 50, height: 50, fill: (1, 2, 3)))
        XCTAssertThrowsError(try PNG.decode(Array(bytes.prefix(bytes.count / 2)), source: "half.png")) { error in
            guard case .unreadablePNG(let source, _)? = error as? CanvasError else {
                return XCTFail("expected unreadablePNG, got \(error)")
            }
            XCTAssertEqual(source, "half.png")
        }
        XCTAssertThrowsError(try PNG.read(path: "/nonexistent/file.png")) { error in
            XCTAssertEqual((error as? CanvasError)?.description, "Cannot access /nonexistent/file.png: no such file.")
        }
    }
}

final class CoverageCanvasTests: XCTestCase {
    func testCoverageCountsDrawnPixelsAndClearEmptiesIt() throws {
        let canvas = try ImageCanvas.coverage(width: 20, height: 10)
        XCTAssertEqual(canvas.coverage(), [UInt8](repeating: 0, count: 200))
        canvas.setAntialias(false)
        canvas.rectangle(x: 2, y: 3, width: 5, height: 4)
        canvas.fill()
        let covered = canvas.coverage()
        XCTAssertEqual(covered.filter { $0 == 255 }.count, 20)
        XCTAssertEqual(covered[3 * 20 + 2], 255)
        XCTAssertEqual(covered[2 * 20 + 2], 0)
        canvas.translate(x: 5, y: 5)
        canvas.clear()
        XCTAssertEqual(canvas.coverage(), [UInt8](repeating: 0, count: 200))
        canvas.setAntialias(false)
        canvas.rectangle(x: 0, y: 0, width: 1, height: 1)
        canvas.fill()
        XCTAssertEqual(canvas.coverage()[0], 255, "clear() also resets the transform")
    }
}
