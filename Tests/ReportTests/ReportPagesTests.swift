import FileFormats
import Foundation
import Interrupt
import TestSupport
import XCTest
@testable import Report

/// The report on a fixture run folder: pages, sections, figures, escaping, offline-ness,
/// graceful degradation and the single-file variant.
final class ReportPagesTests: TemporaryFolderTestCase {
    /// The test's folder (`folder`), under the name these tests use.
    private var root: String { folder }

    override func setUpWithError() throws {
        try super.setUpWithError()
    }
    static let pages = ["index.html", "dataset.html", "training.html", "evaluation.html", "model.html", "embeddings.html"]

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func testEveryPageHasItsSectionsAndFigures() throws {
        let job = try ReportFixture().make(root: root)
        let outcome = try ReportRenderer.render(job)
        XCTAssertEqual(outcome.pages, Self.pages)
        XCTAssertEqual(outcome.index, job.runFolder + "/index.html")
        XCTAssertTrue(outcome.problems.isEmpty, "\(outcome.problems)")
        let expected: [String: (sections: [String], figures: [String])] = [
            "index.html": (["results", "run", "stages", "config", "pages", "artifacts"], ["overview-stages"]),
            "dataset.html": (["summary", "samples", "balance", "augmentation"], ["dataset-samples", "dataset-balance", "dataset-augmentation"]),
            "training.html": (["summary", "steps", "loss", "validation", "history"], ["training-steps", "training-loss", "training-validation", "training-speed"]),
            "evaluation.html": (["summary", "confusion", "per-class", "distance", "mistakes"],
                                ["evaluation-confusion", "evaluation-per-class", "evaluation-distance", "evaluation-distance-bins",
                                 "evaluation-distance-error-by-letter", "evaluation-mistakes"]),
            "model.html": (["parameters", "filters", "feature-maps", "predictions", "saliency"],
                           ["model-filters", "model-feature-maps-0", "model-saliency"]),
            "embeddings.html": (["tsne", "pca", "separation"],
                                ["embeddings-tsne-classes", "embeddings-tsne-distance", "embeddings-tsne-thumbnails", "embeddings-pca", "embeddings-separation"]),
        ]
        for (page, want) in expected {
            let html = try read(job.runFolder + "/" + page)
            let id = page == "index.html" ? "overview" : String(page.dropLast(5))
            for section in want.sections {
                XCTAssertTrue(html.contains("<section id=\"\(id)-\(section)\">"), "\(page) has section \(section)")
            }
            for figure in want.figures {
                XCTAssertTrue(html.contains("<img src=\"figures/\(figure).svg\""), "\(page) shows \(figure)")
                for ext in ["svg", "png", "csv"] {
                    XCTAssertTrue(FileManager.default.fileExists(atPath: "\(job.runFolder)/figures/\(figure).\(ext)"), "\(figure).\(ext) written")
                }
            }
            XCTAssertFalse(html.contains("Not available."), "\(page) has everything it needs: \(Self.notes(html))")
            XCTAssertFalse(html.contains("{{"), "\(page) has no unrendered Mustache tags")
            for reference in Self.references(html) where !reference.hasPrefix("#") {
                let file = String(reference.split(separator: "#", maxSplits: 1)[0])
                XCTAssertTrue(FileManager.default.fileExists(atPath: job.runFolder + "/" + file), "\(page) links \(reference), which exists")
            }
            XCTAssertEqual(Self.navigation(html), Self.pages, "\(page) links every page in order")
        }
        let overview = try read(job.runFolder + "/index.html")
        XCTAssertTrue(overview.contains("<details><summary>"), "the config is collapsible")
        XCTAssertTrue(overview.contains("Test CPU, 2 cores"), "the machine is shown")
        XCTAssertTrue(overview.contains("Fixture report"))
        let evaluation = try read(job.runFolder + "/evaluation.html")
        XCTAssertTrue(evaluation.contains(">Accuracy</div><div class=\"value\">"), "headline accuracy card")
    }

