import Foundation
import PackagePlugin

/// Records which source a build came from: the git commit of the package's checkout and
/// whether it had changes. It runs before every build (a prebuild command), because the
/// commit changes without any source file of BuildInfo changing; the generated file is only
/// replaced when its content differs, so an unchanged checkout rebuilds nothing.
///
/// Asking git at build time (not at run time, in the working directory) is what makes
/// `asl-lab --version` and every manifest name the binary's own source, whatever folder the
/// tool runs in.
@main
struct SourceRevision: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "Generated")
        let script = context.package.directoryURL.appending(path: "scripts/source-revision.sh")
        return [
            .prebuildCommand(
                displayName: "Recording the source's git commit",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, context.package.directoryURL.path, output.appending(path: "SourceRevision.swift").path],
                outputFilesDirectory: output
            ),
        ]
    }
}
