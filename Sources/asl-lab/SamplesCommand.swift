import ArgumentParser
import Pipeline

struct SamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples",
        abstract: "Draw a contact sheet PNG: the first samples of every letter, exactly as `generate` draws them.")

    @OptionGroup var options: ConfigOptions<DataKey>

    @Option(help: ArgumentHelp("The PNG file to write.", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("Samples per letter (columns).", valueName: "n"))
    var perLetter = 8

    @Option(help: ArgumentHelp("Side of each sample tile in the sheet, pixels.", valueName: "px"))
    var tile = 96

    func validate() throws {
        guard (1...50).contains(perLetter) else { throw ValidationError("--per-letter must be between 1 and 50, but got \(perLetter).") }
        guard (16...512).contains(tile) else { throw ValidationError("--tile must be between 16 and 512 pixels, but got \(tile).") }
    }

    func run() throws {
        print(try SampleSheetStage.write(config: try options.load(), to: out, perLetter: perLetter, tile: tile))
    }
}
