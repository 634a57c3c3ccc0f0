import AtomicIO
import Foundation
import Mustache

/// The report's Mustache templates and stylesheet: the built-in copies, with any file of the
/// same name in a user's `--templates` folder taking their place.
struct ReportTemplates {
    static let required = ["layout.mustache", "page.mustache", "block.mustache", "figure.mustache", "style.css"]

    let library: MustacheLibrary
    let style: String

    init(folder: String?) throws {
        var files = DefaultTemplates.files
        var paths: [String: String] = [:] // file name → where it came from, for messages
        if let folder {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ReportError.missingFile(folder)
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names.sorted() where name.hasSuffix(".mustache") || name == "style.css" {
                let path = (folder as NSString).appendingPathComponent(name)
                files[name] = try InputFile.readText(path, limit: InputFile.Limit.template) { ReportError.unreadable(path: path, reason: $0) }
                paths[name] = path
            }
        }
        let templates = files.filter { $0.key.hasSuffix(".mustache") }
        // Loops of partials and runaway nesting would overflow the stack in the library.
        do {
            try TemplateCheck.check(Dictionary(uniqueKeysWithValues: templates.map { (String($0.key.dropLast(".mustache".count)), $0.value) }))
        } catch ReportError.template(let name, let reason) {
            throw ReportError.template(name: paths[name] ?? name, reason: reason)
        }
        var library = MustacheLibrary()
        for (name, text) in templates.sorted(by: { $0.key < $1.key }) {
            do {
                try library.register(text, named: String(name.dropLast(".mustache".count)))
            } catch let error as MustacheTemplate.ParserError {
                throw ReportError.template(name: paths[name] ?? name,
                                           reason: "line \(error.context.lineNumber), column \(error.context.columnNumber): \(Self.describe(error.error))")
            } catch {
                throw ReportError.template(name: paths[name] ?? name, reason: "it cannot be parsed")
            }
        }
        self.library = library
        self.style = files["style.css"] ?? ""
    }

    /// The library's parser errors in words.
    static func describe(_ error: Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "the template cannot be parsed" }
        switch error {
        case .sectionCloseNameIncorrect: return "a section is closed ({{/…}}) with a name other than the one that opened it"
        case .unfinishedName: return "a tag is not closed, or its name holds characters a name may not"
        case .expectedSectionEnd: return "a section ({{#…}} or {{^…}}) is never closed"
        case .invalidSetDelimiter: return "a set-delimiter tag ({{=… …=}}) is malformed"
        case .transformAppliedToInheritanceSection: return "a transform is applied to an inherited block"
        case .illegalTokenInsideInheritSection: return "a partial with inheritance ({{<…}}) holds something other than blocks"
        case .textInsideInheritSection: return "a partial with inheritance ({{<…}}) holds text outside its blocks"
        case .invalidConfigVariableSyntax: return "a configuration tag ({{%…}}) is malformed"
        case .unrecognisedConfigVariable: return "a configuration tag ({{%…}}) names an unknown setting"
        @unknown default: return "the template cannot be parsed"
        }
    }

    func render(_ layout: LayoutModel) throws -> String {
        guard let html = library.render(layout, withTemplate: "layout") else {
            throw ReportError.template(name: "layout.mustache", reason: "it is missing")
        }
        return html
    }
}

/// What `layout.mustache` sees.
struct LayoutModel {
    var documentTitle: String
    var reportTitle: String
    /// The line above the title: "asl-lab report", "asl-lab runs".
    var kicker = "asl-lab report"
    var toolVersion: String
    /// The run a report page belongs to; nil on the pages of a reports folder.
    var run: RunHeader?
    var nav: [NavItem]
    var pages: [PageModel]
    var singleFile: Bool
    var style: String
    /// The state of a run that is not finished, shown above every page; nil for a finished one.
    var banner: BannerModel? = nil
}

/// What the templates see of a `ReportBanner`.
struct BannerModel {
    var kind: String
    var heading: String
    var text: String

    init(_ banner: ReportBanner) {
        (kind, heading, text) = (banner.kind.rawValue, banner.heading, banner.text)
    }
}

struct RunHeader {
    var name: String
    var date: String
    var seed: String
    var toolVersion: String
    var configHash: String
}

struct NavItem {
    var href: String
    var label: String
    var current: Bool
}

extension ReportRenderer {
    /// Loads the templates in `folder` over the built-in ones, as `render` does, and renders a
    /// sample page with a figure, a table and a paragraph: a template's problems (syntax,
    /// loops of partials) show without a run folder. Returns the sample's HTML.
    public static func checkTemplates(folder: String) throws -> String {
        let templates = try ReportTemplates(folder: folder)
        let figure = FigureModel(name: "sample", caption: "A figure", alt: "A figure", width: 10, height: 10, src: "figures/sample.svg",
                                 png: nil, csv: nil)
        let page = PageModel(id: "overview", title: "Overview", file: ReportFiles.index, lead: "Lead",
                             sections: [SectionModel("Section", anchor: "section", [
                                 .figure(figure), .table(TableModel(caption: "A table", header: ["a"], rows: [["1"]])), .paragraph("Text"),
                             ])])
        let header = RunHeader(name: "sample", date: "", seed: "0", toolVersion: "", configHash: "")
        return try templates.render(LayoutModel(documentTitle: "Sample", reportTitle: "Sample", toolVersion: "", run: header,
                                                nav: [NavItem(href: page.file, label: page.title, current: true)], pages: [page],
                                                singleFile: false, style: templates.style))
    }
}

extension ReportRenderer {
    /// The built-in templates and stylesheet by file name, as `--templates` folders override them.
    public static var builtInTemplates: [String: String] { DefaultTemplates.files }
}
