import Digest

/// One shifted evaluation set of `analyse.shifts`: the run's data set with some generator keys
/// changed, drawn with a seed of its own so that no shifted image repeats a training image's
/// random draws.
public struct DataShift: Equatable, Sendable {
    public var name: String
    /// The changed keys and their values, in schema order.
    public var settings: [ConfigEntry]

    /// "data.distance.min = 5.0, data.distance.max = 8.0": what the shift changes.
    public var summary: String {
        settings.map { "\($0.key) = \($0.value.yaml)" }.joined(separator: ", ")
    }
}

extension EffectiveConfig {
    /// The shifted evaluation sets the config names (`analyse.shifts`), in order.
    public var shifts: [DataShift] {
        guard case .list(let items) = self["analyse.shifts"] else { return [] }
        return items.compactMap { item in
            guard case .mapping(let entries) = item, entries.count == 2, case .text(let name) = entries[0].value,
                  case .mapping(let settings) = entries[1].value else { return nil }
            return DataShift(name: name, settings: settings)
        }
    }

    /// The config that draws `shift`'s data set: this one with the shift's keys set, a seed
    /// derived from the run's seed and the shift's name, and no shifts of its own. Throws when
    /// the changed keys contradict the others (e.g. a minimum distance above the maximum).
    public func shifted(_ shift: DataShift) throws -> EffectiveConfig {
        var config = self
        for entry in shift.settings { config.set(entry.key, entry.value, from: .override("analyse.shifts \(shift.name): \(entry.key)")) }
        let derived = SHA256.hex("shift\n\(int("seed"))\n\(shift.name)\n").prefix(15)
        config.set("seed", .integer(Int(derived, radix: 16)!), from: .override("analyse.shifts \(shift.name): its own seed"))
        config.set("analyse.shifts", .list([]), from: .defaults)
        try ConfigRules.checkConsistency(config)
        return config
    }
}
