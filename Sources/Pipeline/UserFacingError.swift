import Analysis
import AtomicIO
import Canvas
import Configuration
import FileFormats
import NN
import Storage
import Synth
import Training

/// An error whose `description` is a complete sentence for the user; the CLI prints it as is
/// and exits with `exitStatus`: 1 for a user error, 130 for work stopped by a signal.
public protocol UserFacingError: Error, CustomStringConvertible {
    var exitStatus: Int32 { get }
}

extension UserFacingError {
    public var exitStatus: Int32 { Interruption.isInterruption(self) ? 130 : 1 }
}

extension ConfigError: UserFacingError {}
extension CanvasError: UserFacingError {}
extension SynthError: UserFacingError {}
extension TrainingError: UserFacingError {}
extension AnalysisError: UserFacingError {}
extension NumPyError: UserFacingError {}
// A model or checkpoint whose safetensors framing is broken (its message names the file).
extension SafeTensorsError: UserFacingError {}
extension FileReadError: UserFacingError {}
extension FileWriteError: UserFacingError {}
extension RecordError: UserFacingError {}
extension StorageError: UserFacingError {}
extension KernelEnvironment.UnknownChoice: UserFacingError {}
