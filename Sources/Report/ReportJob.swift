import Foundation
import Interrupt
import Synth

/// What `asl-lab report` needs besides the run folder's files: the settings from the run's
/// config (the Pipeline reads the YAML; this module does not).
public struct ReportJob: Sendable {
    public var runFolder: String
    /// A folder whose templates replace the built-in ones (any subset of them).
    public var templates: String?
    public var singleFile: Bool
    public var title: String
    /// The data set's generator settings and seed, to draw one sample per family through
    /// its augmentation steps; nil skips that figure.
    public var dataConfig: DataConfig?
    public var dataSeed: UInt64?
    /// Tool version to show when the run has no manifest.
    public var toolVersion: String
    /// A `figures/` folder from an earlier report of the same inputs (the pipeline keeps one
    /// per analyse key): its figures are linked instead of drawn again, except the ones that
    /// show this run's own facts (`ReportFiles.runSpecificFigures`).
    public var reusableFigures: String?
    /// Polled before each figure is drawn and before the pages are written; when requested,
    /// no page is written and `ReportError.interrupted` is thrown.
    public var stop: StopRequest?

    public init(runFolder: String, templates: String? = nil, singleFile: Bool = false, title: String,
                dataConfig: DataConfig? = nil, dataSeed: UInt64? = nil, toolVersion: String) {
        self.runFolder = runFolder
        self.templates = templates
        self.singleFile = singleFile
        self.title = title
        self.dataConfig = dataConfig
        self.dataSeed = dataSeed
        self.toolVersion = toolVersion
    }
}

/// What a report run wrote.
public struct ReportOutcome: Sendable {
    /// Absolute path of `index.html`.
    public var index: String
    /// Absolute path of the single-file report, when asked for.
    public var singleFile: String?
    /// The page files, in navigation order.
    public var pages: [String]
    /// The pages linked from them (image galleries, the t-SNE region map).
    public var drillDownPages: [String] = []
    public var figures: Int
    /// Of `figures`, how many were linked from `ReportJob.reusableFigures`.
    public var reusedFigures: Int = 0
    /// Seconds each figure took (building its data, drawing, writing), by name.
    public var figureSeconds: [String: Double]
    /// Bytes each page loads (the HTML, its stylesheet and the images it shows), by file name.
    public var pageWeights: [String: Int]
    public var singleFileBytes: Int?
    /// Files the report wanted but did not find or could not read, as sentences.
    public var problems: [String]
    public var seconds: Double
}
