// ES|QL (Elasticsearch 8.11+): `FROM index | WHERE …`. Case-insensitive tests compare TO_LOWER(field) with the
// lower-cased value; wildcards use LIKE; regexes go through RLIKE, whose language is Lucene's (so they are
// rewritten, case-insensitivity spelled out as classes). ES|QL logic is three-valued like SQL: a test of an
// absent field is null, so a NOT wraps its operand in COALESCE(…, false) to keep the local engine's answer.
import VigilCore
import VigilSigma

public struct ESQLPrinter: Sendable {
    var resolver: FieldResolver

    public init(layout: FieldLayout, columns: [String]? = nil) {
        resolver = FieldResolver(layout: layout, columns: columns)
    }

    public func query(_ predicate: Predicate, index: String) throws(Unsupported) -> String {
        let pattern = index.unicodeScalars.allSatisfy { RuleText.isASCIIAlphanumeric($0) || "_.*,:-".unicodeScalars.contains($0) }
        guard !index.isEmpty, pattern else { throw Unsupported("the index pattern '\(index)' cannot be written unquoted after FROM") }
        return "FROM \(index) | WHERE " + (try expression(resolver.resolved(predicate).simplified))
    }

    func expression(_ p: Predicate) throws(Unsupported) -> String {
        switch p {
        case .constant(let b): return b ? "true" : "false"
        case .and(let xs): return try Predicate.joined(xs, by: " AND ", expression)
        case .or(let xs): return try Predicate.joined(xs, by: " OR ", expression)
        case .not(let x):
            return "NOT COALESCE(\(try expression(x)), false)"
        case .keyword:
            throw Unsupported("ES|QL has no test over every field of an event (a keyword needs a field)")
        case .field(let name, let condition):
            let f = try field(name)
            switch condition {
            case .string(let s, let cased): return try string(f, s, cased: cased)
            case .channel(let name): return try string(f, FieldCondition.channelText(name), cased: false)
            case .regex(let pattern, let i, let m, let s):
                return "\(f) RLIKE " + (try Self.literal(LuceneRegex.translate(pattern, ignoreCase: i, multiline: m, dotAll: s)))
            case .compare(let op, let n, let part):
                if let part { throw Unsupported("the |\(part.rawValue) timestamp-part comparison is not converted") }
                return "TO_DOUBLE(\(f)) \(SplunkPrinter.symbol(op)) \(SQLPrinter.number(n))"
            case .cidr(let network):
                return "CIDR_MATCH(TO_IP(\(f)), \(try Self.literal(network.description)))"
            case .isNull, .exists(false): return "\(f) IS NULL"
            case .exists(true): return "\(f) IS NOT NULL"
            case .eventID(let ids):
                if ids.count == 1 { return "TO_STRING(\(f)) == \"\(ids[0])\"" }
                return "TO_STRING(\(f)) IN (" + ids.map { "\"\($0)\"" }.joined(separator: ", ") + ")"
            case .fieldref(let other, let mode, let cased):
                let g = try field(other)
                let a = cased ? f : "TO_LOWER(\(f))"
                let b = cased ? g : "TO_LOWER(\(g))"
                switch mode {
                case .equals: return "\(a) == \(b)"
                case .startsWith: return "STARTS_WITH(\(a), \(b))"
                case .endsWith: return "ENDS_WITH(\(a), \(b))"
                case .contains: return "LOCATE(\(a), \(b)) > 0"
                }
            }
        }
    }

    func string(_ f: String, _ s: SigmaString, cased: Bool) throws(Unsupported) -> String {
        let e = cased ? f : "TO_LOWER(\(f))"
        func text(_ t: String) -> String { cased ? t : t.lowercased() }
        switch try ValueShape(s) {
        case .empty: return "\(f) == \"\""
        case .any: return "\(f) IS NOT NULL"
        case .exact(let t) where RuleText.isDigits(t): return "TO_STRING(\(f)) == \"\(t)\""
        case .exact(let t): return "\(e) == \(try Self.literal(text(t)))"
        case .prefix(let t): return "STARTS_WITH(\(e), \(try Self.literal(text(t))))"
        case .suffix(let t): return "ENDS_WITH(\(e), \(try Self.literal(text(t))))"
        case .contains, .pattern:
            // LIKE: `*` any run, `?` one character, backslash escapes them and itself.
            var pattern = ""
            for part in s.parts {
                switch part {
                case .anyRun: pattern += "*"
                case .anyOne: pattern += "?"
                case .literal(let b):
                    for c in text(try RuleText.text(b)).unicodeScalars {
                        if c == "*" || c == "?" || c == "\\" { pattern += "\\" }
                        pattern.unicodeScalars.append(c)
                    }
                }
            }
            return "\(e) LIKE \(try Self.literal(pattern))"
        }
    }

    /// A field name: plain dotted names as they are, others in backquotes (a backquote doubled).
    func field(_ name: String) throws(Unsupported) -> String {
        let joined = (resolver.path(name) ?? [name]).joined(separator: ".")
        if RuleText.hasControl(joined) { throw Unsupported("the field name holds a control character") }
        let plain = joined.unicodeScalars.first.map { $0 == "_" || $0 == "@" || ($0.properties.isAlphabetic && $0.value < 0x80) } ?? false
        if plain && joined.unicodeScalars.allSatisfy({ RuleText.isASCIIAlphanumeric($0) || $0 == "_" || $0 == "." || $0 == "@" }) {
            return joined
        }
        return "`" + joined.replacing("`", with: "``") + "`"
    }

    /// An ES|QL string literal: `\` and `"` escaped, line breaks and tabs as \n \r \t; other control characters
    /// have no escape there and are refused.
    static func literal(_ text: String) throws(Unsupported) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if RuleText.isControl(scalar) {
                    throw Unsupported(
                        "the value holds a control character (U+\(String(scalar.value, radix: 16))) that an ES|QL string cannot carry")
                }
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
