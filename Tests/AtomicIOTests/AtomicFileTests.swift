import AtomicIO
import Foundation
import TestSupport
import XCTest

final class AtomicFileTests: TemporaryFolderTestCase {
    func testWriteReplacesTheFileWholeAndLeavesNoTemporary() throws {
        let path = folder + "/a.txt"
        try AtomicFile.write(Data("first".utf8), to: path)
        try AtomicFile.write(Data("second, longer".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "second, longer")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["a.txt"])
    }

    func testFailureNamesThePathAndTheMissingFolder() {
        let path = folder + "/missing-folder/a.txt"
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: path)) { error in
            XCTAssertEqual(error as? FileWriteError, FileWriteError(path: path, reason: "the folder \(folder)/missing-folder does not exist"))
        }
    }

    /// A target that is a folder cannot be replaced by a file: nothing is written, the old
    /// folder stays and no temporary file is left.
    func testATargetThatIsAFolderIsRefusedAndNothingIsLeft() throws {
        let path = folder + "/taken"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: path)) { error in
            XCTAssertEqual((error as? FileWriteError)?.path, path)
            XCTAssertEqual((error as? FileWriteError)?.reason, "it is a folder, which a file cannot replace")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["taken"])
    }
}

extension AtomicFileTests {
    /// Linking replaces what is at the destination and shares the source's bytes (a hard link on
    /// one file system); a missing source is an error naming the destination, which stays away.
    func testLinkOrCopyReplacesTheDestination() throws {
        let source = folder + "/source.txt", destination = folder + "/destination.txt"
        try AtomicFile.write(Data("kept".utf8), to: source)
        try AtomicFile.write(Data("old".utf8), to: destination)
        try AtomicFile.linkOrCopy(source, to: destination)
        XCTAssertEqual(try String(contentsOfFile: destination, encoding: .utf8), "kept")
        let a = try FileManager.default.attributesOfItem(atPath: source), b = try FileManager.default.attributesOfItem(atPath: destination)
        XCTAssertEqual(a[.systemFileNumber] as? Int, b[.systemFileNumber] as? Int, "same file system: a hard link")

        let missing = folder + "/missing.txt", target = folder + "/target.txt"
        XCTAssertThrowsError(try AtomicFile.linkOrCopy(missing, to: target)) { error in
            XCTAssertEqual((error as? FileWriteError)?.path, target)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["destination.txt", "source.txt"])
    }
}

/// Planted links, predictable names, special files and the reasons given for failures.
final class HostileFileSystemTests: TemporaryFolderTestCase {
    func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The old scheme wrote `path.tmp-PID` with O_TRUNC: a link planted under that name made the
    /// write overwrite the link's target. Links under every name a write could once have used
    /// are now left alone, and so is their target.
    func testAWriteNeverFollowsALinkPlantedWhereItsTemporaryCouldBe() throws {
        let victim = folder + "/victim.txt", target = folder + "/out.txt"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
        for name in ["out.txt.tmp-\(getpid())", ".out.txt.tmp-\(getpid())", "out.txt.tmp"] {
            try FileManager.default.createSymbolicLink(atPath: folder + "/" + name, withDestinationPath: victim)
        }
        try AtomicFile.write(Data("result".utf8), to: target)
        XCTAssertEqual(contents(victim), "precious")
        XCTAssertEqual(contents(target), "result")
        XCTAssertEqual(FileKind(path: target), .regular)
    }

