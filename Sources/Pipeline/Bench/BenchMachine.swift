import FileFormats
import NN

/// The computer a benchmark ran on, in its result: a speed figure means little without the CPU
/// it came from, and the project's machines come in two kinds with different instructions.
public struct BenchMachine: Codable, Equatable, Sendable {
    /// CPU model name, as the OS reports it.
    public var cpu: String
    public var cores: Int
    /// The kernels this process runs products on: fp32's ("avx512", "openblas") and bf16's
    /// ("avx512-bf16", "amx-bf16", or "none": bf16 then runs in fp32).
    public var fp32Kernel: String
    public var bf16Kernel: String

    enum CodingKeys: String, CodingKey {
        case cpu, cores
        case fp32Kernel = "fp32_kernel"
        case bf16Kernel = "bf16_kernel"
    }

    public static var current: BenchMachine {
        let machine = RunManifest.Machine.current
        return BenchMachine(cpu: machine.cpu, cores: machine.cores, fp32Kernel: ProductKernel.fp32.rawValue,
                            bf16Kernel: ProductKernel.bf16?.rawValue ?? "none")
    }

    /// One line for the head of a benchmark's table.
    public var line: String {
        "machine: \(cpu), \(cores) core\(cores == 1 ? "" : "s"); products in fp32 on \(fp32Kernel), in bf16 on \(bf16Kernel)"
    }
}
