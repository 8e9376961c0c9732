// ATT&CK technique identifiers ("T1059", "T1059.001") as compact comparable values.

/// A technique or sub-technique ID. Parses the forms found in the wild: `T1059.001`, `t1059.001`,
/// and Sigma tags `attack.t1059.001`.
public struct TechniqueID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let number: UInt16
    /// 0 for a technique, 1...999 for a sub-technique.
    public let sub: UInt16

    public init(number: UInt16, sub: UInt16 = 0) {
        self.number = number
        self.sub = sub
    }

    public init?(_ text: some StringProtocol) {
        var s = Substring(text)
        if s.lowercased().hasPrefix("attack.") { s = s.dropFirst(7) }
        guard let first = s.first, first == "T" || first == "t" else { return nil }
        s = s.dropFirst()
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2,
            parts[0].count == 4, parts[0].allSatisfy(\.isASCIIDigit),
            let number = UInt16(parts[0])
        else { return nil }
        var sub: UInt16 = 0
        if parts.count == 2 {
            guard parts[1].count == 3, parts[1].allSatisfy(\.isASCIIDigit), let value = UInt16(parts[1]), value > 0
            else { return nil }
            sub = value
        }
        self.init(number: number, sub: sub)
    }

    public var isSubtechnique: Bool { sub != 0 }
    public var parent: TechniqueID { TechniqueID(number: number) }

    public var description: String {
        let n = String(number)
        let base = "T" + String(repeating: "0", count: max(0, 4 - n.count)) + n
        guard sub != 0 else { return base }
        let s = String(sub)
        return base + "." + String(repeating: "0", count: max(0, 3 - s.count)) + s
    }

    public static func < (a: Self, b: Self) -> Bool { (a.number, a.sub) < (b.number, b.sub) }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = TechniqueID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a technique ID: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Character {
    @inlinable var isASCIIDigit: Bool { isASCII && isNumber }
}
