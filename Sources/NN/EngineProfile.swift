import Foundation

/// Where a step's time goes: per layer, direction and phase, the time summed over the threads
/// that ran it and the floating-point operations it did. `asl-lab bench train --profile`
/// prints it. Timing costs two clock reads per phase, so layers time only when a profile is set.
public final class EngineProfile: @unchecked Sendable {
    /// What a phase does.
    public enum Phase: String, Sendable, CaseIterable, Comparable {
        case input = "input (layout, standardise)"
        case lowering = "lowering (im2col, fold)"
        case transform = "Winograd transforms"
        case gemm = "GEMM"
        case packing = "packing weights (inference)"
        case activation = "bias + ReLU"
        case pooling = "pooling"
        case layout = "layout (flatten)"
        case loss = "loss"
        case adam = "Adam"
        case zeroing = "zeroing gradients"
        case data = "data loading"

        public static func < (a: Phase, b: Phase) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    public enum Direction: String, Sendable, Comparable {
        case forward, backward, update
        public static func < (a: Direction, b: Direction) -> Bool { a.order < b.order }
        private var order: Int { self == .forward ? 0 : self == .backward ? 1 : 2 }
    }

    public struct Key: Hashable, Sendable {
        public var layer: String
        public var direction: Direction
        public var phase: Phase
    }

    public struct Entry: Sendable {
        /// Seconds summed over the threads that ran this phase.
        public var threadSeconds: Double = 0
        public var operations: Double = 0
    }

    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]
    private var wallSeconds: [Direction: Double] = [:]
    /// Layers in the order they first reported, for printing.
    private var order: [Key] = []

    public init() {}

    /// Adds `seconds` (of one thread) and `operations` to a phase.
    public func add(_ layer: String, _ direction: Direction, _ phase: Phase, seconds: Double, operations: Double = 0) {
        let key = Key(layer: layer, direction: direction, phase: phase)
        lock.lock()
        if entries[key] == nil { order.append(key) }
        entries[key, default: Entry()].threadSeconds += seconds
        entries[key, default: Entry()].operations += operations
        lock.unlock()
    }

    /// Every phase in the order first seen.
    public var report: [(key: Key, entry: Entry)] {
        lock.lock()
        defer { lock.unlock() }
        return order.map { ($0, entries[$0]!) }
    }

    /// Adds wall-clock seconds of a whole direction of a step (measured by the caller around it,
    /// on the calling thread). Phases are timed on the threads that run them and summed, so
    /// the wall time beyond their sum ÷ threads is time no phase accounts for: threads waiting
    /// for each other at the end of a parallel loop, and work between the timed phases.
    public func addWall(_ direction: Direction, seconds: Double) {
        lock.lock()
        wallSeconds[direction, default: 0] += seconds
        lock.unlock()
    }

    /// Wall-clock seconds per direction, as added.
    public var wall: [(direction: Direction, seconds: Double)] {
        lock.lock()
        defer { lock.unlock() }
        return wallSeconds.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public func reset() {
        lock.lock()
        entries = [:]
        order = []
        wallSeconds = [:]
        lock.unlock()
    }

    /// Seconds since an arbitrary start, for timing phases.
    @inline(__always)
    public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
}

extension Engine {
    /// Runs `body` on the calling thread, adding its wall time to the profile once per engine
    /// thread: while it runs, the other threads either work inside it (a parallel loop) or
    /// wait (serial work), so the profile's sum ÷ threads is its wall time either way.
    @inline(__always)
    func timed<T>(_ layer: String, _ direction: EngineProfile.Direction, _ phase: EngineProfile.Phase, operations: Double = 0,
                  _ body: () -> T) -> T {
        measured(layer, direction, phase, operations: operations, threadsCovered: threads, body)
    }

    /// Runs `body` inside one worker of a parallel loop, adding the time of this thread alone:
    /// the workers' times add up to the phase's thread time.
    @inline(__always)
    func timedInWorker<T>(_ layer: String, _ direction: EngineProfile.Direction, _ phase: EngineProfile.Phase, operations: Double = 0,
                          _ body: () -> T) -> T {
        measured(layer, direction, phase, operations: operations, threadsCovered: 1, body)
    }

    /// Runs `body`, adding its time × `threadsCovered` to the profile when there is one.
    @inline(__always)
    private func measured<T>(_ layer: String, _ direction: EngineProfile.Direction, _ phase: EngineProfile.Phase, operations: Double,
                             threadsCovered: Int, _ body: () -> T) -> T {
        guard let profile else { return body() }
        let start = EngineProfile.now()
        let result = body()
        profile.add(layer, direction, phase, seconds: (EngineProfile.now() - start) * Double(threadsCovered), operations: operations)
        return result
    }
}
