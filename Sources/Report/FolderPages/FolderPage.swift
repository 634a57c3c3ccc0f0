import AtomicIO
import Foundation

/// The pages of a reports folder (the index of runs, compare pages), drawn with the same
/// templates and stylesheet as a run's report: the layout without a run's header, a
/// `style.css` beside them.
enum FolderPage {
    /// Renders `page` into `root/page.file` with `root/style.css`; returns the page's path.
    static func write(_ page: PageModel, title: String, heading: String, toolVersion: String, to root: String, templates folder: String?) throws -> String {
        let templates = try ReportTemplates(folder: folder)
        let layout = LayoutModel(documentTitle: title, reportTitle: heading, kicker: "asl-lab runs", toolVersion: toolVersion, run: nil,
                                 nav: [], pages: [page], singleFile: false, style: templates.style)
        let html = try templates.render(layout)
        try ReportRenderer.write(Data(templates.style.utf8), to: root, name: ReportFiles.stylesheet)
        try ReportRenderer.write(Data(html.utf8), to: root, name: page.file)
        return (root as NSString).appendingPathComponent(page.file)
    }
}
