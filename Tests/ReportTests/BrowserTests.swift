import Canvas
import FileFormats
import Foundation
import XCTest
@testable import Report

/// Loads every page of a fixture report in headless Chromium (Debian package `chromium`,
/// installed by `make test`): every image must load, the page must log no errors, and its
/// screenshot must not be blank. Skipped only when Chromium is not installed.
///
/// `REPORT_BROWSER_ROOT=DIR` keeps the fixture in DIR (a data set already at DIR/data is
/// reused, e.g. a symlink to a real one); `REPORT_SCREENSHOTS=DIR` keeps the screenshots;
/// `REPORT_BROWSER_NAME` names the run; `REPORT_BROWSER_RUN=DIR` checks a real run folder
/// instead of the fixture (the README's screenshots are made this way from the default run).
final class BrowserTests: XCTestCase {
    static let pages = ["index.html", "dataset.html", "training.html", "evaluation.html", "model.html", "embeddings.html"]

    static func chromium() -> String? {
        let candidates = [ProcessInfo.processInfo.environment["CHROMIUM"], "/usr/bin/chromium", "/usr/bin/chromium-browser",
                          "/usr/bin/google-chrome", "/snap/bin/chromium"].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func testEveryPageLoadsInChromiumWithAllImagesAndNoErrors() throws {
        guard let chromium = Self.chromium() else {
            throw XCTSkip("chromium is not installed, so the report cannot be checked in a browser: `make test` installs it (apt-get install chromium).")
        }
        let environment = ProcessInfo.processInfo.environment
        let root = environment["REPORT_BROWSER_ROOT"] ?? NSTemporaryDirectory() + "report-browser-\(UUID().uuidString)"
        let keep = environment["REPORT_BROWSER_ROOT"] != nil
        defer { if !keep { try? FileManager.default.removeItem(atPath: root) } }
        let runFolder: String
        if let existing = environment["REPORT_BROWSER_RUN"] {
            // A real, already rendered run folder (the README's screenshots come from the default run this way).
            runFolder = existing
            XCTAssertTrue(FileManager.default.fileExists(atPath: existing + "/index.html"), "REPORT_BROWSER_RUN must be a rendered run folder")
        } else {
            var fixture = ReportFixture()
            fixture.imagesPerLetter = 6
            fixture.name = environment["REPORT_BROWSER_NAME"] ?? "browser <check> & co"
            var job = try fixture.make(root: root)
            job.singleFile = true
            _ = try ReportRenderer.render(job)
            runFolder = job.runFolder
        }
        let shots = root + "/screenshots"
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let docs = environment["REPORT_SCREENSHOTS"]
        if let docs { try FileManager.default.createDirectory(atPath: docs, withIntermediateDirectories: true) }

        let singleFile = FileManager.default.fileExists(atPath: runFolder + "/" + ReportFiles.singleFile) ? [ReportFiles.singleFile] : []
        XCTAssertTrue(environment["REPORT_BROWSER_RUN"] != nil || !singleFile.isEmpty, "the fixture's single file was written")
        // A compare page of three runs (the fixture's run three times, under other configs).
        var compared: [String] = []
        if environment["REPORT_BROWSER_RUN"] == nil {
            let manifest = try RunManifest.read(folder: runFolder)
            let history = try TrainingHistory.read(folder: runFolder)
            let figures = try FileManager.default.contentsOfDirectory(atPath: runFolder + "/figures").filter { $0.hasSuffix(".svg") }.map { String($0.dropLast(4)) }
            let runs = (1...3).map { k -> ComparePage.Run in
                var m = manifest
                m.config["train.epochs"] = String(k)
                return ComparePage.Run(folder: "run", manifest: m, history: Array(history.prefix(8 - k)), figures: figures, status: "complete")
            }
            let page = try ComparePage.write(runs, root: root, toolVersion: "0.1.0")
            compared = ["../" + (page as NSString).lastPathComponent]
        }
        // Two drill-down pages: a letter's gallery and the t-SNE map by region.
        let drillDown = ["gallery-A.html", "tsne-map.html"].filter { FileManager.default.fileExists(atPath: runFolder + "/" + $0) }
        XCTAssertTrue(environment["REPORT_BROWSER_RUN"] != nil || drillDown.count == 2, "the fixture's drill-down pages were written")
        for page in Self.pages + drillDown + singleFile + compared {
            let path = runFolder + "/" + page
            let html = try String(contentsOfFile: path, encoding: .utf8)
            let check = try self.check(page: path, html: html, chromium: chromium)
            XCTAssertEqual(check.broken, [], "\(page): every image loads")
            XCTAssertEqual(check.errors, [], "\(page): no errors")
            XCTAssertEqual(check.consoleErrors, [], "\(page): nothing on the console")
            XCTAssertGreaterThan(check.images + check.svgs, page == "index.html" || drillDown.contains(page) ? 0 : 1, "\(page) shows its figures")
            if compared.contains(page) { XCTAssertGreaterThan(check.images, 3, "the compare page shows the curves and the shared figures") }

            let shot = shots + "/report-" + ((page as NSString).lastPathComponent as NSString).deletingPathExtension + ".png"
            try run(chromium, ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
                               "--window-size=1280,1600", "--screenshot=" + shot, URL(fileURLWithPath: path).absoluteString])
            let image = try PNG.read(path: shot)
            XCTAssertEqual(image.width, 1280)
            var colours = Set<UInt32>()
            for i in stride(from: 0, to: image.pixels.count, by: 3 * 97) {
                colours.insert(UInt32(image.pixels[i]) << 16 | UInt32(image.pixels[i + 1]) << 8 | UInt32(image.pixels[i + 2]))
                if colours.count > 20 { break }
            }
            XCTAssertGreaterThan(colours.count, 20, "\(page): the screenshot is not blank")
            if let docs, page != ReportFiles.singleFile {
                // Three-quarter size for the README: 960 × 1200 px.
                let small = Thumbnail.resize(image, width: image.width * 3 / 4, height: image.height * 3 / 4)
                try PNG.write(small, to: docs + "/" + (shot as NSString).lastPathComponent, compression: .small)
            }
        }
        print("browser check: \(Self.pages.count + drillDown.count + singleFile.count + compared.count) pages loaded; screenshots in \(docs ?? shots)")
    }

