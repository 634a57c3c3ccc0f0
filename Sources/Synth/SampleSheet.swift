import Canvas

/// A contact sheet of generated samples: one row per letter, `perLetter` samples each, with
/// the letter and family name on the left. Drawn with the same renderer as the data set, so
/// it shows exactly what training sees.
public enum SampleSheet {
    public static func render(config: DataConfig, seed: UInt64, perLetter: Int, tile: Int = 96) throws -> RGBImage {
        let renderer = try SampleRenderer(config: config, seed: seed)
        let label = 150, gap = 4
        let width = label + perLetter * (tile + gap)
        let height = Letters.count * (tile + gap) + gap
        let canvas = try ImageCanvas(width: width, height: height, background: .white)
        for letter in 0..<Letters.count {
            let top = Double(gap + letter * (tile + gap))
            canvas.setColor(.black)
            canvas.text(Letters.all[letter], x: 10, y: top + Double(tile) / 2 + 4, size: 26, bold: true)
            canvas.setColor(Color(bytes: 90, 90, 90))
            canvas.text(config.families.family(forLetter: letter).name, x: 42, y: top + Double(tile) / 2 + 2, size: 11)
            for column in 0..<perLetter {
                let image = renderer.render(renderer.plan(letter: letter, index: column))
                canvas.draw(image, x: Double(label + column * (tile + gap)), y: top, width: Double(tile), height: Double(tile))
            }
        }
        return canvas.rgbImage()
    }
}