    func testEveryConfusionCellAndLetterOpensItsImagesAndTheMapShowsEachRegion() throws {
        let job = try ReportFixture().make(root: root)
        let outcome = try ReportRenderer.render(job)
        XCTAssertEqual(outcome.drillDownPages, ReportFixture.letters.map { "gallery-\($0).html" } + ["tsne-map.html"])
        let metrics = try AnalysisMetrics.read(folder: job.runFolder)
        let evaluation = try read(job.runFolder + "/evaluation.html")
        let links = Self.references(evaluation).filter { $0.hasPrefix("gallery-") }
        let nonEmpty = metrics.confusion.flatMap { $0 }.filter { $0 > 0 }.count
        XCTAssertEqual(links.filter { $0.contains("#") }.count, nonEmpty, "one link per non-empty confusion cell")
        XCTAssertEqual(Set(links.filter { !$0.contains("#") }), Set(ReportFixture.letters.map { "gallery-\($0).html" }), "every letter opens its gallery")
        for link in Set(links) {
            let parts = link.split(separator: "#").map(String.init)
            let html = try read(job.runFolder + "/" + parts[0])
            if parts.count == 2 { XCTAssertTrue(html.contains("<section id=\"\(parts[1])\">"), "\(link) lands on its section") }
        }
        // A gallery shows every image of its letter the model labelled each way, with its figure's data.
        for (t, letter) in ReportFixture.letters.enumerated() {
            let html = try read(job.runFolder + "/gallery-\(letter).html")
            XCTAssertFalse(html.contains("Not available."), Self.notes(html).joined())
            for (p, predicted) in ReportFixture.letters.enumerated() where metrics.confusion[t][p] > 0 {
                let csv = try CSVFile.read(path: job.runFolder + "/figures/gallery-\(letter)-as-\(predicted).csv")
                XCTAssertEqual(csv.rows.count, min(metrics.confusion[t][p], DrillDownPages.sectionLimit), "\(letter) → \(predicted)")
                XCTAssertTrue(csv.rows.allSatisfy { $0[1] == letter && $0[2] == predicted })
                XCTAssertTrue(html.contains("<img src=\"figures/gallery-\(letter)-as-\(predicted).svg\""))
            }
        }
        let embeddings = try read(job.runFolder + "/embeddings.html")
        XCTAssertTrue(Self.references(embeddings).contains(DrillDownPages.mapFile))
        let map = try read(job.runFolder + "/" + DrillDownPages.mapFile)
        let regions = try CSVFile.read(path: job.runFolder + "/figures/tsne-map-regions.csv")
        let used = Set(regions.column("region"))
        XCTAssertFalse(used.contains(""), "every point lies in a region")
        for region in used {
            XCTAssertTrue(map.contains("<section id=\"tsne-map-region-\(region)\">"), "region \(region) has its section")
            XCTAssertTrue(FileManager.default.fileExists(atPath: job.runFolder + "/figures/tsne-map-region-\(region).svg"))
        }
        XCTAssertEqual(Self.navigation(map), Self.pages, "drill-down pages keep the navigation")
    }

    func testGalleriesListTheImagesWhenTheDataSetIsGone() throws {
        let job = try ReportFixture().make(root: root)
        let dataset = try XCTUnwrap(try RunInputs.read(folder: job.runFolder).datasetFolder)
        try FileManager.default.removeItem(atPath: dataset)
        _ = try ReportRenderer.render(job)
        let html = try read(job.runFolder + "/gallery-A.html")
        XCTAssertTrue(html.contains("listed without pictures"), html)
        XCTAssertFalse(html.contains("<img src=\"figures/gallery-"))
    }

    /// A stop request while the figures are drawn: no page is written (the folder keeps what
    /// it had), and the report says it was stopped.
    func testAStopRequestWritesNoPage() throws {
        var job = try ReportFixture().make(root: root)
        job.stop = StopRequest()
        job.stop?.request()
        XCTAssertThrowsError(try ReportRenderer.render(job)) { error in
            XCTAssertEqual(error as? ReportError, .interrupted)
        }
        for page in Self.pages { XCTAssertFalse(FileManager.default.fileExists(atPath: job.runFolder + "/" + page), page) }
    }

    func testUserAndDataStringsAreEscaped() throws {
        var fixture = ReportFixture()
        fixture.name = "<script>alert(1)</script>"
        let job = try fixture.make(root: root)
        try Data("seed: 3\nreport:\n  title: \"</pre><script>alert(2)</script>\"\n".utf8).write(to: URL(fileURLWithPath: job.runFolder + "/config.yaml"))
        var evil = job
        evil.title = "A & B <b>bold</b> \"quoted\""
        _ = try ReportRenderer.render(evil)
        for page in Self.pages {
            let html = try read(job.runFolder + "/" + page)
            XCTAssertFalse(html.lowercased().contains("<script"), "\(page) has no script element")
            XCTAssertFalse(html.contains("<b>bold</b>"), "\(page) escapes the title")
            XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(page) shows the run name as text")
            XCTAssertTrue(html.contains("A &amp; B &lt;b&gt;bold&lt;/b&gt; &quot;quoted&quot;"), "\(page) shows the title as text")
        }
        let overview = try read(job.runFolder + "/index.html")
        XCTAssertTrue(overview.contains("&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;"), "config text is escaped inside <pre>")
    }

