import Foundation
import XCTest
@testable import Synth

final class LabelsTests: XCTestCase {
    let rows = [
        LabelRow(filepath: "A/A_00000.png", letter: "A", distance: 3.141593),
        LabelRow(filepath: "Z/Z_00012.png", letter: "Z", distance: 1),
        LabelRow(filepath: "odd, name/\"q\".png", letter: "M", distance: 4.999999),
    ]

    func testCSVRoundTrip() throws {
        let text = LabelsTable.csv(rows)
        XCTAssertTrue(text.hasPrefix("filepath,letter,distance\nA/A_00000.png,A,3.141593\nZ/Z_00012.png,Z,1.000000\n"))
        XCTAssertEqual(try LabelsTable.parseCSV(text, file: "labels.csv"), rows)
        XCTAssertEqual(try LabelsTable.parseCSV(text.replacingOccurrences(of: "\n", with: "\r\n"), file: "labels.csv"), rows)
    }

    func testWorkbookRoundTripAndStructure() throws {
        let data = try LabelsWorkbook.xlsx(rows)
        XCTAssertEqual(Array(data.prefix(2)), [0x50, 0x4B], "an .xlsx file is a ZIP archive")
        XCTAssertEqual(try LabelsWorkbook.read(data, file: "labels.xlsx"), rows)
        XCTAssertEqual(try LabelsWorkbook.xlsx(rows), data, "the same rows give the same bytes")
        let cells = try LabelsWorkbook.firstSheet(data, file: "labels.xlsx")
        XCTAssertEqual(cells[0].cells, ["filepath", "letter", "distance"])
        XCTAssertEqual(cells[2].number, 3)
    }

    func testBadRowsNameFileAndLine() {
        func problem(_ text: String) -> String? {
            do { _ = try LabelsTable.parseCSV(text, file: "labels.csv"); return nil } catch { return "\(error)" }
        }
        XCTAssertEqual(problem(""), "labels.csv, line 1: the file is empty; expected the header \"filepath,letter,distance\".")
        XCTAssertEqual(problem("path,label\n"), "labels.csv, line 1: expected the header \"filepath,letter,distance\", got \"path,label\".")
        XCTAssertEqual(problem("filepath,letter,distance\nA/a.png,A,1\nB/b.png,b,2\n"),
                       "labels.csv, line 3: the letter must be one of A–Z, got \"b\".")
        XCTAssertEqual(problem("filepath,letter,distance\nA/a.png,A,nan\n"),
                       "labels.csv, line 2: the distance must be a number greater than 0 and at most 1000, got \"nan\".")
        XCTAssertEqual(problem("filepath,letter,distance\nA/a.png,A\n"),
                       "labels.csv, line 2: expected 3 fields (filepath, letter, distance), got 2.")
        XCTAssertEqual(problem("filepath,letter,distance\n../../etc/passwd,A,1\n"),
                       "labels.csv, line 2: the path \"../../etc/passwd\" leaves the data set folder (\"..\").")
        XCTAssertEqual(problem("filepath,letter,distance\n/etc/passwd,A,1\n"),
                       "labels.csv, line 2: the path \"/etc/passwd\" must be relative to the data set folder.")
        XCTAssertEqual(problem("filepath,letter,distance\n\"A/a.png,A,1\n"),
                       "labels.csv, line 2: a quoted field is not closed.")
    }

    func testGarbageWorkbookIsAnError() {
        XCTAssertThrowsError(try LabelsWorkbook.read(Data("not a zip".utf8), file: "x.xlsx")) { error in
            XCTAssertEqual("\(error)", "Cannot read the workbook x.xlsx: it is not a ZIP archive (an .xlsx file is one).")
        }
    }
}
