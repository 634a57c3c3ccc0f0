/// The pages `asl-lab report` writes into a run folder.
public enum ReportFiles {
    public static let index = "index.html"
}