    func testNoOutputFileNamesAnExternalURL() throws {
        var job = try ReportFixture().make(root: root)
        job.singleFile = true
        _ = try ReportRenderer.render(job)
        var scanned = 0
        let files = FileManager.default.enumerator(atPath: job.runFolder)!.compactMap { $0 as? String }
        for file in files where [".html", ".css", ".svg", ".mustache"].contains(where: file.hasSuffix) {
            let text = try read(job.runFolder + "/" + file)
            XCTAssertEqual(Self.externalURLs(text), [], "\(file) names no external URL")
            scanned += 1
        }
        XCTAssertGreaterThan(scanned, 20)
        for (name, text) in DefaultTemplates.files {
            XCTAssertEqual(Self.externalURLs(text), [], "template \(name) names no external URL")
        }
        XCTAssertEqual(Self.externalURLs("<a href=\"https://example.com\">x</a> <img src='//cdn.example/x.png'> url(http://a.b/c)"),
                       ["https://example.com", "//cdn.example/x.png", "http://a.b/c"], "the scanner finds URLs")
    }

    func testMissingAnalysisOutputsBecomeNotes() throws {
        var fixture = ReportFixture()
        fixture.analysis = false
        let job = try fixture.make(root: root)
        let outcome = try ReportRenderer.render(job)
        XCTAssertEqual(outcome.pages.count, 6)
        for page in ["evaluation.html", "model.html", "embeddings.html"] {
            let html = try read(job.runFolder + "/" + page)
            XCTAssertTrue(html.contains("Not available."), "\(page) says what is missing")
            XCTAssertTrue(html.contains("run asl-lab analyse"), "\(page) says how to get it")
            XCTAssertFalse(html.contains("<img"), "\(page) shows no figure")
        }
        let training = try read(job.runFolder + "/training.html")
        XCTAssertTrue(training.contains("figures/training-loss.svg"), "training needs no analysis")
        let overview = try read(job.runFolder + "/index.html")
        XCTAssertTrue(overview.contains("90.0 %"), "headline accuracy falls back to training.json")
    }

    func testHandMadeRunWithoutManifestStillRenders() throws {
        var fixture = ReportFixture()
        fixture.manifest = false
        fixture.analysis = false
        var job = try fixture.make(root: root)
        job.dataConfig = nil
        try FileManager.default.removeItem(atPath: job.runFolder + "/config.yaml")
        let outcome = try ReportRenderer.render(job)
        let overview = try read(outcome.index)
        XCTAssertTrue(overview.contains("manifest.json is not in the run folder"))
        XCTAssertTrue(overview.contains("config.yaml is not in the run folder"))
        let dataset = try read(job.runFolder + "/dataset.html")
        XCTAssertTrue(dataset.contains("data set folder is unknown"))
        XCTAssertThrowsError(try ReportRenderer.render(ReportJob(runFolder: root + "/data/A", title: "t", toolVersion: "0"))) { error in
            XCTAssertTrue("\(error)".contains("is not a run folder"), "\(error)")
        }
    }

    func testSingleFileInlinesEverythingAndReferencesNoFile() throws {
        var job = try ReportFixture().make(root: root)
        job.singleFile = true
        let outcome = try ReportRenderer.render(job)
        let path = try XCTUnwrap(outcome.singleFile)
        let html = try read(path)
        XCTAssertEqual(Self.references(html).filter { !$0.hasPrefix("#") && !$0.hasPrefix("data:") }, [], "no file references")
        XCTAssertFalse(html.contains("<img"), "figures are inline SVG")
        XCTAssertFalse(html.contains("<link"), "the stylesheet is inline")
        XCTAssertNil(html.range(of: "url\\((?!#)", options: .regularExpression), "no url() other than SVG fragment references")
        let figures = try Self.pages.map { try read(job.runFolder + "/" + $0).components(separatedBy: "<figure id=").count - 1 }.reduce(0, +)
        XCTAssertEqual(html.components(separatedBy: "<svg xmlns").count - 1, figures, "every figure of the six pages inlined once")
        for page in ["overview", "dataset", "training", "evaluation", "model", "embeddings"] {
            XCTAssertTrue(html.contains("<article class=\"page\" id=\"\(page)\">"))
            XCTAssertEqual(html.components(separatedBy: "href=\"#\(page)\"").count - 1, page == "overview" ? 1 : 2, "navigation and the overview's page list link \(page)")
        }
        XCTAssertFalse(html.contains("<?xml"), "SVG prologs are stripped")
        XCTAssertLessThan(try XCTUnwrap(outcome.singleFileBytes), 15_000_000)
    }

