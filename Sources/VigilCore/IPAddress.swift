// IP addresses and networks: the one parser behind indicator sweeps, Sigma's `|cidr` and the converters' address
// patterns. IPv4 is held as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one 128-bit value answers for both families
// and Windows' habit of writing IPv4 peers as ::ffff:10.0.0.5 needs no special case.
//
// What is read is what Python's `ipaddress` reads (checked in IPAddressTests), with one exception kept on
// purpose: a dotted octet may have leading zeros and is then decimal (`010.1.2.3` is 10.1.2.3; Python refuses
// it as possibly octal). Dotted netmasks after the slash (`10.0.0.0/255.0.0.0`) are not CIDR notation and are
// refused.

/// An IPv4 or IPv6 address as 128 bits, most significant first.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An IPv4 address, as its IPv4-mapped IPv6 address.
    public init(v4: UInt32) {
        high = 0
        low = 0xFFFF_0000_0000 | UInt64(v4)
    }

    /// Whether this is an IPv4(-mapped) address.
    public var isV4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The 16-bit group `i` (0 to 7), as IPv6 text writes it.
    public func group(_ i: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: (i < 4 ? high : low) >> UInt64(48 - 16 * (i % 4)))
    }

    /// The 16 bytes, most significant first.
    public var bytes: [UInt8] {
        (0..<16).map { UInt8(truncatingIfNeeded: ($0 < 8 ? high : low) >> UInt64(56 - 8 * ($0 % 8))) }
    }

    /// The address with only its first `bits` bits kept.
    public func masked(_ bits: Int) -> IPAddress {
        if bits >= 128 { return self }
        if bits <= 0 { return IPAddress(high: 0, low: 0) }
        if bits <= 64 { return IPAddress(high: bits == 64 ? high : high & ~(UInt64.max >> UInt64(bits)), low: 0) }
        return IPAddress(high: high, low: low & ~(UInt64.max >> UInt64(bits - 64)))
    }

    /// The address with every bit after the first `bits` set.
    func filled(_ bits: Int) -> IPAddress {
        if bits >= 128 { return self }
        if bits <= 0 { return IPAddress(high: .max, low: .max) }
        if bits <= 64 { return IPAddress(high: bits == 64 ? high : high | UInt64.max >> UInt64(bits), low: .max) }
        return IPAddress(high: high, low: low | UInt64.max >> UInt64(bits - 64))
    }

    /// Dotted for an IPv4(-mapped) address, else RFC 5952 text (lower case, the longest run of two or more zero
    /// groups as `::`).
    public var description: String {
        if isV4 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        var best = (start: -1, count: 0)
        var i = 0
        while i < 8 {
            var j = i
            while j < 8 && group(j) == 0 { j += 1 }
            if j - i > best.count && j - i >= 2 { best = (i, j - i) }
            i = j == i ? i + 1 : j
        }
        func hex(_ r: Range<Int>) -> String { r.map { String(group($0), radix: 16) }.joined(separator: ":") }
        if best.start < 0 { return hex(0..<8) }
        return hex(0..<best.start) + "::" + hex((best.start + best.count)..<8)
    }

    public init?(_ text: some StringProtocol) {
        guard let address = Self.parse(text) else { return nil }
        self = address
    }

    public static func parse(_ text: some StringProtocol) -> IPAddress? {
        var text = String(text)
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Parses a whole buffer as a dotted IPv4 address or an IPv6 address: `::` for one or more zero groups, an
    /// optional dotted IPv4 tail, an optional `%zone` (not empty, without `%` or `/`; IPv6 only), which is
    /// ignored. Nothing else: no brackets, ports, spaces or signs.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> IPAddress? {
        var end = bytes.count
        var colon = false
        for i in 0..<bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "%") {
                end = i
                break
            }
            if b == UInt8(ascii: ":") { colon = true }
        }
        // The longest address text is 45 bytes (six full groups and a dotted tail).
        guard end >= 2, end <= 45 else { return nil }
        if end < bytes.count {
            guard colon, end + 1 < bytes.count else { return nil }
            for i in (end + 1)..<bytes.count where bytes[i] == UInt8(ascii: "%") || bytes[i] == UInt8(ascii: "/") { return nil }
        }
        if !colon { return parseV4(bytes, 0, end).map(IPAddress.init(v4:)) }
        // Eight groups on the stack: this runs for every colon-bearing value of every event.
        return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 8) { groups in
            parseV6(bytes, end, into: groups)
        }
    }

    /// Four decimal octets (one to three digits each, at most 255) in `bytes[from..<to]`.
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

    private static func parseV6(_ bytes: UnsafeRawBufferPointer, _ end: Int, into groups: UnsafeMutableBufferPointer<UInt16>)
        -> IPAddress?
    {
        var count = 0
        var gap = -1
        var i = 0
        if bytes[0] == UInt8(ascii: ":") {
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
            // `::` stands for at least one zero group.
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

    /// The value of an ASCII hex digit.
    @inline(__always) public static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}

/// An address block: the address and how many leading bits are fixed, on the 128-bit scale (an IPv4 /8 is
/// /104 here). Two spellings of one block (10.0.0.0/8, ::ffff:10.0.0.0/104) are equal.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block (the given address with the other bits cleared).
    public var address: IPAddress
    public var bits: Int

    public init(_ address: IPAddress, bits: Int) {
        self.address = address.masked(bits)
        self.bits = bits
    }

    /// `a.b.c.d/n` (n from 0 to 32), `v6/n` (0 to 128) or a lone address (a /32 or /128 block). The prefix counts
    /// IPv4 bits when the address is written as IPv4, so 10.0.0.0/8 is ::ffff:10.0.0.0/104 (and ::ffff:0:0/96 is
    /// IPv6 notation for 0.0.0.0/0).
    public init?(_ text: some StringProtocol) {
        let slash = text.firstIndex(of: "/")
        let addressText = slash.map { text[..<$0] } ?? text[...]
        guard let address = IPAddress(addressText) else { return nil }
        let v4 = !addressText.contains(":")
        let width = v4 ? 32 : 128
        var length = width
        if let slash {
            // Decimal digits only (no sign, no dotted netmask); leading zeros allowed.
            let digits = text[text.index(after: slash)...].utf8
            guard !digits.isEmpty else { return nil }
            length = 0
            for d in digits {
                guard d &- 0x30 < 10 else { return nil }
                length = length * 10 + Int(d - 0x30)
                guard length <= width else { return nil }
            }
        }
        self.init(address, bits: v4 ? 96 + length : length)
    }

    /// Whether the block lies inside the IPv4-mapped range (::ffff:0:0/96), that is, is an IPv4 block.
    public var isV4: Bool { address.isV4 && bits >= 96 }

    /// The prefix length in the block's own family: IPv4 bits for an IPv4 block.
    public var prefixLength: Int { isV4 ? bits - 96 : bits }

    public func contains(_ other: IPAddress) -> Bool { other.masked(bits) == address }

    /// The first and the last address of the block.
    public var range: ClosedRange<IPAddress> { address...address.filled(bits) }

    /// The first address and the prefix length (none for a lone address), dotted for an IPv4 block.
    public var description: String {
        bits == 128 ? address.description : address.description + "/" + String(prefixLength)
    }
}

extension IPAddress: Comparable {
    public static func < (a: IPAddress, b: IPAddress) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
