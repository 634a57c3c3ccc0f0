import NN
import XCTest

final class KernelEnvironmentTests: XCTestCase {
    func testKnownEmptyAndUnsetChoicesPass() {
        XCTAssertNil(KernelEnvironment.problem(in: [:]))
        XCTAssertNil(KernelEnvironment.problem(in: ["ASL_LAB_BF16": "", "ASL_LAB_GEMM": " "]), "an empty value clears the choice")
        XCTAssertNil(KernelEnvironment.problem(in: ["ASL_LAB_BF16": "AVX512", "ASL_LAB_GEMM": "OpenBLAS"]), "case does not matter")
        XCTAssertNil(KernelEnvironment.problem(in: ["ASL_LAB_BF16": "none", "ASL_LAB_OTHER": "anything"]), "other variables are not ours to judge")
    }

    func testAnUnknownChoiceIsNamedWithTheValuesItTakes() throws {
        let bf16 = try XCTUnwrap(KernelEnvironment.problem(in: ["ASL_LAB_BF16": "avx-512"]))
        XCTAssertTrue(bf16.contains("ASL_LAB_BF16 is \"avx-512\""), bf16)
        XCTAssertTrue(bf16.contains("avx512 or none"), bf16)
        let gemm = try XCTUnwrap(KernelEnvironment.problem(in: ["ASL_LAB_GEMM": "mkl", "ASL_LAB_BF16": "none"]))
        XCTAssertTrue(gemm.contains("ASL_LAB_GEMM is \"mkl\"") && gemm.contains("takes openblas"), gemm)
    }
}
