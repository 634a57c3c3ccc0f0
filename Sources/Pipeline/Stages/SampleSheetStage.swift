import Canvas
import Configuration
import Synth

/// `asl-lab samples`: the first samples of every letter as one contact sheet PNG, drawn
/// exactly as `generate` draws them.
public enum SampleSheetStage {
    /// Draws the sheet for `config` into `path`; returns one sentence on it.
    public static func write(config: EffectiveConfig, to path: String, perLetter: Int, tile: Int) throws -> String {
        let typed = Config(config)
        let sheet = try SampleSheet.render(config: typed.data, seed: typed.dataSeed, perLetter: perLetter, tile: tile)
        try PNG.write(sheet, to: path, compression: .small)
        return "Wrote \(sheet.width)×\(sheet.height) px sample sheet: \(path)"
    }
}
