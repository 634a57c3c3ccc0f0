import Analysis
import Canvas
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
