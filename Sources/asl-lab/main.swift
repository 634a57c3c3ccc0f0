import ArgumentParser
import Foundation
import NN
import Pipeline

// Exit statuses are part of the CLI contract: 0 on success, 1 on any user error with a
// one-paragraph message and never a stack trace (ArgumentParser's usage status 64 becomes 1),
// 130 when a signal stopped the work (and the message says how to carry on).
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    var command = try ASLLab.parseAsRoot(RunCommand.normalise(arguments))
    if command is ComputesWithKernels { try KernelEnvironment.check() }
    try command.run()
} catch let error as UserFacingError {
    FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
    exit(error.exitStatus)
} catch {
    if ASLLab.exitCode(for: error) == .success {
        ASLLab.exit(withError: error) // --help and --version print and exit 0
    }
    // A misspelt command or a config key given as an option gets a suggestion that fits it
    // better than the parser's nearest spelling.
    if let root = CommandTree.root, let advice = CommandLineAdvice.message(for: arguments, root: root) {
        FileHandle.standardError.write(Data("Error: \(advice)\n".utf8))
        exit(1)
    }
    FileHandle.standardError.write(Data((ASLLab.fullMessage(for: error) + "\n").utf8))
    exit(1)
}
