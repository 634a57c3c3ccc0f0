// swift-tools-version:6.1
import PackageDescription

// Layers, lowest first: system-library shims → AtomicIO, FileFormats → Canvas, NN → Synth →
// Training → Analysis → Report → Configuration, Storage → Pipeline → asl-lab (the CLI). Lower
// layers never import higher ones; docs/ARCHITECTURE.md is the module map. Built and tested on
// Linux only (Debian 12); no Apple platform is declared (see the README on macOS).
let package = Package(
    name: "asl-lab",
    products: [
        .executable(name: "asl-lab", targets: ["asl-lab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // SHA-256 on the CPU's SHA instructions (BoringSSL): cache entries of gigabytes are
        // verified by content, not by modification time, so hashing speed matters.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // System libraries, found through pkg-config; the providers name the Debian packages.
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // libpng reports errors through longjmp, which Swift frames must never see; this C
        // target keeps setjmp/longjmp inside C and returns plain status codes.
        .target(name: "PNGCodec", dependencies: ["CPNG"], linkerSettings: [.linkedLibrary("z")]),
        // Write-to-a-temporary-then-rename, shared by every module that writes files.
        .target(name: "AtomicIO"),
        // The user's request to stop (a signal), polled by every stage at its safe points.
        .target(name: "Interrupt", exclude: ["README.md"]),
        // One Codable type per record file a run writes and reads back (training.json,
        // history.csv, metrics.json, manifest.json, status.json, a cache entry's entry.json).
        .target(name: "FileFormats", dependencies: ["AtomicIO"], exclude: ["README.md"]),
        // The tool's version and the git commit it was built from (recorded by the plugin at
        // build time, so manifests name the binary's source, not the working directory's).
        .target(name: "BuildInfo", plugins: ["SourceRevision"]),
        .plugin(name: "SourceRevision", capability: .buildTool()),
        // SplitMix64: the one seeded generator behind every random choice.
        .target(name: "SeededRandom"),
        .target(name: "Canvas", dependencies: ["CCairo", "PNGCodec", "AtomicIO"]),
        // Hot loops written with AVX2 / AVX-512 intrinsics behind a run-time CPU check, so the
        // binary still runs (on the Swift kernels or OpenBLAS) where those are missing.
        .target(name: "SIMDKernels"),
        // For tests only: carries out the AMX tile instructions when they fault on a CPU without
        // AMX, so the engine's compiled tile code runs here (not linked into asl-lab).
        .target(name: "AMXTrap"),
        // For tests only: vdpbf16ps and vcvtne2ps2bf16 one at a time, to hold this CPU's bits to
        // what Intel's SDM defines (not linked into asl-lab).
        .target(name: "BF16Instructions", dependencies: ["SIMDKernels"]),
        .target(name: "Digest", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "NN", dependencies: ["COpenBLAS", "SIMDKernels", "AtomicIO", "SeededRandom"]),
        .target(name: "Plot", dependencies: ["Canvas", "AtomicIO"]),
        .target(
            name: "Synth",
            dependencies: ["Canvas", "Digest", "AtomicIO", "Interrupt", "SeededRandom", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .target(name: "Training", dependencies: ["NN", "Canvas", "Synth", "Digest", "AtomicIO", "Interrupt", "FileFormats"]),
        .target(name: "Analysis", dependencies: ["NN", "Training", "Synth", "SIMDKernels", "AtomicIO", "Interrupt", "FileFormats", "SeededRandom"]),
        .target(
            name: "Report",
            dependencies: ["Plot", "Canvas", "Analysis", "Training", "Synth", "AtomicIO", "Digest", "Interrupt", "FileFormats", .product(name: "Mustache", package: "swift-mustache")]
        ),
        // The config language: schema, defaults, YAML and --set merging, rules, hashes.
        .target(
            name: "Configuration",
            dependencies: ["AtomicIO", "Digest", "NN", "Synth", "Training", .product(name: "Yams", package: "Yams")]
        ),
        // Where runs and stage outputs live: run folders and their status, the content-addressed
        // cache with its lock and verification, archives, comparisons and the index of runs.
        .target(
            name: "Storage",
            dependencies: ["AtomicIO", "BuildInfo", "Digest", "FileFormats", "Plot", "Report", "Synth",
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // Orchestration: the stage table, `run`, the standalone stages, signals, console, benchmarks.
        .target(
            name: "Pipeline",
            dependencies: [
                "AtomicIO",
                "BuildInfo",
                "Configuration",
                "Interrupt",
                "FileFormats",
                "Canvas",
                "Digest",
                "Storage",
                "Synth",
                "Training",
                "NN",
                "Analysis",
                "Report",
                "Plot",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "asl-lab",
            dependencies: [
                "BuildInfo",
                "Configuration",
                "NN",
                "Pipeline",
                "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The fuzzer `make test` runs: a seeded mutator over every input parser, in child
        // processes whose allocations are capped (FuzzSupport interposes malloc for that, so
        // only this executable links it).
        .target(name: "FuzzSupport"),
        // A fresh folder per test, for the test targets.
        .target(name: "TestSupport"),
        .executableTarget(
            name: "asl-fuzz",
            dependencies: ["FuzzSupport", "AtomicIO", "Canvas", "Configuration", "FileFormats", "NN", "Synth", "Training", "Analysis", "Report", "Pipeline",
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .testTarget(name: "CanvasTests", dependencies: ["Canvas"]),
        .testTarget(name: "DigestTests", dependencies: ["Digest"]),
        .testTarget(name: "AtomicIOTests", dependencies: ["AtomicIO", "TestSupport"]),
        .testTarget(name: "FileFormatsTests", dependencies: ["FileFormats", "TestSupport"]),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration", "Synth", "AtomicIO", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "SIMDKernels", "AMXTrap", "BF16Instructions"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot", "Canvas", "TestSupport", "SeededRandom"]),
        .testTarget(name: "SynthTests", dependencies: ["Synth", "Canvas", "AtomicIO", "Interrupt", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "NN", "Synth", "Canvas", "Interrupt", "FileFormats", "TestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "NN", "Training", "Synth", "SIMDKernels", "Interrupt", "FileFormats", "SeededRandom"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Analysis", "Plot", "Canvas", "Synth", "Interrupt", "FileFormats", "TestSupport", "Training"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Configuration", "Storage", "BuildInfo", "Digest", "asl-lab", "asl-fuzz", "AtomicIO", "Interrupt", "Synth", "FileFormats", "TestSupport", "Canvas", "NN",
                                                    .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
    ]
)
