/// One worker's copies of SmallCNN's first two blocks (sharing their parameters) and its
/// image buffer, for image-by-image inference (`SmallCNN.imageByImageInference`).
final class ImageLane {
    let convs: [Conv2d]
    let pools: [MaxPool2d]
    /// One input image, (3, 1, S, S).
    var image: Tensor
    var engine: Engine {
        didSet { handEngineToLayers() }
    }

    init(convs: ArraySlice<Conv2d>, pools: ArraySlice<MaxPool2d>, side: Int, engine: Engine) {
        self.convs = convs.map { Conv2d(sharingParametersOf: $0) }
        self.pools = pools.map { original in
            let pool = MaxPool2d()
            pool.name = original.name
            return pool
        }
        self.engine = engine
        image = Tensor(zeros: [3, 1, side, side])
        handEngineToLayers()
    }

    private func handEngineToLayers() {
        for conv in convs { conv.engine = engine }
        for pool in pools { pool.engine = engine }
    }
}
