// `|cidr` for engines without an address type: regular expressions over the address text that accept exactly
// the texts the local engine's parser reads as an address inside the network — every way of writing an IPv6
// address (leading zeros, `::` for one or more zero groups anywhere it may stand, a dotted IPv4 tail, a `%zone`
// on IPv6 text), applied to the lower-cased value. Patterns use only what Java, RE2 and DuckDB's RE2 share.
import VigilCore
import VigilSigma

enum AddressPatterns {
    static let hex = "[0-9a-f]{1,4}"
    static let octet = "(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])"
    static let quad = "\(octet)(?:\\.\(octet)){3}"
    /// A zone after IPv6 text: not empty, without `%` or `/`.
    static let zone = "(?:%[^%/]+)?"

    /// The five zero groups and `ffff` that start an IPv4-mapped IPv6 address (`::ffff:`, `0:0:0:0:0:ffff:`, `0::ffff:` …).
    static let mappedPrefix: String = {
        var zeros = ["(?:0{1,4}:){5}"]
        for before in 0...4 {
            let head = before == 0 ? ":" : "(?:0{1,4}:){\(before)}"
            zeros.append(head + ":" + (before < 4 ? "(?:0{1,4}:){0,\(4 - before)}" : ""))
        }
        return "(?:" + zeros.joined(separator: "|") + ")ffff:"
    }()

    /// An IPv4 network: its addresses as dotted quads, and as IPv4-mapped IPv6 addresses with a dotted or a hex
    /// tail (the local engine reads `10.1.2.3` and `::ffff:10.1.2.3` as the same address). One `::` standing for
    /// a zero group 6 or 7 of the mapped form is not covered (only networks inside 0.0.0.0/16 have such addresses).
    static func ipv4(_ network: CIDRNetwork) -> String {
        let g = groups(network)
        let dotted = tail(g[6], g[7])
        return "^(?:\(mappedPrefix)(?:\(dotted)|\(group(g[6])):\(group(g[7])))\(zone)|\(dotted))$"
    }

    /// What a group position of the network requires: any value, or values in lo...hi.
    enum Group: Equatable {
        case any
        case range(Int, Int)

        func allows(_ v: Int) -> Bool {
            if case .range(let lo, let hi) = self { return v >= lo && v <= hi }
            return true
        }
    }

    static func groups(_ network: CIDRNetwork) -> [Group] {
        (0..<8).map { i in
            let bits = network.prefix - i * 16
            if bits <= 0 { return .any }
            let value = Int(network.network.address.group(i))
            let fixed = min(bits, 16)
            let mask = (0xFFFF << (16 - fixed)) & 0xFFFF
            return .range(value & mask, (value & mask) | (~mask & 0xFFFF))
        }
    }

    /// A group's text: 1–4 hex digits, leading zeros optional, its value in the range.
    static func group(_ g: Group) -> String {
        guard case .range(let lo, let hi) = g else { return hex }
        // The range is an aligned block: the padded form's digits are fixed, then one digit takes a range, then any.
        var classes: [[Int]] = []
        for d in 0..<4 {
            let shift = (3 - d) * 4
            let a = (lo >> shift) & 0xF
            let b = (hi >> shift) & 0xF
            classes.append(Array(a...b))
        }
        func text(_ digits: [Int]) -> String {
            if digits.count == 16 { return "[0-9a-f]" }
            if digits.count == 1 { return String(digits[0], radix: 16) }
            return "[" + digits.map { String($0, radix: 16) }.joined() + "]"
        }
        var alternatives: [String] = []
        for strip in 0...3 {
            guard classes[0..<strip].allSatisfy({ $0.contains(0) }) else { break }
            alternatives.append(classes[strip...].map(text).joined())
        }
        return alternatives.count == 1 ? alternatives[0] : "(?:" + alternatives.joined(separator: "|") + ")"
    }

