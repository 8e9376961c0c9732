// Splunk SPL: the rule as search terms where `search` says exactly what it means (`Field="value"` is
// case-insensitive, `*` its wildcard, `NOT Field="x"` true when the field is absent), and the rest as a
// `| where` over eval functions chosen so that every test is true or false, never null: `where` drops a
// null, and `NOT null` is null, which would lose events the local engine matches under a NOT.
import VigilCore
import VigilSigma

public struct SplunkPrinter: Sendable {
    var resolver: FieldResolver

    public init(layout: FieldLayout, columns: [String]? = nil) {
        resolver = FieldResolver(layout: layout, columns: columns)
    }

    /// `search terms | where expression`: the top-level conjuncts that search terms can say are searched, the
    /// others filtered by `where` (an AND of both is the rule).
    public func query(_ predicate: Predicate) throws(Unsupported) -> String {
        let p = resolver.resolved(predicate).simplified
        if case .constant(let b) = p { return b ? "*" : "* | where false()" }
        var terms: [String] = []
        var filters: [String] = []
        // A conjunct that is an OR keeps its parentheses: eval's AND binds tighter than OR.
        let conjuncts = p.conjuncts
        for conjunct in conjuncts {
            let group = conjuncts.count > 1 && conjunct.isGroup
            if let term = try search(conjunct) {
                terms.append(group ? "(\(term))" : term)
            } else {
                let e = try filter(conjunct)
                filters.append(group ? "(\(e))" : e)
            }
        }
        var out = terms.isEmpty ? "*" : terms.joined(separator: " ")
        if !filters.isEmpty { out += " | where " + filters.joined(separator: " AND ") }
        return out
    }

    // MARK: search terms

    /// The formula as search terms, or nil when some test needs `where`.
    func search(_ p: Predicate) throws(Unsupported) -> String? {
        switch p {
        case .constant: return nil
        case .and(let xs), .or(let xs):
            var parts: [String] = []
            for x in xs {
                guard let e = try search(x) else { return nil }
                parts.append(x.isGroup ? "(\(e))" : e)
            }
            if case .and = p { return parts.joined(separator: " ") }
            return parts.joined(separator: " OR ")
        case .not(let x):
            guard let e = try search(x) else { return nil }
            return x.isGroup ? "NOT (\(e))" : "NOT \(e)"
        case .keyword(let condition):
            return try keyword(condition)
        case .field(let name, let condition):
            guard let field = searchField(name) else { return nil }
            switch condition {
            case .string(let s, let cased):
                guard !cased, Self.searchable(s) else { return nil }
                return "\(field)=" + (try Self.searchValue(s))
            case .channel(let name):
                let s = FieldCondition.channelText(name)
                guard Self.searchable(s) else { return nil }
                return "\(field)=" + (try Self.searchValue(s))
            case .eventID(let ids):
                return ids.count == 1 ? "\(field)=\(ids[0])" : "\(field) IN (" + ids.map(String.init).joined(separator: ", ") + ")"
            case .isNull, .exists(false): return "NOT \(field)=*"
            case .exists(true): return "\(field)=*"
            case .cidr(let network):
                // Search terms match IPv4 CIDR notation against address values.
                return network.isIPv4 ? "\(field)=\"\(network.description)\"" : nil
            case .regex, .compare, .fieldref: return nil
            }
        }
    }

