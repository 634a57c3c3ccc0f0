/// One word of a command in a batch script: literal text, which is single-quoted so the shell
/// passes it through unchanged (spaces, quotes, `$`, `*`…), joined with environment variables
/// that the job's shell expands when it runs (`$SLURM_ARRAY_TASK_ID`, `$SLURM_CPUS_PER_TASK`).
///
///     let config: ShellWord = .text(sweep + "/members/member-") + .variable("SLURM_ARRAY_TASK_ID") + ".yaml"
///     config.rendered  // '/my sweep/members/member-'"${SLURM_ARRAY_TASK_ID}".yaml
public struct ShellWord: Sendable, Equatable, ExpressibleByStringLiteral {
    /// A piece of a word.
    public enum Part: Sendable, Equatable {
        /// Text passed through as it is.
        case text(String)
        /// An environment variable's value, or `fallback` where it is unset or empty.
        case variable(name: String, fallback: String?)
    }

    public var parts: [Part]

    public init(parts: [Part]) {
        self.parts = parts
    }

    /// Literal text.
    public init(_ text: String) {
        self.parts = [.text(text)]
    }

    public init(stringLiteral text: String) {
        self.init(text)
    }

    /// Literal text.
    public static func text(_ text: String) -> ShellWord {
        ShellWord(text)
    }

    /// The value of the environment variable `name` when the job runs (or `fallback` where it is
    /// unset or empty, e.g. `SLURM_CPUS_PER_TASK`, which Slurm sets only for `--cpus-per-task`).
    /// `name` is a shell variable name; `fallback` holds only letters, digits and `-_./:`.
    public static func variable(_ name: String, fallback: String? = nil) -> ShellWord {
        precondition(name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
                     && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }, "not a shell variable name: \(name)")
        precondition(fallback.map { $0.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_./:".contains($0) } } ?? true,
                     "a fallback must need no quoting: \(fallback ?? "")")
        return ShellWord(parts: [.variable(name: name, fallback: fallback)])
    }

    /// The two words written as one (`a` then `b`, no space between).
    public static func + (a: ShellWord, b: ShellWord) -> ShellWord {
        ShellWord(parts: a.parts + b.parts)
    }

    /// The word as a POSIX shell reads it: text single-quoted where it is not plain, each variable
    /// double-quoted (so its value stays one word).
    public var rendered: String {
        if parts.isEmpty { return "''" }
        return parts.map { part in
            switch part {
            case .text(let text): return CommandLineText.quote(text)
            case .variable(let name, nil): return "\"${\(name)}\""
            case .variable(let name, let fallback?): return "\"${\(name):-\(fallback)}\""
            }
        }.joined()
    }
}
