// The address and CIDR indicators of a sweep, keyed for lookup by prefix (the address types are VigilCore's).
import VigilCore

/// Addresses and blocks to look up: one hash lookup per distinct prefix length in use, whatever the
/// number of indicators.
struct NetworkTable: Sendable {
    private struct Key: Hashable {
        var high: UInt64
        var low: UInt64
        var bits: UInt8
    }
    private var entries: [Key: Int32] = [:]
    /// Distinct prefix lengths, longest first.
    private(set) var prefixLengths: [Int] = []

    var isEmpty: Bool { entries.isEmpty }

    /// Records `indicator` under `network`; returns the indicator already there, if any.
    mutating func insert(_ network: IPNetwork, _ indicator: Int32) -> Int32? {
        let key = Key(high: network.address.high, low: network.address.low, bits: UInt8(network.bits))
        if let existing = entries[key] { return existing }
        entries[key] = indicator
        if !prefixLengths.contains(network.bits) {
            prefixLengths.append(network.bits)
            prefixLengths.sort(by: >)
        }
        return nil
    }

    /// Calls `body` with every indicator whose block holds `address`.
    @inline(__always) func forEachMatch(_ address: IPAddress, _ body: (Int32) -> Void) {
        for bits in prefixLengths {
            let m = address.masked(bits)
            if let hit = entries[Key(high: m.high, low: m.low, bits: UInt8(bits))] { body(hit) }
        }
    }
}
