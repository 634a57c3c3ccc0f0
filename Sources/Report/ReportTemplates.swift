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
        if let folder {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ReportError.missingFile(folder)
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where name.hasSuffix(".mustache") || name == "style.css" {
                let path = (folder as NSString).appendingPathComponent(name)
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ReportError.unreadable(path: path, reason: "it is not UTF-8 text")
                }
                files[name] = text
            }
        }
        var library = MustacheLibrary()
        for (name, text) in files.sorted(by: { $0.key < $1.key }) where name.hasSuffix(".mustache") {
            do {
                try library.register(text, named: String(name.dropLast(".mustache".count)))
            } catch {
                throw ReportError.template(name: name, reason: "\(error)")
            }
        }
        self.library = library
        self.style = files["style.css"] ?? ""
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
    var run: RunHeader
    var nav: [NavItem]
    var pages: [PageModel]
    var singleFile: Bool
    var style: String
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
