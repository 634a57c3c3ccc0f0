@testable import Configuration
import TestSupport
import XCTest

/// Every kind of bad config input gets a message that names the key (or file, line, column),
/// what was expected and what was given.
final class ConfigErrorTests: TemporaryFolderTestCase {
    private func file(_ name: String, _ text: String) throws -> String {
        let path = folderURL.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func message(file: String? = nil, _ overrides: String...) -> String? {
        do {
            _ = try ConfigLoader.load(file: file, overrides: overrides)
            return nil
        } catch {
            return (error as? ConfigError)?.description ?? "not a ConfigError: \(error)"
        }
    }

    func testUnknownKeyInFileNamesFullPathLineAndNearestKey() throws {
        let path = try file("typo.yaml", "seed: 3\ndata:\n  imags_per_letter: 5\n")
        XCTAssertEqual(message(file: path),
                       "Unknown config key \"data.imags_per_letter\" in \(path), line 3. Did you mean \"data.images_per_letter\"? Run `asl-lab config show` to see every key with its current value.")
    }

    func testUnknownKeyInOverrideSuggestsTheKeyWithTheSameNameInAnotherSection() {
        XCTAssertEqual(message("train.image_size=64"),
                       "Unknown config key \"train.image_size\" in --set train.image_size=64. Did you mean \"data.image_size\"? Run `asl-lab config show` to see every key with its current value.")
    }

    func testUnknownKeyWithNothingCloseListsTheValidKeysOfItsSection() {
        XCTAssertEqual(message("report.zzzzzzzzzzzz=1"),
                       "Unknown config key \"report.zzzzzzzzzzzz\" in --set report.zzzzzzzzzzzz=1. Valid keys here: report.title, report.single_file. Run `asl-lab config show` to see every key with its current value.")
    }

    func testWrongTypeNamesKeyExpectedTypeAndValue() throws {
        XCTAssertEqual(message("train.epochs=five"),
                       "Config key \"train.epochs\" expects an integer, but got \"five\" in --set train.epochs=five.")
        XCTAssertEqual(message("train.epochs=2.5"),
                       "Config key \"train.epochs\" expects an integer, but got \"2.5\" in --set train.epochs=2.5.")
        XCTAssertEqual(message("report.single_file=maybe"),
                       "Config key \"report.single_file\" expects true or false, but got \"maybe\" in --set report.single_file=maybe.")
        let path = try file("types.yaml", "train:\n  model:\n    channels: [32, 64]\n")
        XCTAssertEqual(message(file: path),
                       "Config key \"train.model.channels\" expects a list of 3 integers, but got a list in \(path), line 3.")
        let section = try file("section.yaml", "data: 5\n")
        XCTAssertEqual(message(file: section),
                       "Config key \"data\" expects a mapping of keys (seed, images_per_letter, image_size, families, distance, augment, source, folder), but got \"5\" in \(section), line 1.")
    }

    func testOutOfRangeValues() {
        XCTAssertEqual(message("train.epochs=-3"),
                       "Config key \"train.epochs\" must be between 1 and 100000, but got -3 in --set train.epochs=-3.")
        XCTAssertEqual(message("data.images_per_letter=0"),
                       "Config key \"data.images_per_letter\" must be between 1 and 1000000, but got 0 in --set data.images_per_letter=0.")
        XCTAssertEqual(message("data.image_size=16"),
                       "Config key \"data.image_size\" must be between 32 and 4096, but got 16 in --set data.image_size=16.")
        XCTAssertEqual(message("data.augment.blur.probability=1.5"),
                       "Config key \"data.augment.blur.probability\" must be between 0 and 1, but got 1.5 in --set data.augment.blur.probability=1.5.")
        XCTAssertEqual(message("data.families=latin"),
                       "Config key \"data.families\" must be one of asl26, seed4, but got \"latin\" in --set data.families=latin.")
        XCTAssertEqual(message("train.learning_rate=0"),
                       "Config key \"train.learning_rate\" must be greater than 0 and at most 10, but got 0 in --set train.learning_rate=0.")
        XCTAssertEqual(message("data.distance.min=-1"),
                       "Config key \"data.distance.min\" must be greater than 0 and at most 1000, but got -1 in --set data.distance.min=-1.")
        XCTAssertEqual(message("train.learning_rate=.nan"),
                       "Config key \"train.learning_rate\" must be a finite number, but got .nan in --set train.learning_rate=.nan.")
        XCTAssertEqual(message("data.augment.blur.radius=[2, 1]"),
                       "Config key \"data.augment.blur.radius\" must be a range [low, high] with low ≤ high, but got [2, 1] in --set data.augment.blur.radius=[2, 1].")
        XCTAssertEqual(message("train.input_size=100"),
                       "Config key \"train.input_size\" must be a multiple of 8 (the model halves it three times), but got 100 in --set train.input_size=100.")
    }

    func testSplitFractionsMustSumToOne() {
        XCTAssertEqual(message("train.split.val=0.2"),
                       "The fractions train.split.train + train.split.val + train.split.test must sum to 1, but 0.7 + 0.2 + 0.15 = 1.05.")
        XCTAssertNil(message("train.split.train=0.8", "train.split.val=0.1", "train.split.test=0.1"))
    }

    func testDistanceMinimumMustBeBelowMaximum() {
        XCTAssertEqual(message("data.distance.min=6"),
                       "Config key \"data.distance.min\" (6, in --set data.distance.min=6) must be less than \"data.distance.max\" (5, in the built-in defaults).")
    }

    func testYAMLSyntaxErrorNamesFileLineAndColumn() throws {
        let path = try file("broken.yaml", "data:\n  image_size: 64\n  families: [asl26\n")
        XCTAssertEqual(message(file: path),
                       "The config file \(path) is not valid YAML: line 4, column 1: did not find expected ',' or ']'.")
        let tabs = try file("tabs.yaml", "data:\n\timage_size: 64\n")
        XCTAssertEqual(message(file: tabs),
                       "The config file \(tabs) is not valid YAML: line 2, column 1: found character that cannot start any token.")
    }

    func testDuplicateKeyIsAnError() throws {
        let path = try file("twice.yaml", "seed: 1\nseed: 2\n")
        XCTAssertEqual(message(file: path)?.hasPrefix("The config file \(path) is not valid YAML: line"), true)
        XCTAssertEqual(message(file: path)?.contains("seed"), true)
    }

    func testMissingAndUnreadableFiles() {
        let missing = folderURL.appendingPathComponent("nope.yaml").path
        XCTAssertEqual(message(file: missing), "The config file \(missing) does not exist. Check the path given to --config.")
        XCTAssertEqual(message(file: folderURL.path), "The config file \(folderURL.path) cannot be read: it is a folder, not a regular file.")
    }

    func testTopLevelMustBeAMapping() throws {
        let path = try file("list.yaml", "- 1\n- 2\n")
        XCTAssertEqual(message(file: path),
                       "Config key \"\" expects a mapping of config keys, but got a list in \(path), line 1.")
    }

    func testMalformedOverride() {
        XCTAssertEqual(message("train.epochs"), "--set expects key=value, for example --set train.epochs=5, but got \"train.epochs\".")
        XCTAssertEqual(message("=5"), "--set expects key=value, for example --set train.epochs=5, but got \"=5\".")
    }
}

/// Configs that validate key by key but cannot be used, and keys or files made to be slow.
extension ConfigErrorTests {
    func testAModelTooLargeForMemoryIsRefusedSayingWhatFits() {
        let text = message("train.input_size=1024", "train.model.channels=[1024,1024,1024]")
        XCTAssertTrue(text?.hasPrefix("Training this config needs about ") ?? false, text ?? "accepted")
        XCTAssertTrue(text?.contains(" GB of memory") ?? false, text ?? "accepted")
        XCTAssertTrue(text?.contains("this machine has ") ?? false, text ?? "accepted")
        XCTAssertTrue(text?.contains("lower train.input_size") ?? false, text ?? "accepted")
        XCTAssertNil(message(), "the defaults fit")
    }

