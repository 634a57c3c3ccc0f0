import Foundation
import XCTest
@testable import Pipeline

/// The job `run --slurm` submits: the same run, by this binary, with every path absolute.
final class SlurmRunJobTests: XCTestCase {
    /// `run --slurm` runs this binary with every path absolute and the run's own arguments.
    func testTheRunJobsCommandCarriesTheRunsArguments() throws {
        let options = PipelineRun.Options(reportsRoot: "R", cacheRoot: "/c", name: "n m", threads: 3, force: .train, until: .analyse,
                                          note: "why $x", tags: ["a", "b"])
        let job = SlurmRunJob(configFile: "cfg/my.yaml", overrides: ["train.epochs=1"], run: options, slurm: SlurmOptions(),
                              executable: "/opt/asl-lab", workingDirectory: "/w")
        XCTAssertEqual(job.command.map(\.rendered).joined(separator: " "),
                       "/opt/asl-lab run --config /w/cfg/my.yaml --set train.epochs=1 --reports /w/R --cache /c --name 'n m' "
                       + "--note 'why $x' --tag a --tag b --force train --until analyse --threads \"${SLURM_CPUS_PER_TASK:-1}\"")
        let (script, log) = job.paths(at: Date(timeIntervalSince1970: 0))
        XCTAssertTrue(script.hasPrefix("/w/R/.slurm/19700101-") && script.hasSuffix("-n-m.sbatch"), script)
        XCTAssertEqual(log, String(script.dropLast(".sbatch".count)) + "-%j.log")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: ToolExecutable.current), "the running binary, by an absolute path")
    }
}
