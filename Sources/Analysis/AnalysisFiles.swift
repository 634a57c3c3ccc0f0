import FileFormats

/// The files `asl-lab analyse` writes into its output folder (the run folder in a pipeline
/// run); `metrics.json`'s shape is FileFormats' `AnalysisMetrics`. The report reads exactly these; other tools
/// (numpy, pandas) can too. Row order of every per-sample file is the test split's order
/// (ascending data set index), the same in `embeddings.npy`, `embeddings.csv`, `tsne.npy`,
/// `pca.npy` and `predictions.csv`.
public enum AnalysisFiles {
    /// `AnalysisMetrics` as JSON.
    public static let metrics = AnalysisMetrics.fileName
    /// path,letter,distance,predicted,probability,predicted_distance,correct — one row per test image.
    public static let predictions = "predictions.csv"
    /// float32 (N, classHidden): post-ReLU class_head.0 activations of every test image.
    public static let embeddings = "embeddings.npy"
    /// path,letter,distance,predicted — the rows of `embeddings.npy`.
    public static let embeddingsTable = "embeddings.csv"
    /// float32 (M, 2): the t-SNE map of the rows of `embeddings.npy` listed in `tsne_rows.npy`
    /// (all N rows, or `analyse.tsne.max_points` spread evenly).
    public static let tsne = "tsne.npy"
    /// int32 (M): which rows of `embeddings.npy` the rows of `tsne.npy` map.
    public static let tsneRows = "tsne_rows.npy"
    /// float32 (N, 2): the first two principal components of `embeddings.npy`.
    public static let pca = "pca.npy"
    /// true\predicted counts, 26 × 26, with letter headers.
    public static let confusion = "confusion.csv"
    /// name,shape,count,mean,std — one row per model tensor, state_dict order.
    public static let parameters = "parameters.csv"
    /// Folder with the look inside the model (see `InspectionFiles`).
    public static let inspection = "inspection"
}

/// Files under `inspection/`, all for the same chosen samples (a few per letter), in the
/// order of `samples.csv`.
public enum InspectionFiles {
    /// index,path,letter,distance,top1,p1,top2,p2,top3,p3 — the chosen samples and their top-3 predictions.
    public static let samples = "samples.csv"
    /// float32 (S, 3, H, W): the model's inputs (resized, in [0, 1]).
    public static let inputs = "inputs.npy"
    /// float32 (K, 3, 3, 3): conv1 weights (`features.0.weight`).
    public static let filters = "filters.npy"
    /// float32 (F, C, H, W): post-ReLU feature maps of conv block `b` (0, 1, 2), before pooling,
    /// of the first F ≤ S chosen samples (at most 6: they are 3.7 MB a sample at 128 px).
    public static func featureMaps(block: Int) -> String { "feature_maps_block\(block).npy" }
    /// float32 (S, H, W): |∂ class score / ∂ input|, max over colour channels.
    public static let saliency = "saliency.npy"
}