    /// Search terms cannot hold a literal `*` (no escape exists), a `?` wildcard (none exists), an empty value
    /// or a control character.
    static func searchable(_ s: SigmaString) -> Bool {
        guard !s.parts.isEmpty else { return false }
        for part in s.parts {
            switch part {
            case .anyRun: continue
            case .anyOne: return false
            case .literal(let b): if b.contains(UInt8(ascii: "*")) || b.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return false }
            }
        }
        return true
    }

    /// A quoted search value: `\` and `"` escaped, wildcards as `*`.
    static func searchValue(_ s: SigmaString) throws(Unsupported) -> String {
        var out = "\""
        for part in s.parts {
            switch part {
            case .anyRun: out += "*"
            case .anyOne: throw Unsupported("a ? wildcard has no Splunk search form")
            case .literal(let b):
                for scalar in try RuleText.text(b).unicodeScalars {
                    if scalar == "\\" || scalar == "\"" { out += "\\" }
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Keywords search the raw event text, which holds every field's value. A raw event also holds field
    /// names and markup, and writes some characters escaped (JSON `\\` and `\"`, XML `&amp;`): values with those
    /// characters would not be found as written, so they are refused.
    func keyword(_ condition: FieldCondition) throws(Unsupported) -> String {
        guard case .string(let s, let cased) = condition, !cased, case .contains(let text) = try ValueShape(s) else {
            throw Unsupported("only case-insensitive substring keywords have a Splunk form (a search of the raw event text)")
        }
        if let c = text.unicodeScalars.first(where: { "\\\"&<>'*".unicodeScalars.contains($0) || RuleText.isControl($0) }) {
            throw Unsupported(
                "the keyword holds '\(Self.visible(c))', which a raw event may write escaped, so a raw-text search could miss it")
        }
        return "\"*\(text)*\""
    }

    static func visible(_ s: Unicode.Scalar) -> String { RuleText.isControl(s) ? "\\x{\(String(s.value, radix: 16))}" : String(s) }

    /// The field as a search term names it; nil when the name needs the quoting only eval has.
    func searchField(_ name: String) -> String? {
        let joined = (resolver.path(name) ?? [name]).joined(separator: ".")
        return Self.isSimpleName(joined, allowDots: true) ? joined : nil
    }

    static func isSimpleName(_ name: String, allowDots: Bool) -> Bool {
        guard let first = name.unicodeScalars.first,
            first == "_" || (RuleText.isASCIIAlphanumeric(first) && !(first >= "0" && first <= "9"))
        else { return false }
        return name.unicodeScalars.allSatisfy { RuleText.isASCIIAlphanumeric($0) || $0 == "_" || (allowDots && $0 == ".") }
    }

    // MARK: where

    /// The formula as an eval expression that is always true or false.
    func filter(_ p: Predicate) throws(Unsupported) -> String {
        switch p {
        case .constant(let b): return b ? "true()" : "false()"
        case .and(let xs): return try Predicate.joined(xs, by: " AND ", filter)
        case .or(let xs): return try Predicate.joined(xs, by: " OR ", filter)
        case .not(let x):
            let e = try filter(x)
            return x.isGroup ? "NOT (\(e))" : "NOT \(e)"
        case .keyword:
            throw Unsupported("a keyword together with tests that need Splunk's where (regex, cased, fieldref…) in one OR/NOT group")
        case .field(let name, let condition):
            let f = try evalField(name)
            switch condition {
            case .string(let s, let cased):
                // mvfind is null when no value matches (or the field is absent): isnotnull makes it two-valued,
                // and it tests every value of a multivalue field, as the local engine tests every list element.
                return "isnotnull(mvfind(\(f), \(Self.literal(try GlobRegex.pattern(s, ignoreCase: !cased)))))"
            case .regex(let pattern, let i, let m, let s):
                if RuleText.hasControl(pattern) {
                    throw Unsupported("the regular expression holds a control character, which a one-line SPL query cannot carry")
                }
                return "isnotnull(mvfind(\(f), \(Self.literal(GlobRegex.flags(ignoreCase: i, multiline: m, dotAll: s) + pattern))))"
            case .compare(let op, let n, let part):
                if let part { throw Unsupported("the |\(part.rawValue) timestamp-part comparison is not converted") }
                return "isnotnull(mvfilter(tonumber(\(f)) \(Self.symbol(op)) \(SQLPrinter.number(n))))"
            case .cidr(let network):
                return "isnotnull(mvfilter(cidrmatch(\(Self.literal(network.description)), \(f))))"
            case .isNull, .exists(false): return "isnull(\(f))"
            case .exists(true): return "isnotnull(\(f))"
            case .channel(let name):
                return "isnotnull(mvfind(\(f), \(Self.literal(try GlobRegex.pattern(FieldCondition.channelText(name), ignoreCase: true)))))"
            case .eventID(let ids):
                return "isnotnull(mvfind(\(f), \(Self.literal("^(" + ids.map(String.init).joined(separator: "|") + ")\\z"))))"
            case .fieldref(let other, let mode, let cased):
                let g = try evalField(other)
                let a = cased ? f : "lower(\(f))"
                let b = cased ? g : "lower(\(g))"
                // Both present first: eval's AND stops at a false left side, so the comparison is never null.
                let guardBoth = "isnotnull(\(f)) AND isnotnull(\(g))"
                switch mode {
                case .equals: return "(\(guardBoth) AND \(a)==\(b))"
                case .startsWith: return "(\(guardBoth) AND substr(\(a), 1, len(\(g)))==\(b))"
                case .endsWith: return "(\(guardBoth) AND len(\(f))>=len(\(g)) AND substr(\(a), len(\(f))-len(\(g))+1)==\(b))"
                case .contains:
                    throw Unsupported("|fieldref|contains has no Splunk eval form (no plain-text search for another field's value)")
                }
            }
        }
    }

    static func symbol(_ op: ComparisonOperator) -> String { op.symbol(equals: "==") }

    /// A field in eval: plain names as they are, others in single quotes.
    func evalField(_ name: String) throws(Unsupported) -> String {
        let joined = (resolver.path(name) ?? [name]).joined(separator: ".")
        if Self.isSimpleName(joined, allowDots: false) { return joined }
        if joined.unicodeScalars.contains(where: { $0 == "'" || $0 == "\\" || RuleText.isControl($0) }) {
            throw Unsupported("the field name '\(joined)' cannot be written in a Splunk eval expression")
        }
        return "'\(joined)'"
    }

    /// An eval string literal: `\` and `"` escaped. Callers pass text without control characters, so a query
    /// stays on one line.
    static func literal(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out + "\""
    }
}

extension Predicate {
    /// An and/or that needs parentheses inside another operator.
    var isGroup: Bool {
        switch self {
        case .and, .or: true
        default: false
        }
    }
}
