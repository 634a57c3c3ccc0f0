import FileFormats
import Foundation
@testable import Pipeline
import Storage
import TestSupport
import XCTest

/// What a newcomer sees: suggestions for mistyped commands and options, help that reads well at
/// 80 columns with examples that fit the command, missing folders and inputs refused before any
/// work is announced, and run ids resolved by exact name first.
final class CommandLineAdviceTests: TemporaryFolderTestCase {
    func asl(_ arguments: String...) throws -> CommandLineTests.Result { try asl(arguments) }

    func asl(_ arguments: [String], columns: Int? = nil) throws -> CommandLineTests.Result {
        try CommandLineTests.run(arguments, in: folderURL, environment: columns.map { ["COLUMNS": "\($0)"] } ?? [:])
    }

    // MARK: 1, 2: suggestions

    func testAConfigKeyGivenAsAnOptionSuggestsSet() throws {
        let epochs = try asl("run", "--epochs", "3")
        XCTAssertEqual(epochs.status, 1)
        XCTAssertTrue(epochs.stderr.contains("use --set train.epochs=3"), epochs.stderr)
        XCTAssertFalse(epochs.stderr.contains("--reports"), "no far-fetched option is suggested: \(epochs.stderr)")
        for spelling in ["--learning-rate", "--learning_rate"] {
            let rate = try asl("train", "--data", "d", "--out", "o", spelling + "=0.01")
            XCTAssertEqual(rate.status, 1)
            XCTAssertTrue(rate.stderr.contains("use --set train.learning_rate=0.01"), rate.stderr)
        }
        let seed = try asl("generate", "--out", "d", "--seed", "4")
        XCTAssertTrue(seed.stderr.contains("use --set seed=4"), seed.stderr)
        let full = try asl("config", "show", "--analyse.tsne.perplexity", "20")
        XCTAssertTrue(full.stderr.contains("use --set analyse.tsne.perplexity=20"), full.stderr)
        // A command without --set gets no config advice.
        let list = try asl("runs", "list", "--epochs", "3")
        XCTAssertEqual(list.status, 1)
        XCTAssertFalse(list.stderr.contains("--set"), list.stderr)
        XCTAssertTrue(list.stderr.contains("Unknown option '--epochs'"), list.stderr)
    }

    func testANearOptionIsSuggestedOnlyWhenItIsClose() throws {
        let thread = try asl("run", "--thread", "2")
        XCTAssertEqual(thread.status, 1)
        XCTAssertTrue(thread.stderr.contains("Did you mean '--threads'?"), thread.stderr)
        let far = try asl("run", "--frobnicate")
        XCTAssertEqual(far.status, 1)
        XCTAssertTrue(far.stderr.contains("Unknown option '--frobnicate'"), far.stderr)
        XCTAssertFalse(far.stderr.contains("Did you mean"), far.stderr)
    }

    func testAnUnknownCommandSuggestsTheNearestOne() throws {
        let trian = try asl("trian")
        XCTAssertEqual(trian.status, 1)
        XCTAssertTrue(trian.stderr.contains("'trian' is not an asl-lab command. Did you mean 'train'?"), trian.stderr)
        let lsit = try asl("runs", "lsit")
        XCTAssertEqual(lsit.status, 1)
        XCTAssertTrue(lsit.stderr.contains("Did you mean 'list'?"), lsit.stderr)
        let nothing = try asl("xyzzy")
        XCTAssertEqual(nothing.status, 1)
        XCTAssertFalse(nothing.stderr.contains("Did you mean"), nothing.stderr)
        XCTAssertTrue(nothing.stderr.contains("the commands are run, sweep, runs"), nothing.stderr)
    }

    func testAdviceOnAHandMadeTree() {
        let root = CommandLineAdvice.Command(name: "tool", options: [], subcommands: [
            .init(name: "fit", options: ["set", "threads"]), .init(name: "show", options: ["json"]),
        ])
        let keys = ["seed", "train.epochs", "train.learning_rate", "data.distance.min", "analyse.min"]
        XCTAssertNil(CommandLineAdvice.message(for: ["fit", "--threads", "2", "--set", "a=b"], root: root, keys: keys))
        XCTAssertEqual(CommandLineAdvice.message(for: ["fti"], root: root, keys: keys),
                       "'fti' is not an asl-lab command. Did you mean 'fit'? (`tool --help` lists them.)")
        XCTAssertTrue(CommandLineAdvice.message(for: ["fit", "--min", "2"], root: root, keys: keys)!
            .contains("one of the config keys data.distance.min, analyse.min, use --set data.distance.min=2 or --set analyse.min=2"))
        XCTAssertTrue(CommandLineAdvice.message(for: ["fit", "--epochs"], root: root, keys: keys)!.contains("--set train.epochs=VALUE"))
        XCTAssertEqual(CommandLineAdvice.editDistance("trian", "train"), 1, "a swap of neighbours is one edit")
        XCTAssertNil(CommandLineAdvice.nearest("epochs", among: ["reports", "cache", "name"]))
    }

    // MARK: 3, 4: help

    static let commands: [[String]] = [
        [], ["run"], ["runs"], ["runs", "list"], ["runs", "compare"], ["runs", "archive"], ["cache"], ["cache", "verify"],
        ["generate"], ["samples"], ["train"], ["predict"], ["analyse"], ["tsne"], ["report"], ["config"], ["config", "show"],
        ["config", "validate"], ["config", "reference"], ["bench"], ["bench", "generate"], ["bench", "train"], ["bench", "tsne"],
    ]

