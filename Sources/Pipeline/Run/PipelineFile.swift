import AtomicIO
import Foundation

/// Writes of the pipeline's own files (config.yaml, run folders) with failures as
/// `PipelineError`.
enum PipelineFile {
    static func write(_ data: Data, to path: String, durability: AtomicFile.Durability = .processCrash) throws {
        do { try AtomicFile.write(data, to: path, durability: durability) } catch {
            throw PipelineError.cannotWrite(path: error.path, reason: error.reason)
        }
    }

    static func createFolder(_ path: String) throws {
        do { try Folder.create(path) } catch { throw PipelineError.cannotWrite(path: error.path, reason: error.reason) }
    }
}