    /// The dotted tail for groups 6 and 7.
    static func tail(_ g6: Group, _ g7: Group) -> String {
        if g6 == .any && g7 == .any { return quad }
        var octets: [String] = []
        for (g, high) in [(g6, true), (g6, false), (g7, true), (g7, false)] {
            guard case .range(let lo, let hi) = g else {
                octets.append(octet)
                continue
            }
            let a = high ? lo >> 8 : lo & 0xFF
            let b = high ? hi >> 8 : hi & 0xFF
            // Inside an aligned block the low byte is free unless the high byte is fixed.
            let values = (high || lo >> 8 == hi >> 8) ? Array(a...b) : Array(0...255)
            if values.count == 256 {
                octets.append(octet)
            } else {
                octets.append("(?:" + values.map { "0{0,\(3 - String($0).count)}\($0)" }.joined(separator: "|") + ")")
            }
        }
        return octets.joined(separator: "\\.")
    }

    /// Anchored patterns that together accept exactly the IPv6 texts inside `network` (IPv6 networks only;
    /// IPv4 networks use prefixes and `mappedIPv4`). The first, when present, also needs `validIPv6`.
    static func ipv6(_ network: CIDRNetwork) -> (needsValidity: String?, exact: [String]) {
        let g = groups(network)
        let constrained = g.lastIndex { $0 != .any }.map { $0 + 1 } ?? 0
        var exact: [String] = []
        var prefixed: String?
        let limit: Int
        if constrained == 0 {
            exact.append(validIPv6)
            limit = 0
        } else if constrained <= 6 {
            // The constrained groups written out at the start: any valid rest.
            prefixed = "^" + g[0..<constrained].map(group).joined(separator: ":") + "(?::|$)"
            limit = constrained  // `::` must start inside the constrained groups for the other forms
        } else {
            exact.append("^" + g.map(group).joined(separator: ":") + zone + "$")
            exact.append("^" + g[0..<6].map(group).joined(separator: ":") + ":" + tail(g[6], g[7]) + zone + "$")
            limit = 9
        }
        // `::` after `head` groups, `count` groups after it; the zeros it stands for (one or more) must be allowed.
        for dotted in [false, true] {
            let width = dotted ? 6 : 8
            for head in 0..<width where head < limit {
                for count in 0..<(width - head) {
                    let zerosEnd = width - count
                    guard (head..<zerosEnd).allSatisfy({ g[$0].allows(0) }) else { continue }
                    let headText = (0..<head).map { group(g[$0]) }.joined(separator: ":")
                    var tailParts = (zerosEnd..<width).map { group(g[$0]) }
                    if dotted { tailParts.append(tail(g[6], g[7])) }
                    exact.append("^" + headText + "::" + tailParts.joined(separator: ":") + zone + "$")
                }
            }
        }
        // A network over the IPv4-mapped range also holds the plain dotted quads.
        if (0..<6).allSatisfy({ g[$0].allows($0 == 5 ? 0xFFFF : 0) }) { exact.append("^" + tail(g[6], g[7]) + "$") }
        return (prefixed, Array(Set(exact)).sorted())
    }

    /// Any IPv6 text the local engine's parser accepts (eight groups, or `::` for at least one zero group with
    /// fewer written, optionally a dotted tail).
    static let validIPv6: String = {
        var forms = ["(?:\(hex):){7}\(hex)", "(?:\(hex):){6}\(quad)"]
        for head in 0...7 {
            let h = head == 0 ? "" : "(?:\(hex):){\(head - 1)}\(hex)"
            let t = head < 7 ? "(?:\(hex)(?::\(hex)){0,\(6 - head)})?" : ""
            forms.append(h + "::" + t)
        }
        for head in 0...5 {
            let h = head == 0 ? "" : "(?:\(hex):){\(head - 1)}\(hex)"
            forms.append(h + "::" + "(?:\(hex):){0,\(5 - head)}" + quad)
        }
        return "^(?:" + forms.joined(separator: "|") + ")" + zone + "$"
    }()
}
