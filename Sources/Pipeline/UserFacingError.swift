import Analysis
import AtomicIO
import Canvas
import NN
import Synth
import Training

/// An error whose `description` is a complete sentence for the user; the CLI prints it as is
/// and exits with status 1.
public protocol UserFacingError: Error, CustomStringConvertible {}

extension ConfigError: UserFacingError {}
extension CanvasError: UserFacingError {}
extension SynthError: UserFacingError {}
extension TrainingError: UserFacingError {}
extension AnalysisError: UserFacingError {}
extension NumPyError: UserFacingError {}
// A model or checkpoint whose safetensors framing is broken (its message names the file).
extension SafeTensorsError: UserFacingError {}
extension FileReadError: UserFacingError {}
