/// A batch of 8-bit images as the network's float input: the one pass over the data a training
/// step makes, from a data set held in memory (Training's `ImageDataset`) or from `bench
/// train`'s pool of images, which times it as the step's "data loading" phase.
public enum PixelBatch {
    /// Writes the images at `slots` of `pixels` (each `imageBytes` 8-bit values, C,H,W) into
    /// `out`, one after another (N,C,H,W), as floats in [0, 1].
    public static func fill(_ pixels: UnsafeBufferPointer<UInt8>, imageBytes: Int, slots: [Int], into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count >= slots.count * imageBytes)
        for (position, slot) in slots.enumerated() {
            precondition(slot >= 0 && (slot + 1) * imageBytes <= pixels.count)
            let from = pixels.baseAddress! + slot * imageBytes
            let to = out.baseAddress! + position * imageBytes
            for j in 0..<imageBytes { to[j] = Float(from[j]) * (1 / 255) }
        }
    }
}
