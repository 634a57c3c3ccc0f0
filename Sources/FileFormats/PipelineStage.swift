/// The pipeline's stages, in order. Run records name them (a manifest's stages, the cache's
/// folders), so their names are part of the file formats.
public enum PipelineStage: String, CaseIterable, Sendable, Comparable {
    case generate, train, analyse, report

    public static func < (a: PipelineStage, b: PipelineStage) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
