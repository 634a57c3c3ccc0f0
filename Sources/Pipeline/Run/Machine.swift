import FileFormats
import Foundation

extension RunManifest.Machine {
    /// The computer this process runs on, for the manifest.
    static var current: RunManifest.Machine {
        let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuInfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
        return RunManifest.Machine(cores: ProcessInfo.processInfo.activeProcessorCount, cpu: model,
                            memoryBytes: ProcessInfo.processInfo.physicalMemory)
    }
}

extension RunManifest.Git {
    /// The git commit of `folder`'s checkout, if any, and whether it has changes.
    static func current(in folder: String) -> RunManifest.Git? {
        guard let commit = run(["rev-parse", "HEAD"], in: folder)?.trimmingCharacters(in: .whitespacesAndNewlines), commit.count == 40 else {
            return nil
        }
        let status = run(["status", "--porcelain", "--untracked-files=no"], in: folder) ?? ""
        return RunManifest.Git(commit: commit, dirty: !status.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    private static func run(_ arguments: [String], in folder: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}
