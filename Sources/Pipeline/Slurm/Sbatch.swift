import Foundation

/// Submits batch scripts with Slurm's `sbatch`, found on PATH. Runs it with Foundation's
/// `Process` (no package dependency for one short-lived child whose output is a line); Slurm
/// reads its `slurm.conf` as usual (`SLURM_CONF` or the system's).
public enum Sbatch {
    /// Submits the script at `script` with `sbatch --parsable` and returns the job's id.
    /// Throws `PipelineError.slurmNotInstalled` when PATH has no `sbatch`, and
    /// `.slurmFailed` with sbatch's own message when it refuses the job.
    public static func submit(script: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(PipelineError) -> SlurmJobID {
        guard let sbatch = program("sbatch", environment: environment) else { throw .slurmNotInstalled(program: "sbatch") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sbatch)
        process.arguments = ["--parsable", script]
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw .slurmFailed(action: "submit \(script)", detail: "\(sbatch) did not start (\(error.localizedDescription))")
        }
        // Read standard error while standard output is read here, so neither pipe fills.
        let errors = ErrorText(), errorHandle = err.fileHandleForReading
        let reader = Thread { errors.set(errorHandle.readDataToEndOfFile()) }
        reader.start()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let message = errors.wait()
        guard process.terminationStatus == 0 else {
            throw .slurmFailed(action: "submit \(script) (sbatch exit status \(process.terminationStatus); nothing was submitted)", detail: message)
        }
        guard let id = SlurmJobID(parsableOutput: output) else {
            throw .slurmFailed(action: "say which job it made from \(script)", detail: "sbatch --parsable printed \(CommandLineText.quote(output)) instead of a job id. \(message)")
        }
        return id
    }

    /// The executable `name` in PATH's folders, or nil.
    static func program(_ name: String, environment: [String: String]) -> String? {
        for folder in (environment["PATH"] ?? "").split(separator: ":") {
            let path = (String(folder) as NSString).appendingPathComponent(name)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue,
               FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Standard error as read on another thread, handed over once it ends.
    private final class ErrorText: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var data = Data()

        func set(_ data: Data) {
            self.data = data
            done.signal()
        }

        func wait() -> String {
            done.wait()
            return String(decoding: data, as: UTF8.self)
        }
    }
}
