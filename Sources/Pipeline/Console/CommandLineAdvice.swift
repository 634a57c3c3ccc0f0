import Configuration

/// A better message than the argument parser's for the two mistakes newcomers make most: a
/// misspelt command (`asl-lab trian`) and a config key given as an option (`--epochs 3`, where
/// the tool wants `--set train.epochs=3`). The parser itself only suggests an option whose
/// spelling is within four edits, which proposed `--reports` for `--epochs`.
public enum CommandLineAdvice {
    /// A command as the CLI declares it: its name, long option names (without `--`), whether it
    /// takes positional arguments, and its subcommands.
    public struct Command: Sendable, Equatable {
        public var name: String
        public var options: [String]
        public var takesArguments: Bool
        public var subcommands: [Command]

        public init(name: String, options: [String], takesArguments: Bool = false, subcommands: [Command] = []) {
            self.name = name
            self.options = options
            self.takesArguments = takesArguments
            self.subcommands = subcommands
        }
    }

    /// Options every command accepts through the parser itself.
    static let builtIn: Set<String> = ["help", "version", "experimental-dump-help", "generate-completion-script"]

    /// The message for the first unknown command or option in `arguments` (the command line
    /// without the program name), or nil when every command and option is known.
    public static func message(for arguments: [String], root: Command, keys: [String] = ConfigSchema.fields.map(\.key)) -> String? {
        var command = root, path = [root.name], index = 0
        // Walk down the subcommands the arguments name.
        while index < arguments.count, !command.subcommands.isEmpty {
            let word = arguments[index]
            if word.hasPrefix("-") { break }
            if let next = command.subcommands.first(where: { $0.name == word }) {
                command = next
                path.append(word)
                index += 1
                continue
            }
            if word == "help" { return nil } // `asl-lab help run`
            let names = command.subcommands.map(\.name)
            let list = "`\(path.joined(separator: " ")) --help` lists them"
            if let near = nearest(word, among: names) {
                return "'\(word)' is not \(path.count == 1 ? "an asl-lab command" : "a command of `\(path.joined(separator: " "))`"). Did you mean '\(near)'? (\(list).)"
            }
            return "'\(word)' is not \(path.count == 1 ? "an asl-lab command" : "a command of `\(path.joined(separator: " "))`"); the commands are \(names.joined(separator: ", ")) (\(list))."
        }
        let known = Set(command.options).union(builtIn)
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" { break }
            guard argument.hasPrefix("--") else { continue }
            let parts = argument.dropFirst(2).split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard !known.contains(name), !name.isEmpty else { continue }
            let value = parts.count > 1 ? String(parts[1])
                : index < arguments.count && !arguments[index].hasPrefix("--") ? arguments[index] : nil
            let help = "`\(path.joined(separator: " ")) --help` lists its options"
            if known.contains("set") {
                let matching = configKeys(named: name, among: keys)
                if !matching.isEmpty {
                    let settings = matching.map { "--set \($0)=\(value ?? "VALUE")" }
                    let what = matching.count == 1 ? "the config key \(matching[0])" : "one of the config keys \(matching.joined(separator: ", "))"
                    return "Unknown option '--\(name)'. To change \(what), use \(settings.joined(separator: " or ")) (`asl-lab config reference` lists every key)."
                }
            }
            if let near = nearest(name, among: Array(command.options)) {
                return "Unknown option '--\(name)'. Did you mean '--\(near)'? (\(help).)"
            }
            return "Unknown option '--\(name)' (\(help))."
        }
        return nil
    }

    /// Config keys an option name stands for: the whole key (`--train.epochs`) or its last
    /// parts (`--epochs`, `--learning-rate`, `--tsne.perplexity`), with `-` read as `_`.
    static func configKeys(named name: String, among keys: [String]) -> [String] {
        let wanted = name.lowercased().replacingOccurrences(of: "-", with: "_")
        return keys.filter { $0 == wanted || $0.hasSuffix("." + wanted) }
    }

    /// The candidate within a few edits of `word` (at most 2, and at most a third of its
    /// length), the closest first; nil when none is that close.
    static func nearest(_ word: String, among candidates: [String]) -> String? {
        let limit = min(2, max(1, word.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(word.lowercased(), candidate.lowercased())
            guard distance <= limit else { continue }
            if let current = best, current.distance < distance || (current.distance == distance && current.name <= candidate) { continue }
            best = (candidate, distance)
        }
        return best?.name
    }

    /// Levenshtein distance, with a swap of two neighbouring letters counted as one edit
    /// (`trian` → `train`).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }
}