    func testAHundredClassReportLoadsInChromiumAndStaysReadable() throws {
        guard let chromium = Self.chromium() else {
            throw XCTSkip("chromium is not installed, so the report cannot be checked in a browser: `make test` installs it (apt-get install chromium).")
        }
        let root = NSTemporaryDirectory() + "report-browser-100-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let job = try ManyClassRun.make(root: root, classes: 100, shifted: true)
        let outcome = try ReportRenderer.render(job)
        XCTAssertEqual(outcome.problems, [])
        let evaluation = try String(contentsOfFile: job.runFolder + "/evaluation.html", encoding: .utf8)
        XCTAssertLessThan(evaluation.components(separatedBy: "<td").count, 1500, "the largest confusions, not a 100 × 100 table of links")
        XCTAssertTrue(evaluation.contains("largest confusions") || evaluation.contains("confused no two classes"))
        XCTAssertTrue(evaluation.contains("class=\"wide\""), "the matrix and per-class charts scroll instead of shrinking")
        XCTAssertTrue(evaluation.contains("clàss &lt;0&gt; &amp; co"), "names are escaped")
        let generalisation = try String(contentsOfFile: job.runFolder + "/generalisation.html", encoding: .utf8)
        XCTAssertTrue(generalisation.contains("figure-generalisation-tsne"), "the joint map of in-distribution and shifted embeddings")
        XCTAssertTrue(generalisation.contains("figure-generalisation-samples-dark"), "the shifted samples")
        for page in Self.pages + ["generalisation.html"] {
            let path = job.runFolder + "/" + page
            let check = try self.check(page: path, html: try String(contentsOfFile: path, encoding: .utf8), chromium: chromium)
            XCTAssertEqual(check.broken, [], "\(page): every image loads")
            XCTAssertEqual(check.errors, [], "\(page): no errors")
            XCTAssertEqual(check.consoleErrors, [], "\(page): nothing on the console")
            XCTAssertGreaterThan(check.images + check.svgs, page == "index.html" ? 0 : 1, "\(page) shows its figures")
        }
    }

