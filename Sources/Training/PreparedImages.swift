import Canvas
import Foundation

/// Images their producer already holds, resized to the model's input, for the data set
/// paths it names up front. `asl-lab run` draws a data set and then trains on it in one
/// process; decoding the PNGs it had just written was most of loading (about 1.1 ms of each
/// image's 1.5 ms on AMD EPYC). PNG is lossless, so these are the bytes decoding would give.
/// They are written into one block laid out like `ImageDataset`'s, which loading adopts as
/// it is when every image it needs is here (no copy, no second block); any image not here is
/// decoded.
public final class PreparedImages: @unchecked Sendable {
    /// The side the images were resized to: a loader for another size decodes.
    public let inputSize: Int
    /// Where each path's image goes in `pixels`, in images (fixed at init, so read without a lock).
    let slots: [String: Int]
    private let lock = NSLock()
    private var store: PixelStore?

    /// Room for the images of `paths` (paths relative to the data set folder) at `inputSize`.
    /// The memory is taken from the system only as images arrive.
    public init(inputSize: Int, paths: [String]) {
        self.inputSize = inputSize
        var slots: [String: Int] = [:]
        for (slot, path) in paths.enumerated() { slots[path] = slot }
        self.slots = slots
        store = PixelStore(images: paths.count, bytesPerImage: 3 * inputSize * inputSize)
    }

    /// Resizes `image`, drawn for `path`, and keeps it; from any thread, each path once (the
    /// images go to disjoint places). A path not named at init is ignored.
    public func add(_ image: RGBImage, path: String) {
        guard let slot = slots[path], let store = lock.withLock({ store }) else { return }
        let planes = ImageResize.planarRGB(image, size: inputSize)
        store.write(planes, size: "\(image.width)×\(image.height)", slot: slot)
    }

    /// The block of images, while kept.
    var pixels: PixelStore? { lock.withLock { store } }

    /// How many images have arrived.
    public var count: Int { pixels?.filledCount ?? 0 }

    /// Itself when every image it was made for has arrived; else it lets its images go and
    /// returns nil: a loader then decodes every file, and a partial block held beside them
    /// (a generation that resumed from shards drawn by other processes) would only add to
    /// the memory loading needs.
    public func whenComplete() -> PreparedImages? {
        if count == slots.count { return self }
        removeAll()
        return nil
    }

    /// Lets the block go (a loader that adopted it keeps it alive as long as it needs it).
    public func removeAll() {
        lock.withLock { store = nil }
    }
}

/// A block of 8-bit C,H,W images, `bytesPerImage` each, written from several threads at
/// disjoint slots (by `PreparedImages` or loading) and read once written.
final class PixelStore: @unchecked Sendable {
    let images: Int
    let bytesPerImage: Int
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    /// Per slot, the drawn image's size ("W×H"), or nil while the slot is empty.
    private let sizes: UnsafeMutableBufferPointer<String?>

    init(images: Int, bytesPerImage: Int) {
        self.images = images
        self.bytesPerImage = bytesPerImage
        // Left uninitialised: pages are only touched (and resident) as images are written.
        bytes = .allocate(capacity: max(1, images * bytesPerImage))
        sizes = .allocate(capacity: max(1, images))
        sizes.initialize(repeating: nil)
    }

    deinit {
        bytes.deallocate()
        sizes.deinitialize()
        sizes.deallocate()
    }

    /// Writes one image's planes into `slot` (each slot from one thread only).
    func write(_ planes: [UInt8], size: String, slot: Int) {
        precondition(planes.count == bytesPerImage && slot < images)
        planes.withUnsafeBufferPointer { (bytes.baseAddress! + slot * bytesPerImage).update(from: $0.baseAddress!, count: bytesPerImage) }
        sizes[slot] = size
    }

    /// The drawn size of slot `slot`, nil when it was never written.
    func size(of slot: Int) -> String? { sizes[slot] }

    var filledCount: Int { sizes.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// Every byte, read-only.
    func withBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) -> T) -> T { body(UnsafeBufferPointer(bytes)) }
}
