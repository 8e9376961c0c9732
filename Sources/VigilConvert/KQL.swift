// KQL (Microsoft Sentinel, Defender XDR, Azure Data Explorer): `Table | where …` with Kusto's case-insensitive
// string operators (`=~`, `startswith`, `endswith`, `contains`; `_cs` and `==` when |cased), RE2 regexes and
// the IP-range functions. Kusto has no null string: an absent field reads as "", so `null`, `exists: false`
// and an empty value all test for empty text.
import VigilCore
import VigilSigma

public struct KQLPrinter: Sendable {
    var resolver: FieldResolver
    var nested: Bool

    public init(layout: FieldLayout, columns: [String]? = nil) {
        resolver = FieldResolver(layout: layout, columns: columns)
        nested = layout.nested
    }

    public func query(_ predicate: Predicate, table: String) throws(Unsupported) -> String {
        "\(try Self.name(table)) | where " + (try expression(resolver.resolved(predicate).simplified))
    }

    func expression(_ p: Predicate) throws(Unsupported) -> String {
        switch p {
        case .constant(let b): return b ? "true" : "false"
        case .and(let xs): return try Predicate.joined(xs, by: " and ", expression)
        case .or(let xs): return try Predicate.joined(xs, by: " or ", expression)
        case .not(let x):
            return "not(\(try expression(x)))"
        case .keyword(let condition):
            // `* contains` is a substring test over every column, case-insensitive, as a local keyword is.
            guard case .string(let s, let cased) = condition, !cased, case .contains(let text) = try ValueShape(s) else {
                throw Unsupported("only case-insensitive substring keywords have a KQL form (where * contains)")
            }
            return "* contains \(try Self.literal(text))"
        case .field(let name, let condition):
            let f = try column(name)
            switch condition {
            case .string(let s, let cased): return try string(f, s, cased: cased)
            case .channel(let name): return try string(f, FieldCondition.channelText(name), cased: false)
            case .regex(let pattern, let i, let m, let s):
                if let feature = RegexDialect.unsupportedInRE2(pattern) {
                    throw Unsupported("the regular expression uses \(feature), which Kusto's RE2 engine does not support")
                }
                return "\(f) matches regex \(try Self.literal(GlobRegex.flags(ignoreCase: i, multiline: m, dotAll: s) + pattern))"
            case .compare(let op, let n, let part):
                if let part { throw Unsupported("the |\(part.rawValue) timestamp-part comparison is not converted") }
                // todouble is null for text that is not a number: coalesce keeps the test two-valued under not().
                return "coalesce(todouble(\(f)) \(SplunkPrinter.symbol(op)) \(SQLPrinter.number(n)), false)"
            case .cidr(let network):
                let function = network.isIPv4 ? "ipv4_is_in_range" : "ipv6_is_in_range"
                return "coalesce(\(function)(\(f), \(try Self.literal(network.description))), false)"
            case .isNull, .exists(false): return "isempty(\(f))"
            case .exists(true): return "isnotempty(\(f))"
            case .eventID(let ids):
                if ids.count == 1 { return "\(stringView(f)) == \"\(ids[0])\"" }
                return "\(stringView(f)) in (" + ids.map { "\"\($0)\"" }.joined(separator: ", ") + ")"
            case .fieldref(let other, let mode, let cased):
                let g = try column(other)
                let a = cased ? f : "tolower(\(f))"
                let b = cased ? g : "tolower(\(g))"
                // An empty other field is an absent one: the local engine never matches against an absent field.
                let present = "isnotempty(\(g))"
                switch mode {
                case .equals: return "(\(present) and \(f) \(cased ? "==" : "=~") \(g))"
                case .startsWith: return "(\(present) and indexof(\(a), \(b)) == 0)"
                case .endsWith:
                    return "(\(present) and strlen(\(f)) >= strlen(\(g)) and substring(\(a), strlen(\(f)) - strlen(\(g))) == \(b))"
                case .contains: return "(\(present) and indexof(\(a), \(b)) >= 0)"
                }
            }
        }
    }

    func string(_ f: String, _ s: SigmaString, cased: Bool) throws(Unsupported) -> String {
        var literals = ""
        for case .literal(let b) in s.parts { literals += try RuleText.text(b) }
        let shape = try ValueShape(s)
        // Control characters only go into a regex (as \x{..}), so the query stays on one line.
        if !RuleText.hasControl(literals) {
            let cs = cased ? "_cs" : ""
            switch shape {
            case .empty: return "isempty(\(f))"
            case .any: return "isnotempty(\(f))"
            case .exact(let t) where RuleText.isDigits(t): return "\(stringView(f)) == \(try Self.literal(t))"
            case .exact(let t): return "\(f) \(cased ? "==" : "=~") \(try Self.literal(t))"
            case .prefix(let t): return "\(f) startswith\(cs) \(try Self.literal(t))"
            case .suffix(let t): return "\(f) endswith\(cs) \(try Self.literal(t))"
            case .contains(let t): return "\(f) contains\(cs) \(try Self.literal(t))"
            case .pattern: break
            }
        }
        return "\(f) matches regex \(try Self.literal(GlobRegex.pattern(s, ignoreCase: !cased)))"
    }

    /// Numbers are compared as the text the local engine sees; tostring() lets an int column compare too.
    func stringView(_ f: String) -> String { nested ? f : "tostring(\(f))" }

    /// A column, or a path into a dynamic column read as text (`tostring(Event.System['#attributes'].Name)`).
    func column(_ name: String) throws(Unsupported) -> String {
        let path = resolver.path(name) ?? [name]
        var out = try Self.name(path[0])
        for segment in path.dropFirst() {
            let n = try Self.name(segment)
            out += n.hasPrefix("[") ? n : "." + n
        }
        return nested ? "tostring(\(out))" : out
    }

    /// An identifier as Kusto reads it: plain names as they are, others as `['name']`.
    static func name(_ text: String) throws(Unsupported) -> String {
        if SplunkPrinter.isSimpleName(text, allowDots: false) { return text }
        if text.isEmpty || text.unicodeScalars.contains(where: { $0 == "'" || $0 == "\\" || RuleText.isControl($0) }) {
            throw Unsupported("the name '\(text)' cannot be written as a Kusto identifier")
        }
        return "['\(text)']"
    }

    /// A Kusto string literal: `\` and `"` escaped; control characters are refused (callers route them into
    /// regexes as \x{..}).
    static func literal(_ text: String) throws(Unsupported) -> String {
        if RuleText.hasControl(text) {
            throw Unsupported("the value holds a control character (line break, tab…), which a one-line KQL query cannot carry")
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out + "\""
    }
}
