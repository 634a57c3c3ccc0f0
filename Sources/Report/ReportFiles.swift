/// The pages and files `asl-lab report` writes into a run folder.
public enum ReportFiles {
    public static let index = "index.html"
    /// The whole report as one self-contained HTML file (`--single-file`, `report.single_file`).
    public static let singleFile = "report-single-file.html"
    public static let stylesheet = "style.css"
    public static let figures = "figures"
    /// Figures that show facts of the run itself (its stage timings), not of its inputs: drawn
    /// for every run, never reused from an earlier report.
    public static let runSpecificFigures: Set<String> = ["overview-stages"]
    /// The cache folder where a run's figures are kept for the next run with the same inputs.
    public static let figuresCacheStage = "report-figures"
}
