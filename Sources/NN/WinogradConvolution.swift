import SIMDKernels

/// How a convolution's products are formed.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable, Codable {
    /// Lowering (im2col) and one product per piece: 9·C multiply-adds per output.
    case direct
    /// Winograd F(2×2, 3×3) where it applies (3 × 3 kernels, padding 1, zero border, even planes,
    /// at least `WinogradConvolution.minimumChannels` inputs): 2 × 2 outputs from 16 products
    /// per channel instead of 36, so 2.25× fewer multiply-adds, in all three directions.
    case winograd
}

/// The band-level work of a Winograd F(2×2, 3×3) convolution, for `Conv2d`: transforms in
/// SIMDKernels, the 16 per-point products in the engine's own kernel. Each output, and each
/// part's weight-gradient partial, is a sum in an order fixed by the shapes alone (tiles and
/// channels), so results do not depend on the thread count.
///
/// Transformed arrays are [ξ][channel][tile]: for each of the 16 points ξ a channels × tiles
/// matrix, its rows `tiles` apart.
enum WinogradConvolution {
    /// Below this many input channels the products are too short for the transforms to pay
    /// (SmallCNN's first conv has 3).
    static let minimumChannels = 16

    static func applies(inChannels: Int, kernel: Int, padding: Int, paddingValues: [Float]?, height: Int, width: Int) -> Bool {
        kernel == 3 && padding == 1 && paddingValues == nil && inChannels >= minimumChannels && height % 2 == 0 && width % 2 == 0
            && height >= 2 && width >= 2
    }

    /// Floats of the transformed weights U (or their gradient): 16 · K · C.
    static func weightSize(inChannels c: Int, outChannels k: Int) -> Int { 16 * k * c }

    /// How a batch is cut into pieces: whole images (`images` at a time) when an image's
    /// transformed input and output fit `bytes`, else bands of `tileRows` rows of tiles of one image.
    struct Pieces {
        var tileRows: Int
        var images: Int
        var tilesPerRow: Int
        var tilesPerPiece: Int { images * tileRows * tilesPerRow }
    }

    static func pieces(inChannels c: Int, outChannels k: Int, height h: Int, width w: Int, images n: Int, bytes: Int) -> Pieces {
        let tw = w / 2, th = h / 2
        let bytesPerTile = 16 * (c + k) * 4
        let tiles = max(tw, bytes / bytesPerTile)
        let tileRows = min(th, max(1, tiles / tw))
        let images = tileRows < th ? 1 : max(1, min(n, tiles / (th * tw)))
        return Pieces(tileRows: tileRows, images: images, tilesPerRow: tw)
    }

    /// U = G g Gᵀ of every kernel, [ξ][k][c].
    static func transformWeights(_ w: UnsafePointer<Float>, outChannels k: Int, inChannels c: Int, into u: UnsafeMutablePointer<Float>) {
        asl_winograd_weights(w, k, c, u)
    }

    /// Where one piece's images and rows are: `count` images from `first`, tile rows
    /// `tileRow0 ..< tileRow0 + tileRows`, in a (C, N, H, W) batch of `batch` images.
    struct Piece {
        var first: Int, count: Int, tileRow0: Int, tileRows: Int
        var batch: Int, height: Int, width: Int
        var tilesPerImage: Int { tileRows * (width / 2) }
        var tiles: Int { count * tilesPerImage }
        var plane: Int { height * width }
    }

    /// Forward of one piece: the convolution's outputs (no bias) of its rows, written into
    /// `out` (K, N, H, W). `v` and `m` hold 16·C·tiles and 16·K·tiles floats.
    static func forward(_ piece: Piece, input x: UnsafePointer<Float>, inChannels c: Int, outChannels k: Int,
                        weights u: UnsafePointer<Float>, v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
                        out: UnsafeMutablePointer<Float>, engine: Engine, name: String) {
        let t = piece.tiles, stride = piece.batch * piece.plane
        engine.timedInWorker(name, .forward, .transform) {
            for i in 0..<piece.count {
                asl_winograd_input(x + (piece.first + i) * piece.plane, c, stride, piece.height, piece.width,
                                   piece.tileRow0, piece.tileRows, v + i * piece.tilesPerImage, t)
            }
        }
        engine.timedInWorker(name, .forward, .gemm, operations: 2 * Double(16 * k * c * t)) {
            pointProducts(engine, false, false, m: k, n: t, k: c, u, lda: c, v, ldb: t, beta: 0, m, ldc: t)
        }
        engine.timedInWorker(name, .forward, .transform) {
            for i in 0..<piece.count {
                asl_winograd_output(m + i * piece.tilesPerImage, t, k, stride, piece.width, piece.tileRow0, piece.tileRows,
                                    out + (piece.first + i) * piece.plane)
            }
        }
    }

