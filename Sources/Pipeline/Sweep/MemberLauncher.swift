import AtomicIO
import FileFormats
import Foundation
import Interrupt
import Storage

/// Runs sweep members as `asl-lab run` processes, up to `jobs` at once, each with its share of
/// the threads and its console output in `members/<member>.out`. Each member runs in its own
/// process group, so a Ctrl-C at the terminal reaches the sweep alone, which passes one stop
/// request to every running member (a second signal would make a member quit at once,
/// without marking its run folder interrupted).
struct MemberLauncher {
    let executable: String
    let folder: SweepFolder
    let cacheRoot: String
    let threads: Int
    let sweepName: String

    struct Result {
        var member: String
        var status: Int32
        var seconds: Double
    }

    /// The arguments of a member's `asl-lab run`: tagged with the sweep (`runs list --where
    /// tag=sweep:NAME` finds its members), its note the member's swept values.
    func arguments(for member: SweepPlan.Member) -> [String] {
        ["run", "--config", folder.memberConfig(member.name), "--reports", folder.path, "--cache", cacheRoot,
         "--name", member.name, "--threads", String(threads), "--tag", Self.tag(sweep: sweepName), "--note", Self.note(member.label)]
    }

    /// "sweep:NAME", made a valid tag whatever the sweep's name holds.
    static func tag(sweep name: String) -> String {
        let word = String(name.unicodeScalars.map { $0.properties.isWhitespace || $0.properties.generalCategory == .control || $0 == "," ? "-" : Character($0) })
        return String(("sweep:" + word).prefix(RunLabels.tagLimit))
    }

    /// The member's values as a valid note (a long list of values is cut).
    static func note(_ label: String) -> String {
        let plain = String(label.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        return plain.count > RunLabels.noteLimit ? String(plain.prefix(RunLabels.noteLimit - 1)) + "…" : plain
    }

    func run(_ members: [SweepPlan.Member], jobs: Int, stop: StopRequest, output: ConsoleOutput) throws -> [Result] {
        var queue = members[...]
        var running: [(member: SweepPlan.Member, pid: pid_t, started: Date)] = []
        var results: [Result] = []
        var forwarded = false
        let total = members.count
        var startedCount = 0
        while !queue.isEmpty || !running.isEmpty {
            while running.count < jobs, !stop.isRequested, let member = queue.popFirst() {
                startedCount += 1
                let pid = try spawn(member)
                output.write("[\(startedCount)/\(total)] \(member.name) (\(member.label)): started, \(threads) thread\(threads == 1 ? "" : "s").\n")
                running.append((member, pid, Date()))
            }
            if stop.isRequested && !forwarded {
                forwarded = true
                for child in running { kill(child.pid, SIGINT) }
                queue.removeAll()
            }
            var finished: [Int] = []
            for (i, child) in running.enumerated() {
                var status: Int32 = 0
                let result = waitpid(child.pid, &status, WNOHANG)
                guard result == child.pid || (result < 0 && errno == ECHILD) else { continue }
                let code: Int32 = result < 0 ? 1 : ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
                let seconds = Date().timeIntervalSince(child.started)
                results.append(Result(member: child.member.name, status: code, seconds: seconds))
                output.write("\(child.member.name): \(describe(child.member, status: code, seconds: seconds))\n")
                finished.append(i)
            }
            for i in finished.reversed() { running.remove(at: i) }
            if !running.isEmpty { usleep(50_000) }
        }
        return results
    }

    /// "complete: 98.1 %, MAE 0.241, 41 s" or "failed (exit 1); see …".
    private func describe(_ member: SweepPlan.Member, status: Int32, seconds: Double) -> String {
        let out = folder.memberOutput(member.name)
        guard status == 0 else {
            let lastLine = (try? String(contentsOfFile: out, encoding: .utf8))?.split(separator: "\n").last.map(String.init) ?? ""
            return (status == 130 ? "stopped" : "failed (exit \(status))") + " after \(Int(seconds.rounded())) s; its output is in \(out)"
                + (lastLine.isEmpty ? "" : ":\n    " + String(lastLine.prefix(400)))
        }
        let state = folder.state(ofMember: member.name, configHash: member.config.hash)
        let metrics = state.manifest?.metrics
        var parts = ["complete"]
        if let accuracy = metrics?.testAccuracy { parts.append(String(format: "%.2f %%", accuracy * 100)) }
        if let mae = metrics?.testDistanceMAE { parts.append(String(format: "MAE %.3f", mae)) }
        parts.append("\(Int(seconds.rounded())) s")
        return parts.joined(separator: ", ")
    }

    /// Starts a member in its own process group, its output (both streams) in its `.out` file.
    private func spawn(_ member: SweepPlan.Member) throws -> pid_t {
        let outPath = folder.memberOutput(member.name)
        unlink(outPath)
        let fd = open(outPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PipelineError.cannotWrite(path: outPath, reason: SystemReason.current(path: outPath))
        }
        defer { close(fd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, fd, STDERR_FILENO)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        // The sweep ignores SIGINT and SIGTERM (its dispatch sources hear them); a member must
        // start with the default handlers and nothing blocked.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let argv = ([executable] + arguments(for: member)).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv + [nil], environ)
        guard result == 0 else {
            throw PipelineError.missingInput(path: executable, problem: "it cannot be started (\(String(cString: strerror(result))))",
                                             advice: "the sweep runs each member with the asl-lab binary it was started as")
        }
        return pid
    }
}
