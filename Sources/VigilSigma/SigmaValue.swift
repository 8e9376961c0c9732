// A detection value after its modifiers ran: what the compiler lowers into a byte-level test.

public enum SigmaValue: Sendable, Hashable {
    /// Text with wildcards; case-insensitive unless `cased`.
    case string(SigmaString, cased: Bool)
    case regex(String, ignoreCase: Bool, multiline: Bool, dotAll: Bool)
    /// Numeric comparison of the field (or of a part of its timestamp).
    case compare(ComparisonOperator, Double, part: TimePart?)
    case cidr(CIDRNetwork)
    /// `null`: the field is absent (or JSON null).
    case null
    case exists(Bool)
    case fieldref(String, FieldRefMode, cased: Bool)
}

/// One field (or keyword) test of a search identifier.
public struct FieldItem: Sendable {
    /// nil for keywords, which search every field's value.
    public var field: String?
    public var modifiers: [Modifier]
    public var values: [SigmaValue]
    /// `|all`: every value must match (else any).
    public var all: Bool
    /// `|neq`: the field must not equal any value.
    public var negated: Bool
    public var line: Int
    public var column: Int
}

/// A search identifier: maps are AND, lists are OR.
public indirect enum DetectionNode: Sendable {
    case allOf([DetectionNode])
    case anyOf([DetectionNode])
    case item(FieldItem)
}

/// An IPv4 or IPv6 network in CIDR notation; IPv4 is held as IPv4-mapped IPv6 bits.
public struct CIDRNetwork: Sendable, Hashable, CustomStringConvertible {
    public var address: [UInt8]  // 16 bytes
    public var prefix: Int  // in bits over the 16 bytes
    public var isIPv4: Bool

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress.parse(String(parts[0])) else { return nil }
        let v4 = !parts[0].contains(":")
        let maxBits = v4 ? 32 : 128
        var bits = maxBits
        if parts.count == 2 {
            guard let b = Int(parts[1]), b >= 0, b <= maxBits else { return nil }
            bits = b
        }
        self.address = address
        self.prefix = v4 ? bits + 96 : bits
        self.isIPv4 = v4
    }

    public func contains(_ other: [UInt8]) -> Bool {
        var remaining = prefix
        var k = 0
        while remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - remaining))
            if address[k] & mask != other[k] & mask { return false }
            remaining -= 8
            k += 1
        }
        return true
    }

    public var description: String {
        let bits = isIPv4 ? prefix - 96 : prefix
        if isIPv4 { return address[12...].map { String($0) }.joined(separator: ".") + "/\(bits)" }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16) }
            .joined(separator: ":") + "/\(bits)"
    }
}

/// IP address text → 16 bytes (IPv4 mapped into ::ffff:0:0/96).
public enum IPAddress {
    public static func parse(_ text: some StringProtocol) -> [UInt8]? {
        var s = Substring(text)
        if let percent = s.firstIndex(of: "%") { s = s[..<percent] }  // zone id
        if s.contains(":") { return parse6(s) }
        guard let v4 = parse4(s) else { return nil }
        return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + v4
    }

    static func parse4(_ s: Substring) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0 >= "0" && $0 <= "9" }), let v = Int(p), v <= 255 else { return nil }
            out.append(UInt8(v))
        }
        return out
    }

    static func parse6(_ s: Substring) -> [UInt8]? {
        // `[…]` is URL syntax around an address, not part of one: a field holding it is not an address.
        var text = s
        var tail4: [UInt8] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parse4(text[text.index(after: lastColon)...]) else { return nil }
            tail4 = v4
            text = text[...lastColon]
            if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
        }
        let halves = text.components("::")
        guard halves.count <= 2 else { return nil }
        func groups(_ h: Substring) -> [UInt16]? {
            if h.isEmpty { return [] }
            var out: [UInt16] = []
            for g in h.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        let needed = 8 - tail4.count / 2
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < needed + 1 else { return nil }
            all += Array(repeating: 0, count: needed - head.count - tail.count) + tail
        }
        guard all.count == needed else { return nil }
        var bytes: [UInt8] = []
        for g in all { bytes += [UInt8(g >> 8), UInt8(g & 0xFF)] }
        return bytes + tail4
    }
}

extension Substring {
    /// Splits on a multi-character separator (no Foundation).
    func components(_ separator: String) -> [Substring] {
        var out: [Substring] = []
        var rest = self
        while let r = rest.firstRange(of: separator) {
            out.append(rest[..<r.lowerBound])
            rest = rest[r.upperBound...]
        }
        out.append(rest)
        return out
    }
}