    func testTemplatesFolderOverridesSomeTemplates() throws {
        let job = try ReportFixture().make(root: root)
        let templates = root + "/templates"
        try FileManager.default.createDirectory(atPath: templates, withIntermediateDirectories: true)
        try Data("<section class=\"mine\">{{heading}}</section>\n".utf8).write(to: URL(fileURLWithPath: templates + "/page.mustache"))
        try Data("body { color: red; }\n".utf8).write(to: URL(fileURLWithPath: templates + "/style.css"))
        var custom = job
        custom.templates = templates
        _ = try ReportRenderer.render(custom)
        let html = try read(job.runFolder + "/index.html")
        XCTAssertTrue(html.contains("<section class=\"mine\">"), "the user's page template is used")
        XCTAssertTrue(html.contains("<nav class=\"pages\""), "the built-in layout still applies")
        XCTAssertEqual(try read(job.runFolder + "/style.css"), "body { color: red; }\n")

        try Data("{{#broken}}\n".utf8).write(to: URL(fileURLWithPath: templates + "/page.mustache"))
        XCTAssertThrowsError(try ReportRenderer.render(custom)) { error in
            XCTAssertTrue("\(error)".contains("page.mustache is not valid Mustache"), "\(error)")
        }
        custom.templates = root + "/nowhere"
        XCTAssertThrowsError(try ReportRenderer.render(custom))
    }

    func testBuiltInTemplatesMatchTheTemplatesFolder() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Templates").path
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".mustache") || $0.hasSuffix(".css") }
        XCTAssertEqual(Set(names), Set(DefaultTemplates.files.keys))
        for name in names {
            var text = try read(folder + "/" + name)
            if text.hasSuffix("\n") { text.removeLast() }
            XCTAssertEqual(DefaultTemplates.files[name], text, "\(name) differs from the built-in copy: run `make templates`")
        }
        XCTAssertEqual(Set(ReportTemplates.required), Set(DefaultTemplates.files.keys))
    }

    /// Page weights are a property of the output, so they are tested; render time is a
    /// benchmark figure (the README states it), never a unit-test assertion.
    func testPagesStayUnderTheirWeightLimits() throws {
        var fixture = ReportFixture()
        fixture.imagesPerLetter = 15
        var job = try fixture.make(root: root)
        job.singleFile = true
        let outcome = try ReportRenderer.render(job)
        for (page, bytes) in outcome.pageWeights { XCTAssertLessThan(bytes, 5_000_000, page) }
        XCTAssertLessThan(try XCTUnwrap(outcome.singleFileBytes), 15_000_000)
    }

    // MARK: - helpers

    /// Values of every src= and href= attribute.
    static func references(_ html: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: "(?:src|href)=\"([^\"]*)\"")
        return regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).map {
            String(html[Range($0.range(at: 1), in: html)!]).replacingOccurrences(of: "&amp;", with: "&")
        }.filter { !$0.hasPrefix("data:") }
    }

    static func navigation(_ html: String) -> [String] {
        guard let start = html.range(of: "<nav class=\"pages\""), let end = html.range(of: "</nav>", range: start.upperBound..<html.endIndex) else { return [] }
        return references(String(html[start.lowerBound..<end.upperBound]))
    }

    static func notes(_ html: String) -> [String] {
        html.components(separatedBy: "<p class=\"note\">").dropFirst().map { String($0.prefix(200)) }
    }

    /// URLs with a scheme or protocol-relative ones, outside `data:` URIs; the SVG and XLink
    /// namespace names are not fetched and so allowed.
    static func externalURLs(_ text: String) -> [String] {
        let withoutData = try! NSRegularExpression(pattern: "data:[^\"')\\s]*")
            .stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "data:")
        let regex = try! NSRegularExpression(pattern: "(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//[^\\s\"'<>)]+")
        let allowed = ["http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"]
        return regex.matches(in: withoutData, range: NSRange(withoutData.startIndex..., in: withoutData)).map {
            String(withoutData[Range($0.range, in: withoutData)!])
        }.filter { !allowed.contains($0) }
    }
}
