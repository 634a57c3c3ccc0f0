import Foundation

/// File writes that never leave half a file under the real name and never write through a
/// link someone planted: the bytes go to a new file with an unpredictable name beside the
/// target, created exclusively (`O_EXCL | O_NOFOLLOW`), which is renamed over the target once
/// complete. Written with POSIX calls so a failure carries errno's reason.
public enum AtomicFile {
    /// How long a written file must last.
    public enum Durability: Sendable {
        /// Complete or absent after the process dies at any moment (the default).
        case processCrash
        /// The same after a power loss: the file and its folder are flushed to the device
        /// before returning, so writes made after this one are never found without it.
        case powerLoss
    }

    /// Writes `data` to `path` through a temporary file and a rename: a reader sees the old
    /// file or the whole new one. The temporary file is removed on failure. An existing `path`
    /// must be a file (or a link, which is replaced, not written through).
    public static func write(_ data: Data, to path: String, durability: Durability = .processCrash) throws(FileWriteError) {
        try checkReplaceable(path)
        let (temporary, fd) = try createTemporaryFile(beside: path)
        if let failure = data.withUnsafeBytes({ finish(fd, writing: $0, sync: durability == .powerLoss, file: temporary, reportedAs: path) }) {
            throw failure
        }
        try move(temporary, over: path)
        if durability == .powerLoss { try Folder.sync(PathText.parent(path)) }
    }

    /// Writes `bytes` as a new file at `path`, which must not exist (`O_EXCL | O_NOFOLLOW`):
    /// for files inside a folder asl-lab has just created, that is itself made visible by a
    /// rename once complete.
    public static func createNew(_ bytes: UnsafeRawBufferPointer, at path: String) throws(FileWriteError) {
        let fd = try openNew(path)
        if let failure = finish(fd, writing: bytes, sync: false, file: path, reportedAs: path) { throw failure }
    }

    /// `createNew` for `Data`.
    public static func createNew(_ data: Data, at path: String) throws(FileWriteError) {
        let fd = try openNew(path)
        if let failure = data.withUnsafeBytes({ finish(fd, writing: $0, sync: false, file: path, reportedAs: path) }) { throw failure }
    }

    private static func openNew(_ path: String) throws(FileWriteError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: path, code: errno) }
        return fd
    }

    /// Writes `bytes` to the open `fd`, flushes them to the device when asked and closes it;
    /// on failure removes `file` and returns why (a value, so closures over buffers can hand
    /// it back).
    private static func finish(_ fd: Int32, writing bytes: UnsafeRawBufferPointer, sync: Bool, file: String, reportedAs path: String) -> FileWriteError? {
        var failure = write(bytes, to: fd, path: path)
        if failure == nil, sync, fsync(fd) != 0 { failure = FileWriteError(path: path, code: errno) }
        if close(fd) != 0, failure == nil { failure = FileWriteError(path: path, code: errno) }
        if failure != nil { unlink(file) }
        return failure
    }

    /// Puts the file `source` at `destination` (replacing what is there) as a hard link, or as a
    /// copy where a link cannot be made (another file system); either goes through a temporary
    /// name, so `destination` is never missing or half a file.
    public static func linkOrCopy(_ source: String, to destination: String) throws(FileWriteError) {
        try checkReplaceable(destination)
        let folder = PathText.parent(destination)
        var info = stat()
        guard stat(source, &info) == 0 else { throw FileWriteError(path: destination, reason: "its source \(source) cannot be read (\(SystemReason.current(path: source)))") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FileWriteError(path: destination, reason: "its source \(source) is \(FileKind(mode: info.st_mode).phrase), not a file")
        }
        for _ in 0..<16 {
            let temporary = (folder as NSString).appendingPathComponent(TemporaryName.make(for: (destination as NSString).lastPathComponent, kind: "tmp"))
            if link(source, temporary) == 0 { return try move(temporary, over: destination) }
            if errno == EEXIST { continue }
            break
        }
        try copy(source, to: destination)
    }

    /// Copies `source` to `destination` through an exclusively created temporary file.
    static func copy(_ source: String, to destination: String) throws(FileWriteError) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileWriteError(path: destination, reason: "its source \(source) cannot be read (\(SystemReason.current(path: source)))") }
        defer { close(input) }
        let (temporary, output) = try createTemporaryFile(beside: destination)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var failure: FileWriteError?
        while failure == nil {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = FileWriteError(path: destination, reason: "its source \(source) cannot be read (\(SystemReason.current(path: source)))")
            }
            if n <= 0 { break }
            failure = buffer.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[0..<n]), to: output, path: destination) }
        }
        if let failure {
            close(output)
            unlink(temporary)
            throw failure
        }
        guard close(output) == 0 else {
            let failure = FileWriteError(path: destination, code: errno)
            unlink(temporary)
            throw failure
        }
        try move(temporary, over: destination)
    }

    /// Renames a complete `temporary` over `path`; on failure the temporary is removed.
    public static func replace(_ path: String, with temporary: String, durability: Durability = .processCrash) throws(FileWriteError) {
        try checkReplaceable(path)
        if durability == .powerLoss {
            let fd = open(temporary, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0, fsync(fd) == 0 else {
                let failure = FileWriteError(path: path, code: errno)
                if fd >= 0 { close(fd) }
                unlink(temporary)
                throw failure
            }
            close(fd)
        }
        try move(temporary, over: path)
        if durability == .powerLoss { try Folder.sync(PathText.parent(path)) }
    }

    /// Renames `temporary` over `path`, removing the temporary when that fails.
    private static func move(_ temporary: String, over path: String) throws(FileWriteError) {
        guard rename(temporary, path) == 0 else {
            let failure = FileWriteError(path: path, code: errno)
            unlink(temporary)
            throw failure
        }
    }

    /// A new file with an unpredictable name beside `path`, opened for writing.
    static func createTemporaryFile(beside path: String) throws(FileWriteError) -> (path: String, descriptor: Int32) {
        let folder = PathText.parent(path)
        for _ in 0..<16 {
            let temporary = (folder as NSString).appendingPathComponent(TemporaryName.make(for: (path as NSString).lastPathComponent, kind: "tmp"))
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 { return (temporary, fd) }
            guard errno == EEXIST else { throw FileWriteError(path: path, code: errno) }
        }
        throw FileWriteError(path: path, reason: "no unused temporary name could be found beside it")
    }

    /// An existing target must be something a file may replace: a file or a link (the link
    /// itself is replaced). Folders, FIFOs, devices and sockets are refused by name.
    static func checkReplaceable(_ path: String) throws(FileWriteError) {
        guard let kind = FileKind(path: path), kind != .regular, kind != .link else { return }
        throw FileWriteError(path: path, reason: "it is \(kind.phrase), which a file cannot replace")
    }

    /// Writes every byte to `fd`; the failure, if any (a form closures over buffers can return).
    static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32, path: String) -> FileWriteError? {
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return FileWriteError(path: path, code: errno)
            }
            offset += n
        }
        return nil
    }

    /// errno as a lower-case phrase for `path`.
    public static func systemReason(path: String = "") -> String {
        SystemReason.current(path: path)
    }
}
