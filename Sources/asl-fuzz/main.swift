import Foundation
import FuzzSupport

// asl-fuzz: a seeded mutation fuzzer for every parser of input files (labels.csv,
// labels.xlsx, PNG, safetensors models, .npy, YAML configs, Mustache templates).
//
//   asl-fuzz [--seed S] [--runs N] [--target NAME]... [--out DIR]   every target, each in a child process
//   asl-fuzz child NAME --seed S --runs N --out DIR [--work DIR]     one target (what the parent starts)
//   asl-fuzz replay NAME FILE                                        one saved input, with the same limits
//   asl-fuzz list
//   asl-fuzz allocation-check                                        must abort: shows the allocation limit works
//
// Each input must be accepted or refused with an error whose message names the file; a crash
// (a trap, a precondition, a signal), an allocation above the limit or a message that does not
// name the file fails the run, prints the seed and run, and saves the input for `replay`.
// Deterministic: a seed and a run number give the same input on every machine.

/// No single allocation may exceed this, whatever the input: the readers bound every size they
/// take from a file far below it for inputs of a fuzz seed's size.
let allocationLimit = 256 << 20
/// The whole data segment is capped too, so many smaller allocations cannot add up unseen.
let dataLimit = 2 << 30

struct Options {
    var seed: UInt64 = 1
    var runs = 1500
    var targets: [String] = []
    var out = ".build/fuzz"
    /// A scratch folder made and removed by the parent, so a crashing child leaves nothing behind.
    var work: String?
    var positional: [String] = []
}

func parseOptions(_ arguments: ArraySlice<String>) -> Options {
    var options = Options()
    var rest = arguments
    while let argument = rest.popFirst() {
        switch argument {
        case "--seed": options.seed = UInt64(rest.popFirst() ?? "") ?? options.seed
        case "--runs": options.runs = Int(rest.popFirst() ?? "") ?? options.runs
        case "--target": options.targets.append(rest.popFirst() ?? "")
        case "--out": options.out = rest.popFirst() ?? options.out
        case "--work": options.work = rest.popFirst()
        default: options.positional.append(argument)
        }
    }
    return options
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("asl-fuzz: \(message)\n".utf8))
    exit(2)
}

func target(named name: String) -> FuzzTarget {
    guard let target = FuzzTarget.all.first(where: { $0.name == name }) else {
        fail("no target \(name); targets: \(FuzzTarget.all.map(\.name).joined(separator: ", "))")
    }
    return target
}