    /// A link standing at the target itself is replaced by the new file, never written through.
    func testALinkAtTheTargetIsReplacedNotWrittenThrough() throws {
        let victim = folder + "/victim.txt", target = folder + "/out.txt", source = folder + "/source.txt"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
        try Data("linked".utf8).write(to: URL(fileURLWithPath: source))
        try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: victim)
        try AtomicFile.write(Data("result".utf8), to: target)
        XCTAssertEqual(contents(victim), "precious")
        XCTAssertEqual(FileKind(path: target), .regular)
        try FileManager.default.removeItem(atPath: target)
        try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: victim)
        try AtomicFile.linkOrCopy(source, to: target)
        XCTAssertEqual(contents(victim), "precious")
        XCTAssertEqual(contents(target), "linked")
        XCTAssertEqual(FileKind(path: target), .regular)
    }

    /// `createNew` is for files inside folders asl-lab has just made: anything already there,
    /// a planted link above all, makes it fail without touching what the link points to.
    func testCreateNewRefusesAnythingAlreadyThere() throws {
        let victim = folder + "/victim.txt", path = folder + "/image.png"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
        XCTAssertThrowsError(try AtomicFile.createNew(Data("x".utf8), at: path)) { error in
            XCTAssertEqual((error as? FileWriteError)?.path, path)
        }
        XCTAssertEqual(contents(victim), "precious")
    }

    func testTemporaryNamesAreUnpredictableAndSayWhoMadeThem() throws {
        let a = TemporaryName.make(for: "model.safetensors", kind: "tmp"), b = TemporaryName.make(for: "model.safetensors", kind: "tmp")
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(a.hasPrefix(".model.safetensors.tmp-"), a)
        let parsed = try XCTUnwrap(TemporaryName(parsing: a))
        XCTAssertEqual(parsed.kind, "tmp")
        XCTAssertEqual(parsed.pid, getpid())
        XCTAssertEqual(parsed.host, TemporaryName.hostTag)
        XCTAssertFalse(parsed.isLeftover, "this process is alive")
        XCTAssertEqual(TemporaryName(parsing: TemporaryName.make(for: "my-data.v2", kind: "partial"))?.kind, "partial")
        for other in ["notes.txt", ".hidden", ".x.tmp-abc-12-zz", ".x.old-1a2b3c4d-12-ff", ""] {
            XCTAssertNil(TemporaryName(parsing: other), other)
        }
        // A final name near the file system's limit still gives a temporary name within it.
        let long = String(repeating: "n", count: 250)
        XCTAssertLessThanOrEqual(TemporaryName.make(for: long, kind: "partial").utf8.count, 255)
        try AtomicFile.write(Data("x".utf8), to: folder + "/" + long)
    }

    /// Leftovers of dead processes on this machine go; those of live processes, of other
    /// machines and anything else stay.
    func testRemoveLeftoversRemovesOnlyWhatDeadProcessesLeft() throws {
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = finished.processIdentifier
        let names = [
            ".data.partial-\(TemporaryName.hostTag)-\(dead)-1f", ".model.tmp-\(TemporaryName.hostTag)-\(dead)-2e",
            ".data.partial-\(TemporaryName.hostTag)-\(getpid())-3d", ".data.partial-0badc0de-\(dead)-4c", "notes.txt",
        ]
        for name in names { try FileManager.default.createDirectory(atPath: folder + "/" + name, withIntermediateDirectories: false) }
        let removed = Folder.removeLeftovers(in: folder).map { ($0 as NSString).lastPathComponent }
        XCTAssertEqual(Set(removed), Set(names[0...1]))
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder)), Set(names[2...4]))
    }

    func testOwnedFoldersAreNeverLinksOrOthersFolders() throws {
        let elsewhere = folder + "/elsewhere", planted = folder + "/train.partial"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: elsewhere)
        XCTAssertThrowsError(try Folder.createOwned(planted)) { error in
            XCTAssertEqual((error as? FileWriteError)?.reason, "it is a symbolic link where asl-lab keeps a folder of its own; remove it and run again")
        }
        try Folder.createOwned(folder + "/a/b/c")
        try Folder.createOwned(folder + "/a/b/c")
        XCTAssertEqual(FileKind(path: folder + "/a/b/c"), .folder)
        let temporary = try Folder.createTemporary(beside: folder + "/result")
        XCTAssertEqual(FileKind(path: temporary), .folder)
        XCTAssertNotEqual(temporary, try Folder.createTemporary(beside: folder + "/result"))
    }

    /// A FIFO, a device or a folder under the target's name is refused at once (never opened,
    /// so a FIFO cannot block the write), and the message says what is there.
    func testSpecialFilesAtTheTargetAreRefusedByName() throws {
        let fifo = folder + "/pipe"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: fifo)) { error in
            XCTAssertEqual((error as? FileWriteError)?.reason, "it is a FIFO (named pipe), which a file cannot replace")
        }
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: "/dev/null")) { error in
            XCTAssertEqual((error as? FileWriteError)?.reason, "it is a device, which a file cannot replace")
        }
        XCTAssertEqual(FileKind(path: fifo), .fifo)
    }

    /// Flushing cannot be observed without pulling the plug; what can fail is finding the file
    /// system and the call itself, and a missing path must be an error, not a silent no-op.
    func testFlushingTheFileSystemNamesAMissingPath() throws {
        try Folder.syncFileSystem(containing: folder)
        try AtomicFile.write(Data("x".utf8), to: folder + "/durable", durability: .powerLoss)
        XCTAssertEqual(contents(folder + "/durable"), "x")
        XCTAssertThrowsError(try Folder.syncFileSystem(containing: folder + "/missing")) { error in
            XCTAssertEqual((error as? FileWriteError)?.path, folder + "/missing")
        }
    }

    /// "permission denied" and "check free space" were given for causes that were neither.
    func testReasonsNameTheRealCause() throws {
        let long = folder + "/" + String(repeating: "x", count: 300)
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: long)) { error in
            let reason = (error as? FileWriteError)?.reason ?? ""
            XCTAssertTrue(reason.contains("is 300 bytes long, more than the file system allows (255 per name)"), reason)
        }
        let file = folder + "/plain"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: file + "/inner/out.txt")) { error in
            XCTAssertEqual((error as? FileWriteError)?.reason, "\(file) is a file, not a folder")
        }
        XCTAssertThrowsError(try Folder.create(file + "/inner")) { error in
            XCTAssertEqual(error as? FileWriteError, FileWriteError(path: file, reason: "it is a file, not a folder"))
        }
        XCTAssertThrowsError(try Folder.create(file)) { error in
            XCTAssertEqual((error as? FileWriteError)?.reason, "it is a file, not a folder")
        }
        XCTAssertEqual(SystemReason.phrase(ENOSPC, path: file), "no space is left on the device")
        XCTAssertEqual(SystemReason.phrase(EROFS, path: file), "the file system is read-only")
    }
}
