import Analysis
import AtomicIO
import Canvas
import Configuration
import FileFormats
import Foundation
import NN
import Pipeline
import Report
import Synth
import Training
import ZIPFoundation

/// What a parser did with one input.
enum FuzzOutcome {
    case accepted
    /// Refused with this message; `namesTheInput` says whether it names the file (or, for a
    /// config rule spanning keys, the keys).
    case refused(message: String, namesTheInput: Bool)
}

/// One parser under fuzzing: valid inputs made by the project's own writers, how to mutate
/// them, and the call the tool makes to read such a file.
struct FuzzTarget: Sendable {
    var name: String
    var text: Bool
    var seeds: @Sendable () throws -> [[UInt8]]
    /// The input of one run; by default a mutation of a seed.
    var makeInput: @Sendable ([[UInt8]], inout FuzzRandom) -> [UInt8]
    /// Reads `input` as the tool reads such a file; `work` is a private scratch folder.
    var parse: @Sendable (_ input: [UInt8], _ work: String) -> FuzzOutcome

    init(name: String, text: Bool, seeds: @escaping @Sendable () throws -> [[UInt8]],
         makeInput: (@Sendable ([[UInt8]], inout FuzzRandom) -> [UInt8])? = nil,
         parse: @escaping @Sendable (_ input: [UInt8], _ work: String) -> FuzzOutcome) {
        self.name = name
        self.text = text
        self.seeds = seeds
        self.makeInput = makeInput ?? { seeds, random in
            Mutator.mutate(random.pick(seeds), seeds: seeds, text: text, random: &random)
        }
        self.parse = parse
    }

    /// `body`'s outcome: accepted, or refused with a message that must name `file`.
    static func outcome(naming file: String, _ body: () throws -> Void) -> FuzzOutcome {
        do {
            try body()
            return .accepted
        } catch {
            let message = "\(error)"
            return .refused(message: message, namesTheInput: !message.isEmpty && message.contains(file))
        }
    }

    static func write(_ bytes: [UInt8], _ path: String) -> Bool {
        (try? AtomicFile.write(Data(bytes), to: path)) != nil
    }
}

extension FuzzTarget {
    static let all: [FuzzTarget] = [labelsCSV, folderLabels, labelsWorkbook, png, model, numPy, config, templates, trainingSteps]

    /// Label rows with the letters, distances and path spellings the writer produces.
    static let rows: [LabelRow] = (0..<40).map { i in
        let letter = Letters.all[i % 26]
        let path = i == 7 ? "odd, \"name\"/\(letter).png" : "\(letter)/\(letter)_\(String(format: "%05d", i)).png"
        return LabelRow(filepath: path, letter: letter, distance: 1 + Double(i) / 10)
    }

    static let labelsCSV = FuzzTarget(name: "labels-csv", text: true, seeds: {
        let csv = LabelsTable.csv(rows)
        return [Array(csv.utf8), Array(csv.replacingOccurrences(of: "\n", with: "\r\n").utf8), Array(LabelsTable.csv(Array(rows.prefix(2))).utf8)]
    }, parse: { input, work in
        let path = work + "/labels.csv"
        guard write(input, path) else { return .refused(message: "", namesTheInput: false) }
        return outcome(naming: path) {
            _ = try LabelsTable.parseCSV(try InputFile.readText(path, limit: InputFile.Limit.labelsCSV), file: path)
        }
    })

