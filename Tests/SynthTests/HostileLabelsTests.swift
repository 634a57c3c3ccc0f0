import Foundation
import XCTest
@testable import Synth

/// Label tables built by hand to be wrong in the ways a hostile or careless file is: each
/// must end in one sentence naming the file and the line or cell, never a crash or a
/// multi-gigabyte allocation.
final class HostileLabelsTests: XCTestCase {
    private func csvProblem(_ text: String) -> String? {
        do { _ = try LabelsTable.parseCSV(text, file: "labels.csv"); return nil } catch { return "\(error)" }
    }

    private func sheet(_ rows: String) -> String {
        #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            + #"<row r="1"><c r="A1" t="inlineStr"><is><t>filepath</t></is></c><c r="B1" t="inlineStr"><is><t>letter</t></is></c><c r="C1" t="inlineStr"><is><t>distance</t></is></c></row>"#
            + rows + "</sheetData></worksheet>"
    }

    private func workbookProblem(_ data: Data) -> String? {
        do { _ = try LabelsWorkbook.read(data, file: "labels.xlsx"); return nil } catch { return "\(error)" }
    }

    private func row(_ r: Int, _ path: String = "A/a.png", extra: String = "") -> String {
        #"<row r="\#(r)"><c r="A\#(r)" t="inlineStr"><is><t>\#(path)</t></is></c><c r="B\#(r)" t="inlineStr"><is><t>A</t></is></c><c r="C\#(r)"><v>2</v></c>\#(extra)</row>"#
    }

    func testDistancesMustBeGreaterThanZeroAndAtMostAThousand() {
        for bad in ["0", "-1", "1e39", "1000.5", "inf"] {
            XCTAssertEqual(csvProblem("filepath,letter,distance\nA/a.png,A,\(bad)\n"),
                           "labels.csv, line 2: the distance must be a number greater than 0 and at most 1000, got \"\(bad)\".")
        }
        XCTAssertNil(csvProblem("filepath,letter,distance\nA/a.png,A,1000\nA/b.png,A,0.001\n"))
    }

    func testARowListedTwiceIsRefusedNamingBothLines() {
        XCTAssertEqual(csvProblem("filepath,letter,distance\nA/a.png,A,1\nB/b.png,B,1\nA/./a.png,A,2\n"),
                       "labels.csv, line 4: the image \"A/./a.png\" is listed again (first on line 2); each image may have one row, or it could land in both the training and the test split.")
        let data = try! LabelsWorkbook.workbook(sheet: sheet(row(2) + row(3, "A/b.png") + row(9)))
        XCTAssertEqual(workbookProblem(data),
                       "labels.xlsx, line 9: the image \"A/a.png\" is listed again (first on line 2); each image may have one row, or it could land in both the training and the test split.")
    }

    func testAByteOrderMarkInTheHeaderIsNamedNotShownAsTheSameText() {
        XCTAssertEqual(csvProblem("filepath,\u{FEFF}letter,distance\n"),
                       "labels.csv, line 1: expected the header \"filepath,letter,distance\", got \"filepath,⟨U+FEFF⟩letter,distance\" (it holds an invisible byte-order mark, U+FEFF).")
    }