    /// Every line of prose in every command's help is broken by the 80-column width, never in
    /// the middle of a sentence by a hard line break in the source.
    func testHelpProseIsWrappedOnlyByTheWidth() throws {
        for command in Self.commands {
            let help = try asl(command + ["--help"], columns: 80)
            XCTAssertEqual(help.status, 0, "\(command)")
            // The overview and discussion: everything before USAGE.
            let prose = help.stdout.components(separatedBy: "\nUSAGE:")[0].components(separatedBy: "\n")
            for (line, next) in zip(prose, prose.dropFirst()) where !line.isEmpty && !next.isEmpty {
                let word = next.split(separator: " ").first.map(String.init) ?? ""
                // ArgumentParser keeps lines below the width (at most 79 characters at 80).
                XCTAssertGreaterThanOrEqual(line.count + 1 + word.count, 80,
                                     "`asl-lab \(command.joined(separator: " ")) --help` breaks a line early: \"\(line)\" / \"\(next)\"")
            }
        }
    }

    /// The `--set` example in a command's help names a key the command reads.
    func testHelpExamplesUseKeysTheCommandReads() throws {
        let expected: [[String]: String] = [
            ["generate"]: "data.", ["samples"]: "data.", ["bench", "generate"]: "data.", ["train"]: "train.", ["analyse"]: "analyse.",
        ]
        for (command, prefix) in expected {
            let help = try asl(command + ["--help"], columns: 200)
            let example = try XCTUnwrap(help.stdout.range(of: #"e\.g\. --set [a-z_.]+="#, options: .regularExpression), "\(command)")
            let key = help.stdout[example].dropFirst("e.g. --set ".count).dropLast()
            XCTAssertTrue(key.hasPrefix(prefix), "`\(command.joined(separator: " ")) --help` shows --set \(key)")
        }
    }

    // MARK: 5, 6: runs

    func testAnExactRunNameWinsOverRunsThatContainIt() throws {
        let reports = path("Reports")
        for run in ["20260101-000000-small", "20260101-000100-small-lr", "20260101-000200-ep2"] {
            try FileManager.default.createDirectory(atPath: reports + "/" + run, withIntermediateDirectories: true)
            try RunStatus.starting(command: nil).write(to: reports + "/" + run)
        }
        let store = RunStore(root: reports)
        XCTAssertEqual(try store.resolve("small"), "20260101-000000-small")
        XCTAssertEqual(try store.resolve("small-lr"), "20260101-000100-small-lr")
        XCTAssertEqual(try store.resolve("ep2"), "20260101-000200-ep2")
        XCTAssertEqual(try store.resolve("000100"), "20260101-000100-small-lr", "a unique part of a folder name still works")
        XCTAssertThrowsError(try store.resolve("sma")) { XCTAssertTrue("\($0)".contains("matches several runs"), "\($0)") }
        // Through the command: the exact name is found (both runs are unfinished, which is the next message).
        let compare = try asl("runs", "compare", "small", "ep2", "--reports", reports)
        XCTAssertEqual(compare.status, 1)
        XCTAssertFalse(compare.stderr.contains("matches several runs"), compare.stderr)
        XCTAssertTrue(compare.stderr.contains("20260101-000000-small"), compare.stderr)
    }

    func testAMissingReportsFolderIsAnError() throws {
        let missing = path("no-such-folder")
        for command in [["runs", "list"], ["runs", "compare", "a", "b"], ["runs", "archive", "a"]] {
            let result = try asl(command + ["--reports", missing])
            XCTAssertEqual(result.status, 1, "\(command)")
            XCTAssertTrue(result.stderr.contains("The reports folder \(missing) does not exist"), result.stderr)
        }
        let cache = try asl("cache", "verify", "--cache", missing)
        XCTAssertEqual(cache.status, 1)
        XCTAssertTrue(cache.stderr.contains("The cache folder \(missing) cannot be used: it does not exist. Choose another one with --cache."), cache.stderr)
        XCTAssertThrowsError(try RunStore(root: missing).resolve("x")) { XCTAssertEqual($0 as? StorageError, .noReportsFolder(missing, exists: false)) }
    }

    // MARK: 7: inputs before work

    func testStandaloneStagesCheckTheirInputsBeforeAnnouncingWork() throws {
        let data = path("data"), out = path("out")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let analyse = try asl("analyse", "--data", data, "--model", path("model.safetensors"), "--out", out)
        XCTAssertEqual(analyse.status, 1)
        XCTAssertFalse(analyse.stderr.contains("Analysing"), analyse.stderr)
        XCTAssertTrue(analyse.stderr.contains("Cannot use \(path("model.safetensors")): it does not exist; --model takes"), analyse.stderr)
        try Data().write(to: URL(fileURLWithPath: path("model.safetensors")))
        let noLabels = try asl("analyse", "--data", data, "--model", path("model.safetensors"), "--out", out)
        XCTAssertEqual(noLabels.status, 1)
        XCTAssertFalse(noLabels.stderr.contains("Analysing"), noLabels.stderr)
        XCTAssertTrue(noLabels.stderr.contains("Cannot use \(data): it holds neither labels.csv nor labels.xlsx"), noLabels.stderr)
        let train = try asl("train", "--data", path("missing"), "--out", out)
        XCTAssertEqual(train.status, 1)
        XCTAssertTrue(train.stderr.contains("Cannot use \(path("missing")): it does not exist; --data takes"), train.stderr)
        let report = try asl("report", "--run", path("no-run"))
        XCTAssertEqual(report.status, 1)
        XCTAssertTrue(report.stderr.contains("Cannot use \(path("no-run")): it does not exist"), report.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing was created for the failed commands")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("no-run")))
    }
}