    /// The weight gradient's products dU = dM · Vᵀ have the K × C result in one orientation or
    /// the other, and the product kernel's strips are 48 columns wide: C × K (V · dMᵀ) when K
    /// is the wider (conv 3: 128 columns fill 89 % of three strips, where 64 fill 67 % of two).
    /// Each entry is the same sum over the tiles either way.
    static func gradientIsChannelMajor(inChannels c: Int, outChannels k: Int) -> Bool { k > c }

    /// Backward of one piece: adds dM · Vᵀ to the part's weight-gradient partial `du` ([ξ][k][c],
    /// or [ξ][c][k] where `gradientIsChannelMajor`)
    /// and, with `dx`, adds the piece's input gradient onto it (its planes zeroed by the caller
    /// before an image's first piece). `v`, `dm` and `dv` hold 16·C, 16·K and 16·C · tiles floats.
    static func backward(_ piece: Piece, input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                         inChannels c: Int, outChannels k: Int, weights u: UnsafePointer<Float>,
                         v: UnsafeMutablePointer<Float>, dm: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
                         du: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?, engine: Engine, name: String) {
        let t = piece.tiles, stride = piece.batch * piece.plane
        engine.timedInWorker(name, .backward, .transform) {
            for i in 0..<piece.count {
                let offset = (piece.first + i) * piece.plane
                asl_winograd_input(x + offset, c, stride, piece.height, piece.width, piece.tileRow0, piece.tileRows,
                                   v + i * piece.tilesPerImage, t)
                asl_winograd_output_adjoint(dy + offset, k, stride, piece.width, piece.tileRow0, piece.tileRows,
                                            dm + i * piece.tilesPerImage, t)
            }
        }
        engine.timedInWorker(name, .backward, .gemm, operations: 2 * Double(16 * k * c * t)) {
            if gradientIsChannelMajor(inChannels: c, outChannels: k) {
                pointProducts(engine, false, true, m: c, n: k, k: t, v, lda: t, dm, ldb: t, beta: 1, du, ldc: k)
            } else {
                pointProducts(engine, false, true, m: k, n: c, k: t, dm, lda: t, v, ldb: t, beta: 1, du, ldc: c)
            }
        }
        guard let dx else { return }
        engine.timedInWorker(name, .backward, .gemm, operations: 2 * Double(16 * k * c * t)) {
            pointProducts(engine, true, false, m: c, n: t, k: k, u, lda: c, dm, ldb: t, beta: 0, dv, ldc: t)
        }
        engine.timedInWorker(name, .backward, .transform) {
            for i in 0..<piece.count {
                asl_winograd_input_adjoint(dv + i * piece.tilesPerImage, t, c, stride, piece.height, piece.width,
                                           piece.tileRow0, piece.tileRows, dx + (piece.first + i) * piece.plane)
            }
        }
    }

    /// The 16 products C_ξ = op(A_ξ) · op(B_ξ) + beta · C_ξ, one per transform point, for
    /// [ξ][rows][columns] arrays: each operand's ξ-th matrix follows its (ξ − 1)-th, whole.
    private static func pointProducts(_ engine: Engine, _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
                                      _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float,
                                      _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        for point in 0..<16 {
            BLAS.gemm(engine.kernel, transA, transB, m: m, n: n, k: k, a + point * m * k, lda: lda, b + point * k * n, ldb: ldb,
                      beta: beta, c + point * m * n, ldc: ldc)
        }
    }

    /// dw += Gᵀ dU G.
    static func addWeightGradient(_ du: UnsafePointer<Float>, outChannels k: Int, inChannels c: Int, into dw: UnsafeMutablePointer<Float>) {
        asl_winograd_weights_adjoint(du, gradientIsChannelMajor(inChannels: c, outChannels: k) ? 1 : 0, k, c, dw)
    }
}
