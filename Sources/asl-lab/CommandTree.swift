import ArgumentParser
import Foundation
import Pipeline

/// The commands and options ArgumentParser knows, read from its own description of the tool
/// (the JSON of `--experimental-dump-help`), for `CommandLineAdvice`.
enum CommandTree {
    private struct Tool: Decodable {
        var command: Node
    }

    private struct Node: Decodable {
        struct Argument: Decodable {
            struct Name: Decodable {
                var kind: String
                var name: String
            }
            var kind: String
            var names: [Name]?
        }
        var commandName: String
        var arguments: [Argument]?
        var subcommands: [Node]?

        var command: CommandLineAdvice.Command {
            let arguments = self.arguments ?? []
            return CommandLineAdvice.Command(
                name: commandName,
                options: arguments.flatMap { ($0.names ?? []).filter { $0.kind == "long" }.map(\.name) },
                takesArguments: arguments.contains { $0.kind == "positional" },
                subcommands: (subcommands ?? []).map(\.command))
        }
    }

    /// The tree of `asl-lab`'s commands; nil if ArgumentParser's description cannot be read.
    static var root: CommandLineAdvice.Command? {
        (try? JSONDecoder().decode(Tool.self, from: Data(ASLLab._dumpHelp().utf8)))?.command.command
    }
}