    func testColumnLettersThatOverflowAreRejectedWithTheCell() throws {
        let reference = String(repeating: "Z", count: 40) + "2"
        let data = try LabelsWorkbook.workbook(sheet: sheet(#"<row r="2"><c r="\#(reference)"><v>1</v></c></row>"#))
        XCTAssertEqual(workbookProblem(data),
                       "Cannot read the workbook labels.xlsx: the cell reference \"ZZZZZZZZZZZZZZZZZZZZ…\" (41 characters) is not a column (A–XFD) followed by a row number.")
        let past = try LabelsWorkbook.workbook(sheet: sheet(#"<row r="2"><c r="XFE2"><v>1</v></c></row>"#))
        XCTAssertTrue(workbookProblem(past)!.contains("the cell reference \"XFE2\" is not a column (A–XFD)"))
    }

    func testAValueFarToTheRightIsRefusedWithoutFillingTheRow() throws {
        let data = try LabelsWorkbook.workbook(sheet: sheet(row(2, extra: #"<c r="XFD2"><v>7</v></c>"#)))
        XCTAssertEqual(workbookProblem(data),
                       "Cannot read the workbook labels.xlsx: row 2 has a value in column XFD; a label sheet has only the columns filepath, letter, distance.")
        let empty = try LabelsWorkbook.workbook(sheet: sheet(row(2, extra: #"<c r="XFD2"/>"#)))
        XCTAssertEqual(try LabelsWorkbook.read(empty, file: "labels.xlsx"), [LabelRow(filepath: "A/a.png", letter: "A", distance: 2)])
    }

    func testRowNumbersOutsideTheSheetAreRefused() throws {
        let data = try LabelsWorkbook.workbook(sheet: sheet(#"<row r="9223372036854775807"></row><row><c r="A3"/></row>"#))
        XCTAssertEqual(workbookProblem(data),
                       "Cannot read the workbook labels.xlsx: the row number \"9223372036854775807\" is not a whole number between 1 and 2147483647.")
    }

    func testADocumentTypeDeclarationIsRefused() throws {
        let laughs = #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><worksheet><sheetData><row r="1"><c r="A1"><v>&lol2;</v></c></row></sheetData></worksheet>"#
        let data = try LabelsWorkbook.workbook(sheet: laughs)
        XCTAssertEqual(workbookProblem(data),
                       "Cannot read the workbook labels.xlsx: the part xl/worksheets/sheet1.xml declares a DTD (<!DOCTYPE or <!ENTITY), which a workbook never has.")
    }

    /// The central directory's sizes of `name`, patched: (compressed, uncompressed).
    private func patchingSizes(of name: String, in data: Data, uncompressed: UInt32) -> Data {
        var bytes = [UInt8](data)
        let needle = Array(name.utf8)
        // The central directory entry is the last occurrence of the name; its fixed part is 46 bytes.
        let at = (0...(bytes.count - needle.count)).last { Array(bytes[$0..<($0 + needle.count)]) == needle }!
        let header = at - 46
        XCTAssertEqual(Array(bytes[header..<(header + 4)]), [0x50, 0x4B, 0x01, 0x02])
        withUnsafeBytes(of: uncompressed.littleEndian) { for i in 0..<4 { bytes[header + 24 + i] = $0[i] } }
        return Data(bytes)
    }

    func testAPartClaimingMoreThanTheLimitIsRefusedBeforeInflating() throws {
        let data = try LabelsWorkbook.workbook(sheet: sheet(row(2)))
        let bomb = patchingSizes(of: "xl/worksheets/sheet1.xml", in: data, uncompressed: 4_000_000_000)
        XCTAssertEqual(workbookProblem(bomb),
                       "Cannot read the workbook labels.xlsx: the part xl/worksheets/sheet1.xml claims 4000000000 bytes when inflated, more than the 268435456 a label sheet may have.")
    }

    func testAPartInflatingPastItsClaimIsStopped() throws {
        let data = try LabelsWorkbook.workbook(sheet: sheet(row(2) + String(repeating: " ", count: 200_000)))
        let lying = patchingSizes(of: "xl/worksheets/sheet1.xml", in: data, uncompressed: 600)
        XCTAssertEqual(workbookProblem(lying),
                       "Cannot read the workbook labels.xlsx: the part xl/worksheets/sheet1.xml inflates to more than the 600 bytes its header claims; the file is damaged.")
    }
}

extension HostileLabelsTests {
    /// Found by the fuzzer: an element name with a byte that is not UTF-8 trapped inside
    /// Foundation's XMLParser.
    func testAPartThatIsNotUTF8IsRefusedBeforeTheXMLParserSeesIt() throws {
        var sheet = Array(sheet(#"<row r="2"><c r="A2"><v>1</v></c></row>"#).utf8)
        let at = sheet.indices.first { sheet[$0] == UInt8(ascii: "v") && sheet[$0 - 1] == UInt8(ascii: "<") }!
        sheet[at] = 0xFF
        let data = try LabelsWorkbook.workbook(sheetBytes: Data(sheet), extraParts: [])
        XCTAssertTrue(workbookProblem(data)?.contains("is not UTF-8 text") ?? false, workbookProblem(data) ?? "accepted")
        let latin = try LabelsWorkbook.workbook(sheet: #"<?xml version="1.0" encoding="ISO-8859-1"?><worksheet/>"#)
        XCTAssertEqual(workbookProblem(latin), "Cannot read the workbook labels.xlsx: the part xl/worksheets/sheet1.xml declares an encoding other than UTF-8.")
    }
}

extension HostileLabelsTests {
    /// Found by the fuzzer: a central directory pointing past the end of the data made
    /// ZIPFoundation's in-memory archive trap on a negative range.
    func testAnEntryOffsetPastTheEndIsAnErrorNotATrap() throws {
        var bytes = [UInt8](try LabelsWorkbook.workbook(sheet: sheet(row(2))))
        // Every central directory entry's local-header offset (at +42) is pointed past the end.
        var at = 0
        while let found = (at..<(bytes.count - 4)).first(where: { bytes[$0] == 0x50 && bytes[$0 + 1] == 0x4B && bytes[$0 + 2] == 1 && bytes[$0 + 3] == 2 }) {
            for i in 0..<4 { bytes[found + 42 + i] = 0x7F }
            at = found + 4
        }
        XCTAssertNotNil(workbookProblem(Data(bytes)))
    }
}

extension HostileLabelsTests {
    /// Found by the fuzzer: a processing instruction without data made Foundation's XMLParser
    /// dereference a null pointer.
    func testAProcessingInstructionIsRefusedBeforeTheXMLParserSeesIt() throws {
        let data = try LabelsWorkbook.workbook(sheet: "<?xm?>" + sheet(row(2)))
        XCTAssertEqual(workbookProblem(data),
                       "Cannot read the workbook labels.xlsx: the part xl/worksheets/sheet1.xml holds a processing instruction (<?…?>), which a workbook never has.")
        XCTAssertNil(workbookProblem(try LabelsWorkbook.workbook(sheet: sheet(row(2)))), "the XML declaration itself is fine")
    }
}
