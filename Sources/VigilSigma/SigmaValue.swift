// A detection value after its modifiers ran: what the compiler lowers into a byte-level test.
import VigilCore

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

/// A `|cidr` value: VigilCore's `IPNetwork` and the family the rule wrote it in, which the query printers keep
/// (an IPv4 range function for `10.0.0.0/8`, an IPv6 one for `::ffff:10.0.0.0/104`).
public struct CIDRNetwork: Sendable, Hashable, CustomStringConvertible {
    public var network: IPNetwork
    public var isIPv4: Bool

    public init?(_ text: String) {
        guard let network = IPNetwork(text) else { return nil }
        self.network = network
        isIPv4 = !text.contains(":")
    }

    /// The prefix on the 128-bit scale.
    public var prefix: Int { network.bits }

    /// The block's first address as 16 bytes.
    public var address: [UInt8] { network.address.bytes }

    public func contains(_ address: IPAddress) -> Bool { network.contains(address) }

    /// `a.b.c.d/n`, or every IPv6 group written out (`2001:db8:0:0:0:0:0:0/32`): the text converted queries carry.
    public var description: String {
        let a = network.address
        if isIPv4 { return a.bytes[12...].map { String($0) }.joined(separator: ".") + "/\(prefix - 96)" }
        return (0..<8).map { String(a.group($0), radix: 16) }.joined(separator: ":") + "/\(prefix)"
    }
}