    /// A user's label table (`DatasetLabels`): any class names, with and without a distance
    /// column, with an extra column, quoted names holding commas, quotes, "<" and "&".
    static let folderLabels = FuzzTarget(name: "folder-labels-csv", text: true, seeds: {
        let names = ["open hand", "fist, closed", "signé \"V\"", "<b>&co", "Ärger"]
        let plain = "filepath,label\n" + (0..<20).map { "img/\($0).png,\"\(names[$0 % 5].replacingOccurrences(of: "\"", with: "\"\""))\"" }.joined(separator: "\n") + "\n"
        let full = "source,filepath,distance,label\n" + (0..<20).map { "cam\($0 % 3),img/\($0).png,\(1 + Double($0) / 7),c\($0 % 4)" }.joined(separator: "\r\n") + "\r\n"
        return [Array(plain.utf8), Array(full.utf8)]
    }, parse: { input, work in
        let path = work + "/labels.csv"
        guard write(input, path) else { return .refused(message: "", namesTheInput: false) }
        return outcome(naming: path) {
            _ = try DatasetLabels.parseCSV(try InputFile.readText(path, limit: InputFile.Limit.labelsCSV), file: path)
        }
    })

    /// Sheet XML (the writer's, and one with shared strings as Excel saves), zipped anew after
    /// a text mutation half the time; the zip's own bytes mutated the other half.
    static let labelsWorkbook = FuzzTarget(name: "labels-xlsx", text: false, seeds: {
        [Array(try LabelsWorkbook.xlsx(rows)), Array(try LabelsWorkbook.xlsx(Array(rows.prefix(3)))), try sharedStringsWorkbook()]
    }, makeInput: { seeds, random in
        let seed = random.pick(seeds)
        guard random.below(2) == 0, let parts = try? unzip(seed) else { return Mutator.mutate(seed, seeds: seeds, text: false, random: &random) }
        let sheetSeeds = parts.map(\.1)
        let index = random.below(parts.count)
        var mutated = parts
        mutated[index].1 = Mutator.mutate(parts[index].1, seeds: sheetSeeds, text: true, random: &random)
        return (try? zip(mutated)) ?? seed
    }, parse: { input, _ in
        outcome(naming: "labels.xlsx") { _ = try LabelsWorkbook.read(Data(input), file: "labels.xlsx") }
    })

    static func sharedStringsWorkbook() throws -> [UInt8] {
        let strings = ["filepath", "letter", "distance", "A/a.png", "A", "B/b.png", "B"]
        let shared = #"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="7" uniqueCount="7">"#
            + strings.map { "<si><t>\($0)</t></si>" }.joined() + "</sst>"
        let sheet = #"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            + #"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>"#
            + #"<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c><c r="C2"><v>1.5</v></c></row>"#
            + #"<row r="3" spans="1:3"><c r="A3" t="s"><v>5</v></c><c r="B3" t="s"><v>6</v></c><c r="C3"><v>2.25</v></c></row>"#
            + "</sheetData></worksheet>"
        return try zip([("xl/worksheets/sheet1.xml", Array(sheet.utf8)), ("xl/sharedStrings.xml", Array(shared.utf8))])
    }

    static func unzip(_ bytes: [UInt8]) throws -> [(String, [UInt8])] {
        let archive = try Archive(data: Data(bytes), accessMode: .read)
        return try archive.filter { $0.path.hasPrefix("xl/") && $0.path.hasSuffix(".xml") && !$0.path.contains("_rels") && !$0.path.hasSuffix("workbook.xml") }
            .map { entry in
                var out = Data()
                _ = try archive.extract(entry) { out.append($0) }
                return (entry.path, Array(out))
            }
    }

    static func zip(_ parts: [(String, [UInt8])]) throws -> [UInt8] {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, bytes) in parts {
            let data = Data(bytes)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return Array(archive.data ?? Data())
    }

    /// PNGs from the three encoders; half the mutated inputs get their chunk CRCs repaired,
    /// so libpng reads past them into the header's sizes and the image data.
    static let png = FuzzTarget(name: "png", text: false, seeds: {
        var image = RGBImage(width: 23, height: 17)
        for i in image.pixels.indices { image.pixels[i] = UInt8(truncatingIfNeeded: i &* 37 / 5) }
        return try [PNG.Compression.fast, .small, .huffmanOnly].map { try PNG.encode(image, compression: $0) }
    }, makeInput: { seeds, random in
        let mutated = Mutator.mutate(random.pick(seeds), seeds: seeds, text: false, random: &random)
        return random.below(2) == 0 ? PNGChunks.repairingCRCs(mutated) : mutated
    }, parse: { input, _ in
        outcome(naming: "fuzz.png") { _ = try PNG.decode(input, source: "fuzz.png") }
    })

    /// A small model as `asl-lab train` saves it; half the mutations go to the JSON header
    /// alone, with the length prefix made to fit again.
    static let model = FuzzTarget(name: "model-safetensors", text: false, seeds: {
        let folder = NSTemporaryDirectory() + "asl-fuzz-seed-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let architecture = SmallCNNArchitecture(inputSize: 16, channels: [2, 3, 4], classHidden: 5, distanceHidden: 3)
        var seeds: [[UInt8]] = []
        for seed in [UInt64(1), 2] {
            let path = folder + "/m\(seed).safetensors"
            try ModelFile.save(SmallCNN(architecture: architecture, seed: seed), to: path, configHash: "fuzz")
            seeds.append(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        return seeds
    }, makeInput: { seeds, random in
        let seed = random.pick(seeds)
        guard random.below(2) == 0, seed.count >= 8 else { return Mutator.mutate(seed, seeds: seeds, text: false, random: &random) }
        let length = Int(seed[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        guard length <= seed.count - 8 else { return seed }
        let header = Mutator.mutate(Array(seed[8..<(8 + length)]), seeds: [Array(seed[8..<(8 + length)])], text: true, random: &random)
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
        return out + header + seed[(8 + length)...]
    }, parse: { input, work in
        let path = work + "/model.safetensors"
        guard write(input, path) else { return .refused(message: "", namesTheInput: false) }
        return outcome(naming: path) { _ = try ModelFile.load(path: path) }
    })

    /// Arrays as `asl-lab analyse` writes them; half the mutations go to the header text,
    /// with its 2-byte length made to fit again.
    static let numPy = FuzzTarget(name: "npy", text: false, seeds: {
        [NumPyArray(shape: [4, 3], floats: (0..<12).map { Float($0) / 3 }).encoded(), NumPyArray(shape: [5], ints: [1, -2, 3, .max, .min]).encoded(),
         NumPyArray(shape: [2, 1, 2], floats: [0, .pi, -1e30, 1e-30]).encoded()]
    }, makeInput: { seeds, random in
        let seed = random.pick(seeds)
        guard random.below(2) == 0, seed.count >= 10 else { return Mutator.mutate(seed, seeds: seeds, text: false, random: &random) }
        let length = Int(seed[8]) | Int(seed[9]) << 8
        guard 10 + length <= seed.count else { return seed }
        let header = Mutator.mutate(Array(seed[10..<(10 + length)]), seeds: [Array(seed[10..<(10 + length)])], text: true, random: &random)
        let newLength = min(header.count, 0xFFFF)
        return Array(seed[0..<8]) + [UInt8(newLength & 0xFF), UInt8(newLength >> 8)] + header + seed[(10 + length)...]
    }, parse: { input, _ in
        outcome(naming: "fuzz.npy") { _ = try NumPyArray.decode(input, source: "fuzz.npy") }
    })

    static let config = FuzzTarget(name: "config-yaml", text: true, seeds: {
        [Array(EffectiveConfig.defaults.yaml.utf8), Array("train:\n  epochs: 5\n  model: {channels: [8, 16, 32]}\ndata:\n  distance: {min: 1, max: 2}\n".utf8),
         Array("seed: 3\nreport:\n  title: \"A: b\"\n".utf8),
         Array("analyse:\n  shifts:\n    - {name: far, set: {data.distance.min: 5, data.distance.max: 8}}\n    - name: blur\n      set:\n        data.augment.blur.probability: 1\ndata:\n  source: folder\n  folder: /tmp/x\n".utf8),
         Array("analyse:\n  shifts: [{name: far, set: {data.augment.blur.radius: [1, 2]}}]\n".utf8)]
    }, parse: { input, work in
        let path = work + "/config.yaml"
        guard write(input, path) else { return .refused(message: "", namesTheInput: false) }
        do {
            let config = try ConfigLoader.load(file: path)
            // Every shifted config the file names is derived (and checked) as the analyse stage does.
            for shift in config.shifts { _ = try config.shifted(shift) }
            return .accepted
        } catch let error as ConfigError {
            // A rule spanning several keys (fractions summing to 1, memory) names the keys.
            if case .inconsistent(let keys, let problem) = error { return .refused(message: problem, namesTheInput: keys.contains { problem.contains($0) }) }
            return .refused(message: error.description, namesTheInput: error.description.contains(path))
        } catch {
            return .refused(message: "\(error)", namesTheInput: false)
        }
    })

    /// `steps.csv` as the trainer writes it: windows of 20 steps and an epoch's shorter last one.
    static let trainingSteps = FuzzTarget(name: "steps-csv", text: true, seeds: {
        var records: [StepRecord] = []
        for epoch in 1...3 {
            for (end, count) in [(20, 20), (27, 7)] {
                let scale = Double(epoch * end)
                records.append(StepRecord(step: (epoch - 1) * 27 + end, epoch: epoch, steps: count, loss: 3.0 / scale,
                                          crossEntropy: 2.5 / scale, meanSquaredError: 0.5, learningRate: 0.001 / Double(epoch)))
            }
        }
        return [Array(TrainingSteps.csv(records).utf8), Array(TrainingSteps.csv(Array(records.prefix(1))).utf8)]
    }, parse: { input, work in
        guard write(input, work + "/" + TrainingSteps.fileName) else { return .refused(message: "", namesTheInput: false) }
        return outcome(naming: work + "/" + TrainingSteps.fileName) { _ = try TrainingSteps.read(folder: work) }
    })

    /// The built-in templates; one of them, mutated, is put in a --templates folder.
    static let templateNames = ReportRenderer.builtInTemplates.keys.filter { $0.hasSuffix(".mustache") }.sorted()

    static let templates = FuzzTarget(name: "mustache-templates", text: true, seeds: {
        templateNames.map { Array(ReportRenderer.builtInTemplates[$0]!.utf8) }
    }, parse: { input, work in
        // Which template the input replaces is chosen by its length, so a saved input replays alike.
        let folder = work + "/templates"
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let name = templateNames[input.count % templateNames.count]
        guard write(input, folder + "/" + name) else { return .refused(message: "", namesTheInput: false) }
        return outcome(naming: name) { _ = try ReportRenderer.checkTemplates(folder: folder) }
    })
}

/// PNG chunk framing: length, type, data, CRC-32 of type and data.
enum PNGChunks {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { table[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
    }

    /// `bytes` with every whole chunk's CRC recomputed.
    static func repairingCRCs(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        var at = 8
        while at + 12 <= out.count {
            let length = Int(out[at]) << 24 | Int(out[at + 1]) << 16 | Int(out[at + 2]) << 8 | Int(out[at + 3])
            guard length <= out.count - at - 12 else { break }
            let value = crc(out[(at + 4)..<(at + 8 + length)])
            for i in 0..<4 { out[at + 8 + length + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * i)) }
            at += 12 + length
        }
        return out
    }
}
