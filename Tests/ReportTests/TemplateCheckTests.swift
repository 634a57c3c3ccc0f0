import Foundation
import TestSupport
import XCTest
@testable import Report

/// User templates that would make the Mustache library recurse without end, or that do not
/// parse: one sentence naming the template (and line), never a stack overflow or the
/// library's own error text.
final class TemplateCheckTests: TemporaryFolderTestCase {
    private func problem(_ files: [String: String]) -> String? {
        for (name, text) in files { try! Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        do { _ = try ReportTemplates(folder: folder); return nil } catch { return "\(error)" }
    }

    func testATemplateIncludingItselfIsRefusedNamingIt() {
        XCTAssertEqual(problem(["block.mustache": "<p>\n{{> block}}\n</p>\n"]),
                       "The report template \(folder)/block.mustache is not valid Mustache: line 2 includes block.mustache, which leads back to itself (block.mustache → block.mustache); partials may not loop. Fix it, or drop --templates to use the built-in templates.")
    }

    func testTemplatesIncludingEachOtherAreRefused() {
        let message = problem(["page.mustache": "{{#sections}}{{> figure}}{{/sections}}", "figure.mustache": "{{=<% %>=}}<%> page%>"])
        XCTAssertTrue(message?.contains("which leads back to itself (figure.mustache → page.mustache → figure.mustache)") ?? false, message ?? "accepted")
    }

    func testAnIncludeLoopHiddenBehindChangedDelimitersIsFound() {
        XCTAssertNotNil(problem(["block.mustache": "{{=[[ ]]=}}[[#x]][[> block]][[/x]]"]))
    }

    func testSectionsNestedThousandsDeepAreRefusedBeforeParsing() {
        let deep = String(repeating: "{{#a}}", count: 50_000) + String(repeating: "{{/a}}", count: 50_000)
        XCTAssertEqual(problem(["figure.mustache": deep]),
                       "The report template \(folder)/figure.mustache is not valid Mustache: its sections nest more than 32 deep (line 1). Fix it, or drop --templates to use the built-in templates.")
    }

    func testASyntaxErrorIsASentenceWithTheLine() {
        XCTAssertEqual(problem(["page.mustache": "<h1>{{title}}</h1>\n{{#sections}}\n<p>{{/section}}</p>\n"]),
                       "The report template \(folder)/page.mustache is not valid Mustache: line 3, column 7: a section is closed ({{/…}}) with a name other than the one that opened it. Fix it, or drop --templates to use the built-in templates.")
    }

    func testATemplateThatIsNotTextOrAFIFOIsRefusedWithTheReason() throws {
        XCTAssertEqual(mkfifo(folder + "/layout.mustache", 0o644), 0)
        XCTAssertEqual(problem([:]), "\(folder)/layout.mustache cannot be read: it is a FIFO (named pipe), not a regular file.")
        unlink(folder + "/layout.mustache")
        try Data([0x7B, 0x7B, 0xFF, 0xFE]).write(to: URL(fileURLWithPath: folder + "/page.mustache"))
        XCTAssertEqual(problem([:]), "\(folder)/page.mustache cannot be read: it is not UTF-8 text (byte 2 is not valid UTF-8; save it as UTF-8).")
    }

    func testTheBuiltInTemplatesPassTheCheck() throws {
        XCTAssertNoThrow(try TemplateCheck.check(Dictionary(uniqueKeysWithValues: DefaultTemplates.files.filter { $0.key.hasSuffix(".mustache") }
            .map { (String($0.key.dropLast(".mustache".count)), $0.value) })))
    }
}
