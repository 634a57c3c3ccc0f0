import Foundation

/// The kernel choices a user makes through the environment: `ASL_LAB_GEMM=openblas` (fp32
/// products in OpenBLAS) and `ASL_LAB_BF16=avx512` (bf16 on AVX512-BF16 where the CPU has
/// AMX) or `none` (act as a CPU without bf16 instructions). A value the tool does not know is
/// refused before a command runs: ignored, a misspelt choice would train or measure on another
/// kernel than the one asked for, and only the kernel's name in the output would tell.
public enum KernelEnvironment {
    /// Each variable and the values it takes (compared without regard to case).
    public static let choices: [(variable: String, values: [String])] = [
        ("ASL_LAB_GEMM", ["openblas"]),
        ("ASL_LAB_BF16", ["avx512", "none"]),
    ]

    /// A kernel choice the tool does not know; its description is `problem(in:)`'s sentence.
    public struct UnknownChoice: Error, CustomStringConvertible {
        public let description: String
    }

    /// The variable's value in lower case; nil where it is unset or empty (`VAR= command`
    /// clears a choice).
    static func value(_ variable: String, in environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        environment[variable].flatMap(normalised)
    }

    private static func normalised(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed.lowercased()
    }

    /// A sentence naming the first variable set to a value it does not take, and the values it
    /// takes; nil when every one is unset, empty or known.
    public static func problem(in environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        for (variable, values) in choices {
            guard let text = environment[variable], let value = normalised(text), !values.contains(value) else { continue }
            return "The environment variable \(variable) is \"\(text)\", which asl-lab does not know; it takes \(values.joined(separator: " or ")) "
                + "(or leave it unset for the default kernel). Correct it or unset it (unset \(variable))."
        }
        return nil
    }

    /// Throws the choice `problem(in:)` finds, for the commands that compute.
    public static func check(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(UnknownChoice) {
        if let problem = problem(in: environment) { throw UnknownChoice(description: problem) }
    }
}
