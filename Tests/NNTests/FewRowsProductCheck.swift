import XCTest
@testable import NN

/// C = A · Bᵀ + beta · C as the kernels take it: m, n, k, A, lda, B (n × k), ldb, beta, C, ldc.
typealias ProductBT = (Int, Int, Int, UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, Float, UnsafeMutablePointer<Float>, Int) -> Int32

/// Holds a few-rows product (a linear layer's forward: the batch's rows across the lanes, B read
/// as stored) to its packed kernel's bits: 1, 5, 8, 17 and 32 rows, 1 to 130 columns (partial
/// blocks of 8), each k of `ks`, beta 0, 1 and ½, with C inside a wider buffer that holds a NaN
/// (beta 0 must ignore it in both kernels alike). For 33 rows, and where the CPU lacks the
/// kernel (`available` false), it must decline and leave C untouched. Returns the cases that ran.
func checkFewRowsProductGivesThePackedKernelsBits(ks: [Int], available: Bool, packed: ProductBT, fewRows: ProductBT,
                                                   file: StaticString = #filePath, line: UInt = #line) -> Int {
    var cases = 0
    for m in [1, 5, 8, 17, 32, 33] {
        for n in [1, 9, 130] {
            for k in ks {
                for beta: Float in [0, 1, 0.5] {
                    let (lda, ldb, ldc) = (k + 3, k + 5, n + 2)
                    let a = randomTensor([m * lda], seed: UInt64(m * 7 + k)).data, b = randomTensor([n * ldb], seed: UInt64(n * 11 + k)).data
                    var start = randomTensor([m * ldc], seed: 5).data
                    start[m * ldc - 3] = .nan
                    var viaPacking = start, inPlace = start
                    _ = packed(m, n, k, a, lda, b, ldb, beta, &viaPacking, ldc)
                    let ran = fewRows(m, n, k, a, lda, b, ldb, beta, &inPlace, ldc)
                    XCTAssertEqual(ran != 0, available && m <= 32, "\(m)×\(n)×\(k)", file: file, line: line)
                    if ran != 0 {
                        XCTAssertEqual(inPlace.map(\.bitPattern), viaPacking.map(\.bitPattern), "\(m)×\(n)×\(k), β \(beta)", file: file, line: line)
                        cases += 1
                    } else {
                        XCTAssertEqual(inPlace.map(\.bitPattern), start.map(\.bitPattern), "a declined call leaves C untouched", file: file, line: line)
                    }
                }
            }
        }
    }
    return cases
}
