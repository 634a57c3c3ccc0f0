import XCTest

/// A test class with a one-node Slurm (`LocalSlurm`) started once for the class and always
/// stopped after it. A machine where it cannot start fails each test with the reason; `make
/// test` installs what it needs.
open class LocalSlurmTestCase: TemporaryFolderTestCase {
    nonisolated(unsafe) private static var slurm: Result<LocalSlurm, Error>?

    open override class func setUp() {
        super.setUp()
        slurm = Result { try LocalSlurm.start() }
    }

    open override class func tearDown() {
        if case .success(let running) = slurm { try? running.stop() }
        slurm = nil
        super.tearDown()
    }

    /// The class's Slurm; throws (failing the test) with the reason it did not start.
    public var local: LocalSlurm {
        get throws { try XCTUnwrap(Self.slurm, "the class's setUp did not run").get() }
    }
}
