import Foundation

/// A one-node Slurm on this machine for tests, started and stopped with the repository's
/// `scripts/slurm-local.sh` (root and Debian's slurmctld, slurmd, munge and slurm-client, which
/// `make test` installs). Start one per test class and stop it in the class's tearDown:
///
///     override class func setUp() { slurm = Result { try LocalSlurm.start() } }
///     override class func tearDown() { try? slurm?.get().stop() }
///     // in a test: let conf = try Self.slurm!.get().conf   — fails with the reason if it did not start
public final class LocalSlurm: @unchecked Sendable {
    /// Why a Slurm could not be started or a job not waited for: the command, its output.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The folder holding the daemons' config, state and logs.
    public let folder: String
    /// The slurm.conf to use (for `SLURM_CONF`).
    public let conf: String
    private var stopped = false

    /// The repository's scripts/slurm-local.sh.
    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/slurm-local.sh").path

    private init(folder: String, conf: String) {
        self.folder = folder
        self.conf = conf
    }

    /// Starts the daemons in a new folder under /tmp (short, for munge's socket path) and waits
    /// until the node is idle; throws with the script's output if it cannot.
    public static func start() throws -> LocalSlurm {
        let folder = "/tmp/asl-slurm-" + UUID().uuidString.prefix(8)
        let result = try run(["/bin/bash", script, "start", folder])
        let conf = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard result.status == 0, conf.hasSuffix("slurm.conf") else {
            try? FileManager.default.removeItem(atPath: folder)
            throw Failure(description: "scripts/slurm-local.sh start \(folder) failed (exit status \(result.status)); as root, `make test` installs slurmctld, slurmd, munge and slurm-client. Its output: \(result.stdout) \(result.stderr)")
        }
        return LocalSlurm(folder: folder, conf: conf)
    }

    /// Stops the daemons (waiting for them) and removes the folder.
    public func stop() throws {
        guard !stopped else { return }
        stopped = true
        let result = try Self.run(["/bin/bash", Self.script, "stop", folder])
        try? FileManager.default.removeItem(atPath: folder)
        if result.status != 0 { throw Failure(description: "scripts/slurm-local.sh stop \(folder) failed: \(result.stderr)") }
    }

    /// The environment of this process with `SLURM_CONF` pointing at this Slurm.
    public var environment: [String: String] {
        ProcessInfo.processInfo.environment.merging(["SLURM_CONF": conf]) { $1 }
    }

    /// The ids of the jobs Slurm has queued or running (`squeue -h -o %i`); an array's pending
    /// tasks count once.
    public func queuedJobs() throws -> [String] {
        let result = try Self.run(["/usr/bin/env", "squeue", "-h", "-o", "%i"], environment: environment)
        guard result.status == 0 else { throw Failure(description: "squeue failed: \(result.stderr)") }
        return result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Waits until job `id` (all its tasks, for an array) has left the queue (`squeue -h -j ID`
    /// prints nothing or no longer knows it); throws after `timeout` seconds.
    public func waitForJob(_ id: String, timeout: TimeInterval = 120) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let result = try Self.run(["/usr/bin/env", "squeue", "-h", "-j", id], environment: environment)
            if result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return }
            usleep(300_000)
        }
        throw Failure(description: "job \(id) was still queued or running after \(Int(timeout)) s")
    }

    deinit {
        try? stop()
    }

    /// Runs a program to its end and returns its status and output.
    public static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-out-\(UUID().uuidString)")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        // Files, not pipes: the daemons started by the script inherit its output and keep a pipe open.
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}