    func testTheBrowserCheckNoticesBrokenImagesAndErrors() throws {
        guard let chromium = Self.chromium() else {
            throw XCTSkip("chromium is not installed, so the report cannot be checked in a browser: `make test` installs it (apt-get install chromium).")
        }
        let folder = NSTemporaryDirectory() + "report-browser-negative-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let html = "<!DOCTYPE html><html><head><title>t</title></head><body><img src=\"missing.png\"><script>console.error('boom');</script></body></html>"
        let check = try self.check(page: folder + "/page.html", html: html, chromium: chromium)
        XCTAssertEqual(check.broken, ["missing.png"])
        XCTAssertEqual(check.errors.count, 2, "the failed load and console.error are seen by the page: \(check.errors)")
        XCTAssertEqual(check.consoleErrors.count, 1, "console.error is seen in the log: \(check.consoleErrors)")
    }

    struct PageCheck: Decodable {
        /// Images, inline SVG figures, images that did not decode, errors the page saw, and
        /// console messages from Chromium's log.
        var images: Int
        var svgs: Int
        var broken: [String]
        var errors: [String]
        var consoleErrors: [String] = []

        enum CodingKeys: String, CodingKey { case images, svgs, broken, errors }
    }

    /// Loads a copy of the page (beside it, so relative URLs resolve) with a script that records
    /// errors from the start and, after load, lists images that did not decode; reads the
    /// result from the DOM Chromium dumps, and console errors from its log.
    func check(page: String, html: String, chromium: String) throws -> PageCheck {
        let probe = """
        <script>window.__errors=[];var __ce=console.error;console.error=function(){window.__errors.push('console.error: '+[].join.call(arguments,' '));__ce.apply(console,arguments);};addEventListener('error',function(e){var t=e.target;window.__errors.push(t&&t!==window?'failed to load '+(t.src||t.href||t.tagName):String(e.message));},true);</script>
        """
        let report = """
        <script>addEventListener('load',function(){var b=[],im=document.images;for(var i=0;i<im.length;i++){if(!im[i].complete||im[i].naturalWidth===0)b.push(im[i].getAttribute('src'));}
        var p=document.createElement('pre');p.id='__check';p.textContent=JSON.stringify({images:im.length,svgs:document.querySelectorAll('figure svg').length,broken:b,errors:window.__errors});document.body.appendChild(p);});</script>
        """
        guard let head = html.range(of: "<head>"), let body = html.range(of: "</body>", options: .backwards) else {
            XCTFail("\(page) has no <head> or </body>")
            return PageCheck(images: 0, svgs: 0, broken: [], errors: [])
        }
        var probed = html
        probed.replaceSubrange(body, with: report + "</body>")
        probed.replaceSubrange(head, with: "<head>" + probe)
        let copy = (page as NSString).deletingLastPathComponent + "/.browser-check-" + (page as NSString).lastPathComponent
        try Data(probed.utf8).write(to: URL(fileURLWithPath: copy))
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let (out, err) = try run(chromium, ["--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                                            "--virtual-time-budget=15000", "--dump-dom", URL(fileURLWithPath: copy).absoluteString])
        guard let start = out.range(of: "<pre id=\"__check\">"), let end = out.range(of: "</pre>", range: start.upperBound..<out.endIndex) else {
            XCTFail("\(page): the check did not run (no result in the DOM); chromium said: \(err.suffix(2000))")
            return PageCheck(images: 0, svgs: 0, broken: [], errors: [])
        }
        let json = String(out[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        var result = try JSONDecoder().decode(PageCheck.self, from: Data(json.utf8))
        // Console messages from the page ("…:INFO:CONSOLE:1] "message", source: file:///… (1)"); the log
        // does not tell errors from other levels, but the pages have no scripts, so any message is one.
        result.consoleErrors = err.split(separator: "\n").map(String.init).filter { $0.contains(":CONSOLE") }
        return result
    }

    @discardableResult
    func run(_ executable: String, _ arguments: [String]) throws -> (String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let home = NSTemporaryDirectory() + "report-browser-home-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: home) }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home // a fresh profile, nothing of the user's
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while the process runs, so a full pipe cannot block it.
        let output = ResultBox<Data>(count: 2)
        let group = DispatchGroup()
        for (i, pipe) in [out, err].enumerated() {
            DispatchQueue.global().async(group: group) { output.set(i, pipe.fileHandleForReading.readDataToEndOfFile()) }
        }
        let deadline = DispatchTime.now() + 120
        if group.wait(timeout: deadline) == .timedOut { process.terminate() }
        process.waitUntilExit()
        let values = output.values.map { String(decoding: $0 ?? Data(), as: UTF8.self) }
        return (values[0], values[1])
    }
}