    func testTheMemoryMessageNamesABatchSizeThatFits() {
        var config = EffectiveConfig.defaults
        try! ConfigLoader.apply(override: "train.batch_size=4096", to: &config)
        try! ConfigLoader.apply(override: "train.input_size=512", to: &config)
        let estimate = TrainingMemory(config)
        let available = estimate.needed(batch: 100) / TrainingMemory.usableShare
        let text = estimate.problem(available: available)
        XCTAssertTrue(text?.contains("train.batch_size 100 would fit") ?? false, text ?? "fits")
    }

    func testAHugeKeyIsNeitherSearchedNorEchoedWhole() {
        let key = String(repeating: "k", count: 10_000_000)
        let started = Date()
        let text = message(key + "=1")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "no edit-distance search over a 10 MB key")
        XCTAssertLessThan(text?.count ?? 0, 500)
        XCTAssertTrue(text?.contains("(10000000 characters)") ?? false, text ?? "accepted")
    }

    func testAFIFOOrADeviceGivenAsConfigIsNotARegularFile() throws {
        let path = NSTemporaryDirectory() + "config-\(UUID().uuidString).yaml"
        XCTAssertEqual(mkfifo(path, 0o644), 0)
        defer { unlink(path) }
        XCTAssertEqual(message(file: path), "The config file \(path) cannot be read: it is a FIFO (named pipe), not a regular file.")
        XCTAssertEqual(message(file: "/dev/zero"), "The config file /dev/zero cannot be read: it is a device, not a regular file.")
    }

    func testYAMLNestedThousandsDeepIsASyntaxErrorInWords() throws {
        let path = NSTemporaryDirectory() + "deep-\(UUID().uuidString).yaml"
        try ("seed: " + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)).write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        XCTAssertEqual(message(file: path), "The config file \(path) is not valid YAML: line 1, column 8: it nests deeper than 1000 levels (a config nests 4).")
        try ("data:\n" + String(repeating: "- ", count: 100_000) + "x\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertTrue(message(file: path)?.contains("it nests deeper than 1000 levels") ?? false, message(file: path) ?? "accepted")
    }

    func testDistancesAndTheDistanceWeightAreBounded() {
        XCTAssertEqual(message("data.distance.max=1e39"), "Config key \"data.distance.max\" must be greater than 0 and at most 1000, but got 1e39 in --set data.distance.max=1e39.")
        XCTAssertEqual(message("train.distance_loss_weight=1e30"), "Config key \"train.distance_loss_weight\" must be between 0 and 1000, but got 1e30 in --set train.distance_loss_weight=1e30.")
    }
}