func makeWorkFolder() -> String {
    var template = Array((NSTemporaryDirectory() + "asl-fuzz-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else { fail("cannot make a scratch folder") }
    return String(cString: made)
}

/// Removes the scratch folder this process made, then exits: `exit` never runs a `defer`.
func exitRemoving(_ madeHere: String?, status: Int32) -> Never {
    if let madeHere { try? FileManager.default.removeItem(atPath: madeHere) }
    exit(status)
}

func limitResources() {
    fuzz_set_allocation_limit(allocationLimit)
    if fuzz_limit_data(dataLimit) != 0 { fail("cannot cap the data segment") }
}

/// Runs `target` over its seeds and `runs` mutated inputs; exits 1 on a message that does not
/// name the input (crashes end the process through the crash handler).
func runChild(_ target: FuzzTarget, options: Options) -> Never {
    try? FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
    let savedInput = (options.out as NSString).appendingPathComponent("\(target.name)-seed\(options.seed).input")
    let outFolder = URL(fileURLWithPath: options.out).standardizedFileURL.path
    fuzz_install_crash_handler(target.name, options.seed, (outFolder as NSString).appendingPathComponent("\(target.name)-seed\(options.seed).input"))
    let seeds: [[UInt8]]
    do { seeds = try target.seeds() } catch { fail("\(target.name): cannot make the seed inputs: \(error)") }
    limitResources()
    let madeHere = options.work == nil ? makeWorkFolder() : nil
    let work = options.work ?? madeHere!
    var accepted = 0, refused = 0
    let started = Date()
    for run in 0..<(seeds.count + options.runs) {
        var random = FuzzRandom(seed: options.seed, run: run)
        let input = run < seeds.count ? seeds[run] : target.makeInput(seeds, &random)
        input.withUnsafeBytes { fuzz_set_current_input($0.baseAddress, $0.count, run) }
        switch target.parse(input, work) {
        case .accepted:
            accepted += 1
        case .refused(let message, let named):
            guard named else {
                FileManager.default.createFile(atPath: savedInput, contents: Data(input))
                print("asl-fuzz: target \(target.name), seed \(options.seed), run \(run): the message does not name the input: \"\(message)\"; the input is saved in \(savedInput); replay it with: asl-fuzz replay \(target.name) \(savedInput)")
                exitRemoving(madeHere, status: 1)
            }
            refused += 1
        }
    }
    let seconds = Date().timeIntervalSince(started)
    print(String(format: "%@: %d inputs (seed %llu) in %.1f s: %d accepted, %d refused with a message naming the file; largest allocation %d KB (limit %d MB)",
                 target.name, accepted + refused, options.seed, seconds, accepted, refused, fuzz_largest_allocation() / 1024, allocationLimit >> 20))
    exitRemoving(madeHere, status: 0)
}

/// Reads one saved input with the child's limits and prints what the parser said.
func replay(_ target: FuzzTarget, file: String) -> Never {
    guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
    limitResources()
    let work = makeWorkFolder()
    switch target.parse(Array(data), work) {
    case .accepted: print("accepted")
    case .refused(let message, let named): print((named ? "refused: " : "refused WITHOUT naming the input: ") + message)
    }
    exitRemoving(work, status: 0)
}

/// Runs every chosen target in its own child process and reports each; exits 1 if any failed.
func runAll(options: Options) -> Never {
    let names = options.targets.isEmpty ? FuzzTarget.all.map(\.name) : options.targets
    let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
    var failed: [String] = []
    for name in names {
        _ = target(named: name)
        let work = makeWorkFolder()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let child = Process()
        child.executableURL = executable
        child.arguments = ["child", name, "--seed", String(options.seed), "--runs", String(options.runs), "--out", options.out, "--work", work]
        do { try child.run() } catch { fail("cannot start a child for \(name): \(error)") }
        child.waitUntilExit()
        if child.terminationReason == .uncaughtSignal {
            print("asl-fuzz: \(name) CRASHED (signal \(child.terminationStatus)) with seed \(options.seed); see the line above for the run and the saved input")
            failed.append(name)
        } else if child.terminationStatus != 0 {
            failed.append(name)
        }
    }
    if failed.isEmpty {
        print("asl-fuzz: \(names.count) targets passed, seed \(options.seed)")
        exit(0)
    }
    print("asl-fuzz: \(failed.count) of \(names.count) targets failed: \(failed.joined(separator: ", "))")
    exit(1)
}

let options = parseOptions(CommandLine.arguments.dropFirst())
switch options.positional.first {
case "child":
    guard options.positional.count == 2 else { fail("child needs a target name") }
    runChild(target(named: options.positional[1]), options: options)
case "replay":
    guard options.positional.count == 3 else { fail("replay needs a target name and a file") }
    replay(target(named: options.positional[1]), file: options.positional[2])
case "list":
    print(FuzzTarget.all.map(\.name).joined(separator: "\n"))
case "allocation-check":
    // Shows the limit is in force: asks for one byte more than it allows, which must abort.
    limitResources()
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: allocationLimit + 1, alignment: 16)
    print("asl-fuzz: an allocation of \(allocationLimit + 1) bytes went through: the limit is NOT in force")
    buffer.deallocate()
    exit(1)
case nil:
    runAll(options: options)
default:
    fail("unknown command \(options.positional[0])")
}
