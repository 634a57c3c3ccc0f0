import BuildInfo
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
    /// The source this binary was built from, as recorded at build time; never the working
    /// directory's repository, which may be another project or another commit.
    static var ofThisBuild: RunManifest.Git? {
        ToolInfo.commit.map { RunManifest.Git(commit: $0, dirty: ToolInfo.dirty) }
    }
}
