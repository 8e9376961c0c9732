// Lucene query_string syntax (Elasticsearch, OpenSearch, Kibana's Lucene bar), for keyword-mapped fields as
// Winlogbeat's winlog.event_data.* are. Keyword fields compare case-sensitively and query_string has no
// case-insensitive switch, so a value with letters is searched as a regex that spells out both cases of each
// letter; values without letters (and |cased ones) stay plain term, phrase or wildcard queries.
import VigilCore
import VigilSigma

public struct LucenePrinter: Sendable {
    var resolver: FieldResolver

    public init(layout: FieldLayout, columns: [String]? = nil) {
        resolver = FieldResolver(layout: layout, columns: columns)
    }

    public func query(_ predicate: Predicate) throws(Unsupported) -> String {
        try expression(resolver.resolved(predicate).simplified)
    }

    func expression(_ p: Predicate) throws(Unsupported) -> String {
        switch p {
        case .constant(let b): return b ? "*:*" : "NOT *:*"
        case .and(let xs): return try Predicate.joined(xs, by: " AND ", expression)
        case .or(let xs): return try Predicate.joined(xs, by: " OR ", expression)
        case .not(let x):
            // Elasticsearch matches a purely negative group against all documents, so `NOT f:x` is true when the
            // field is absent, as the local engine has it.
            let e = try expression(x)
            return x.isGroup ? "NOT (\(e))" : "NOT \(e)"
        case .keyword:
            throw Unsupported(
                "a keyword search in query_string goes to the index's default_field setting, and analysed text fields match it per token"
            )
        case .field(let name, let condition):
            let f = try field(name)
            switch condition {
            case .string(let s, let cased): return try string(f, s, cased: cased)
            case .channel(let name): return try string(f, FieldCondition.channelText(name), cased: false)
            case .regex(let pattern, let i, let m, let s):
                return "\(f):/" + (try Self.oneLine(LuceneRegex.translate(pattern, ignoreCase: i, multiline: m, dotAll: s))) + "/"
            case .compare:
                throw Unsupported("query_string ranges compare keyword-mapped fields as text, not as numbers")
            case .cidr(let network):
                guard network.isIPv4 else {
                    throw Unsupported("|cidr with an IPv6 network: IPv6 addresses have many spellings, which a keyword regex cannot cover")
                }
                return "\(f):/\(Self.ipv4Regex(network))/"
            case .isNull, .exists(false): return "NOT _exists_:\(f)"
            case .exists(true): return "_exists_:\(f)"
            case .eventID(let ids):
                return ids.count == 1 ? "\(f):\(ids[0])" : "\(f):(" + ids.map(String.init).joined(separator: " OR ") + ")"
            case .fieldref:
                throw Unsupported("query_string cannot compare two fields of an event")
            }
        }
    }

    func string(_ f: String, _ s: SigmaString, cased: Bool) throws(Unsupported) -> String {
        var literals = ""
        for case .literal(let b) in s.parts { literals += try RuleText.text(b) }
        if RuleText.hasControl(literals) {
            throw Unsupported("the value holds a control character (line break, tab…), which a one-line query_string cannot carry")
        }
        let caseMatters = !cased && RuleText.hasCasedLetters(literals)
        switch try ValueShape(s) {
        // An empty phrase analyses to no term and matches nothing; `()` is Lucene's regex for the empty string.
        case .empty: return "\(f):/()/"
        case .any: return "_exists_:\(f)"
        case .exact(let text) where !caseMatters:
            return "\(f):\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        default:
            if caseMatters { return "\(f):/" + (try LuceneRegex.glob(s, ignoreCase: true)) + "/" }
            var out = "\(f):"
            for part in s.parts {
                switch part {
                case .anyRun: out += "*"
                case .anyOne: out += "?"
                case .literal(let b): out += Self.escapedTerm(try RuleText.text(b))
                }
            }
            return out
        }
    }

    /// Term text with every query_string operator character (and space) behind a backslash.
    static func escapedTerm(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars {
            if s.value < 0x80 && !RuleText.isASCIIAlphanumeric(s) && s != "_" { out += "\\" }
            out.unicodeScalars.append(s)
        }
        return out
    }

    static func oneLine(_ regex: String) throws(Unsupported) -> String {
        if RuleText.hasControl(regex) {
            throw Unsupported("the regular expression matches a control character (\\n, \\t…), which a one-line query_string cannot carry")
        }
        return regex
    }

    func field(_ name: String) throws(Unsupported) -> String {
        let joined = (resolver.path(name) ?? [name]).joined(separator: ".")
        if RuleText.hasControl(joined) { throw Unsupported("the field name holds a control character") }
        var out = ""
        for s in joined.unicodeScalars {
            if s.value < 0x80 && !RuleText.isASCIIAlphanumeric(s) && s != "_" && s != "." && s != "@" { out += "\\" }
            out.unicodeScalars.append(s)
        }
        return out
    }

    /// The dotted-quad texts of the addresses in an IPv4 network, as the local engine reads them (1–3 digits
    /// per octet, leading zeros allowed, each at most 255).
    static func ipv4Regex(_ network: CIDRNetwork) -> String {
        let octets = Array(network.address[12...]).map(Int.init)
        let bits = network.prefix - 96
        let anyOctet = "(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])"
        func octet(_ v: Int) -> String { v >= 100 ? "\(v)" : v >= 10 ? "0?\(v)" : "0{0,2}\(v)" }
        var parts: [String] = []
        for k in 0..<4 {
            let fixed = bits - k * 8
            if fixed >= 8 {
                parts.append(octet(octets[k]))
            } else if fixed <= 0 {
                parts.append(anyOctet)
            } else {
                let base = octets[k] & (0xFF << (8 - fixed)) & 0xFF
                parts.append("(" + (base..<(base + (1 << (8 - fixed)))).map(octet).joined(separator: "|") + ")")
            }
        }
        return parts.joined(separator: "\\.")
    }
}
