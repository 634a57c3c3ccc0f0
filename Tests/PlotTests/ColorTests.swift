import Canvas
import XCTest
@testable import Plot

final class ColorTests: XCTestCase {
    func testViridisAndInfernoMatchMatplotlib() {
        XCTAssertEqual(ColorMap.viridis.colors.count, 256)
        XCTAssertEqual(ColorMap.inferno.colors.count, 256)
        XCTAssertEqual(ColorMap.viridis.color(at: 0).hex, "#440154")
        XCTAssertEqual(ColorMap.viridis.color(at: 1).hex, "#fde725")
        XCTAssertEqual(ColorMap.viridis.color(at: 0.5).hex, "#21918c", "matplotlib: viridis(0.5) = #21918c")
        XCTAssertEqual(ColorMap.inferno.color(at: 0).hex, "#000004")
        XCTAssertEqual(ColorMap.inferno.color(at: 1).hex, "#fcffa4")
        XCTAssertEqual(ColorMap.inferno.color(at: 0.5).hex, "#bc3754", "matplotlib: inferno(0.5) = #bc3754")
    }

    func testColorMapClampsAndMapsDomains() {
        let map = ColorMap.viridis
        XCTAssertEqual(map.color(at: -3), map.colors[0])
        XCTAssertEqual(map.color(at: 7), map.colors[255])
        XCTAssertEqual(map.color(at: .nan), map.colors[0])
        XCTAssertEqual(map.color(for: 10, in: 10...20), map.colors[0])
        XCTAssertEqual(map.color(for: 20, in: 10...20), map.colors[255])
        let image = map.image([[0, 1], [.nan, 0.5]])!
        XCTAssertEqual(image.width, 2)
        XCTAssertEqual(image.height, 2)
        XCTAssertTrue(image[0, 0] == (0x44, 0x01, 0x54))
        XCTAssertTrue(image[1, 0] == (0xfd, 0xe7, 0x25))
        XCTAssertTrue(image[0, 1] == (0xee, 0xee, 0xee), "NaN is drawn in the missing-value grey")
    }

    func testCategoricalPaletteHas26DistinctColoursReadableOnWhite() {
        let palette = Palette.categorical26
        XCTAssertEqual(palette.count, 26)
        XCTAssertEqual(Set(palette.map(\.hex)).count, 26, "all distinct")
        for color in palette {
            // Contrast against white of at least 1.9:1 (relative luminance ≤ 0.5): no pastel
            // or near-white colour that vanishes on the page.
            XCTAssertLessThanOrEqual(color.relativeLuminance, 0.5, "\(color.hex) is too light for a white page")
        }
        // Pairwise: no two colours nearly the same (Euclidean distance in 8-bit RGB).
        for i in palette.indices {
            for j in palette.indices where j > i {
                let a = palette[i], b = palette[j]
                let d = ((a.red - b.red) * (a.red - b.red) + (a.green - b.green) * (a.green - b.green) + (a.blue - b.blue) * (a.blue - b.blue)).squareRoot() * 255
                XCTAssertGreaterThan(d, 50, "\(a.hex) and \(b.hex) are too alike")
            }
        }
        XCTAssertEqual(Palette.color(forClass: 27), palette[1])
    }

    func testHexRoundTripAndContrastingText() {
        XCTAssertEqual(Color(hex: "#1f77b4")?.hex, "#1f77b4")
        XCTAssertNil(Color(hex: "#12345"))
        XCTAssertEqual(ColorMap.viridis.color(at: 0).contrastingText, .white)
        XCTAssertNotEqual(ColorMap.viridis.color(at: 1).contrastingText, .white)
        XCTAssertNotEqual(Color.white.contrastingText, .white)
    }
}
