// IP addresses and CIDR blocks for indicator sweeps, parsed straight from event bytes. IPv4 is held as
// IPv4-mapped IPv6 (::ffff:a.b.c.d) so that one table answers for both families, and Windows' habit of
// writing IPv4 peers as ::ffff:10.0.0.5 matches an IPv4 indicator without a special case.

/// An IPv4 or IPv6 address as 128 bits, most significant first.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init(v4: UInt32) {
        high = 0
        low = 0xFFFF_0000_0000 | UInt64(v4)
    }

    public var isV4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The address with only its first `bits` bits kept.
    public func masked(_ bits: Int) -> IPAddress {
        if bits >= 128 { return self }
        if bits <= 0 { return IPAddress(high: 0, low: 0) }
        if bits <= 64 { return IPAddress(high: bits == 64 ? high : high & ~(UInt64.max >> UInt64(bits)), low: 0) }
        return IPAddress(high: high, low: low & ~(UInt64.max >> UInt64(bits - 64)))
    }

    public var description: String {
        if isV4 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        let groups = (0..<8).map { i -> UInt16 in
            let word = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> UInt64(48 - 16 * (i % 4)))
        }
        // RFC 5952: the longest run of two or more zero groups becomes "::".
        var best = (start: -1, count: 0)
        var i = 0
        while i < 8 {
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > best.count && j - i >= 2 { best = (i, j - i) }
            i = j == i ? i + 1 : j
        }
        func hex(_ r: Range<Int>) -> String { r.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
        if best.start < 0 { return hex(0..<8) }
        return hex(0..<best.start) + "::" + hex((best.start + best.count)..<8)
    }

    public init?(_ text: String) {
        var text = text
        guard let address = text.withUTF8({ IPAddress.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = address
    }

    /// Parses a whole buffer as a dotted IPv4 address or an IPv6 address (with `::`, an embedded IPv4 tail
    /// and an optional `%zone`, which is ignored). Nothing else is accepted: no brackets, ports or spaces.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> IPAddress? {
        let n = bytes.count
        guard n >= 2, n <= 64 else { return nil }
        var colon = false
        for b in bytes where b == UInt8(ascii: ":") {
            colon = true
            break
        }
        if !colon { return parseV4(bytes, 0, n).map(IPAddress.init(v4:)) }
        return parseV6(bytes)
    }

    /// Four decimal octets in `bytes[from..<to]`.
    static func parseV4(_ bytes: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var parts = 0
        var i = from
        while i <= to {
            let b: UInt8 = i < to ? bytes[i] : UInt8(ascii: ".")
            if b &- 0x30 < 10 {
                octet = octet * 10 + UInt32(b - 0x30)
                digits += 1
                guard digits <= 3, octet <= 255 else { return nil }
            } else if b == UInt8(ascii: ".") {
                guard digits > 0, parts < 4 else { return nil }
                value = value << 8 | octet
                parts += 1
                octet = 0
                digits = 0
            } else {
                return nil
            }
            i += 1
        }
        return parts == 4 ? value : nil
    }

    static func parseV6(_ bytes: UnsafeRawBufferPointer) -> IPAddress? {
        // Eight groups on the stack: this runs for every colon-bearing value of every event.
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 8) { groups in
            parseV6(bytes, into: groups)
        }
    }

    private static func parseV6(_ bytes: UnsafeRawBufferPointer, into groups: UnsafeMutableBufferPointer<UInt16>) -> IPAddress? {
        var end = bytes.count
        for i in 0..<bytes.count where bytes[i] == UInt8(ascii: "%") {
            end = i
            break
        }
        var count = 0
        var gap = -1
        var i = 0
        if end >= 2, bytes[0] == UInt8(ascii: ":") {
            guard bytes[1] == UInt8(ascii: ":") else { return nil }
            gap = 0
            i = 2
        }
        while i < end {
            // One group: hex digits up to ':' or the end, or a dotted IPv4 tail.
            var j = i
            var value: UInt32 = 0
            while j < end, let d = hexValue(bytes[j]) {
                value = value << 4 | UInt32(d)
                j += 1
                guard j - i <= 4 else { return nil }
            }
            if j < end && bytes[j] == UInt8(ascii: ".") {
                guard count <= 6, let v4 = parseV4(bytes, i, end) else { return nil }
                groups[count] = UInt16(v4 >> 16)
                groups[count + 1] = UInt16(v4 & 0xFFFF)
                count += 2
                break
            }
            guard j > i, count < 8 else { return nil }
            groups[count] = UInt16(value)
            count += 1
            if j == end { break }
            guard bytes[j] == UInt8(ascii: ":") else { return nil }
            if j + 1 < end && bytes[j + 1] == UInt8(ascii: ":") {
                guard gap < 0 else { return nil }
                gap = count
                i = j + 2
            } else {
                guard j + 1 < end else { return nil }
                i = j + 1
            }
        }
        if gap >= 0 {
            guard count < 8 else { return nil }
            let tail = count - gap
            for k in 0..<tail { groups[7 - k] = groups[count - 1 - k] }
            for k in gap..<(8 - tail) { groups[k] = 0 }
        } else {
            guard count == 8 else { return nil }
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for k in 0..<4 { high = high << 16 | UInt64(groups[k]) }
        for k in 4..<8 { low = low << 16 | UInt64(groups[k]) }
        return IPAddress(high: high, low: low)
    }

    @inline(__always) static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}

/// An address block: the address and how many leading bits are fixed (on the 128-bit scale).
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var bits: Int

    public init(_ address: IPAddress, bits: Int) {
        self.address = address.masked(bits)
        self.bits = bits
    }

    /// `a.b.c.d/n`, `v6/n` or a lone address (a /32 or /128 block). IPv4 prefixes are moved onto the mapped
    /// range, so 10.0.0.0/8 is ::ffff:10.0.0.0/104.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        // The prefix counts IPv4 bits when the address is written as IPv4 (::ffff:0:0/96 is IPv6 notation).
        let v4 = !parts[0].contains(":")
        var bits = 128
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 0, n <= (v4 ? 32 : 128) else { return nil }
            bits = v4 ? 96 + n : n
        }
        self.init(address, bits: bits)
    }

    public func contains(_ other: IPAddress) -> Bool { other.masked(bits) == address }

    public var description: String {
        if bits == 128 { return address.description }
        return address.description + "/" + String(address.isV4 ? bits - 96 : bits)
    }
}

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
