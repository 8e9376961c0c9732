// The Splunk queries for every SigmaHQ Windows rule evaluated on real events as Splunk evaluates them: search
// terms (`Field="v"` case-insensitive with `*`, CIDR values as networks, `NOT` true for a missing field, OR
// binding tighter than the implicit AND, quoted keywords against the raw event) and the `| where` filter with
// eval's null-propagating functions, against the local engine's verdicts. The evaluator reads the query text;
// it shares no code with the printer.
import Testing
import VigilConvert
import VigilCore
import VigilSigma

struct SplunkEvaluator: TokenCursor {
    var tokens: [ESQLEvaluator.Token]
    var i = 0
    /// Compiled mvfind patterns, shared by every query of one run.
    var cache: RegexCache

    static func tokens(_ s: String) throws -> [ESQLEvaluator.Token] {
        let p = Array(s.unicodeScalars)
        var out: [ESQLEvaluator.Token] = []
        var i = 0
        while i < p.count {
            let c = p[i]
            if c == " " {
                i += 1
            } else if c == "\"" || c == "'" {
                // "…" is a string (\\ and \" escapes; other backslashes stay); '…' is a field name.
                let text = try TokenScan.quoted(p, &i, close: c) { $0 == "\\" || $0 == "\"" ? String($0) : nil }
                out.append(c == "\"" ? .text(text) : .quotedName(text))
            } else if c.properties.isAlphabetic || c == "_" {
                var word = ""
                while i < p.count, p[i].properties.isAlphabetic || p[i] == "_" || p[i] == "." || (p[i] >= "0" && p[i] <= "9") {
                    word.unicodeScalars.append(p[i])
                    i += 1
                }
                out.append(.word(word))
            } else if (c >= "0" && c <= "9")
                || (c == "-" && i + 1 < p.count && p[i + 1] >= "0" && p[i + 1] <= "9" && out.last != .symbol(")"))
            {
                out.append(.number(TokenScan.number(p, &i)))
            } else {
                out.append(.symbol(try TokenScan.symbol(p, &i, pairs: ["==", "!=", "<=", ">="], singles: "()<>,|*+-=")))
            }
        }
        return out
    }

    static func parse(_ query: String, cache: RegexCache) throws -> (Row) -> Bool {
        var e = SplunkEvaluator(tokens: try tokens(query), cache: cache)
        let search = try e.searchAnd()
        var filter: Expression = { _ in .bool(true) }
        if e.take(.symbol("|")) {
            guard e.take(.word("where")) else { throw ParseError(description: "| without where") }
            filter = try e.or()
        }
        try e.expectEnd()
        return { row in search(row) && filter(row) == .bool(true) }
    }

    func peek() -> ESQLEvaluator.Token? { i < tokens.count ? tokens[i] : nil }

    // MARK: search

    /// Terms side by side are ANDed; OR binds tighter (Splunk's search precedence).
    mutating func searchAnd() throws -> (Row) -> Bool {
        var parts: [(Row) -> Bool] = []
        while let t = peek(), t != .symbol("|"), t != .symbol(")") { parts.append(try searchOr()) }
        return { row in parts.allSatisfy { $0(row) } }
    }

    mutating func searchOr() throws -> (Row) -> Bool {
        var parts = [try searchNot()]
        while take(.word("OR")) { parts.append(try searchNot()) }
        return parts.count == 1 ? parts[0] : { row in parts.contains { $0(row) } }
    }

    mutating func searchNot() throws -> (Row) -> Bool {
        if take(.word("NOT")) {
            let x = try searchNot()
            return { !x($0) }
        }
        if take(.symbol("(")) {
            let e = try searchAnd()
            guard take(.symbol(")")) else { throw ParseError(description: "missing ) in search") }
            return e
        }
        if take(.symbol("*")) { return { _ in true } }
        switch next() {
        case .text(let keyword)?:
            let glob = try Self.glob(keyword)
            // The raw event: the exported row as JSON text.
            return { row in glob.wholeMatch(Self.raw(row)) }
        case .word(let field)?:
            if take(.word("IN")) {
                guard take(.symbol("(")) else { throw ParseError(description: "IN without (") }
                var values: [String] = []
                repeat {
                    switch next() {
                    case .number(let n)?: values.append(String(Int(n)))
                    case .text(let t)?: values.append(t)
                    default: throw ParseError(description: "bad IN list")
                    }
                } while take(.symbol(","))
                guard take(.symbol(")")) else { throw ParseError(description: "IN without )") }
                let lowered = values.map { $0.lowercased() }
                return { row in (row[field] ?? []).contains { lowered.contains($0.lowercased()) } }
            }
            guard take(.symbol("=")) else { throw ParseError(description: "term without =") }
            switch next() {
            case .symbol("*")?: return { row in !(row[field] ?? []).isEmpty }
            case .number(let n)?:
                let text = String(Int(n))
                return { row in (row[field] ?? []).contains { $0.lowercased() == text } }
            case .text(let value)?:
                if value.contains("/"), let network = CIDRNetwork(value) {
                    return { row in (row[field] ?? []).contains { IPAddress.parse($0).map(network.contains) ?? false } }
                }
                let glob = try Self.glob(value)
                return { row in (row[field] ?? []).contains { glob.wholeMatch($0) } }
            default: throw ParseError(description: "bad term value for \(field)")
            }
        default: throw ParseError(description: "unexpected search token at \(i - 1)")
        }
    }

    /// A search value: `*` any run, everything else literal, case-insensitive.
    static func glob(_ value: String) throws -> CachedRegex {
        var swift = "(?is)"
        for u in value.unicodeScalars {
            if u == "*" {
                swift += ".*"
            } else if u.value >= 0x80 || u.value < 0x20 {
                swift += "\\u{" + String(u.value, radix: 16) + "}"
            } else if u.properties.isAlphabetic || (u >= "0" && u <= "9") {
                swift.unicodeScalars.append(u)
            } else {
                swift += "\\" + String(u)
            }
        }
        return CachedRegex(try Regex(swift))
    }

    static func raw(_ row: Row) -> String {
        row.map { k, v in "\"\(k)\":\"\(v.joined(separator: ","))\"" }.sorted().joined(separator: ",")
    }

    // MARK: where

    mutating func or() throws -> Expression { try logical(or: "OR", and: "AND", not: "NOT") { try $0.comparison() } }

    mutating func comparison() throws -> Expression {
        let left = try additive()
        for op in ["==", "!=", "<", "<=", ">", ">="] where take(.symbol(op)) {
            let right = try additive()
            return { row in
                switch (left(row), right(row)) {
                case (.text(let x), .text(let y)): return .bool(ESQLEvaluator.holds(op, x < y, x == y))
                case (.number(let x), .number(let y)): return .bool(ESQLEvaluator.holds(op, x < y, x == y))
                default: return .null
                }
            }
        }
        return left
    }

    mutating func additive() throws -> Expression {
        var e = try primary()
        while let t = peek(), t == .symbol("+") || t == .symbol("-") {
            i += 1
            let right = try primary()
            let left = e
            let sign: Double = t == .symbol("+") ? 1 : -1
            e = { row in
                if case .number(let a) = left(row), case .number(let b) = right(row) { return .number(a + sign * b) }
                return .null
            }
        }
        return e
    }

    mutating func primary() throws -> Expression {
        switch next() {
        case .symbol("(")?:
            let e = try or()
            guard take(.symbol(")")) else { throw ParseError(description: "missing )") }
            return e
        case .text(let t)?: return { _ in .text(t) }
        case .number(let n)?: return { _ in .number(n) }
        case .quotedName(let name)?: return Self.field(name)
        case .word(let name)?:
            guard take(.symbol("(")) else { return Self.field(name) }
            var args: [Expression] = []
            var fieldsOfArgs: [String?] = []
            if !take(.symbol(")")) {
                repeat {
                    fieldsOfArgs.append(Self.fieldName(at: i, tokens))
                    args.append(try or())
                } while take(.symbol(","))
                guard take(.symbol(")")) else { throw ParseError(description: "missing ) after \(name)") }
            }
            return try function(name, args, fieldsOfArgs)
        default: throw ParseError(description: "unexpected token at \(i - 1)")
        }
    }

    /// The field an mvfilter argument tests: the first field name inside it.
    static func fieldName(at start: Int, _ tokens: [ESQLEvaluator.Token]) -> String? {
        var k = start
        while k < tokens.count {
            switch tokens[k] {
            case .quotedName(let n): return n
            case .word(let w) where !(k + 1 < tokens.count && tokens[k + 1] == .symbol("(")): return w
            default: k += 1
            }
        }
        return nil
    }

    /// A field in eval: null when missing; a multivalue field's first value (the functions here that care
    /// about multivalues, mvfind and mvfilter, read the row directly).
    static func field(_ name: String) -> Expression {
        { row in
            guard let values = row[name], let first = values.first else { return .null }
            return .text(first)
        }
    }

    static func text(_ v: ESQLValue) -> String? { if case .text(let t) = v { t } else { nil } }

    func function(_ name: String, _ args: [Expression], _ fields: [String?]) throws -> Expression {
        switch (name, args.count) {
        case ("true", 0): return { _ in .bool(true) }
        case ("false", 0): return { _ in .bool(false) }
        case ("isnull", 1): return { row in .bool(args[0](row) == .null) }
        case ("isnotnull", 1): return { row in .bool(args[0](row) != .null) }
        case ("lower", 1): return { row in Self.text(args[0](row)).map { .text($0.lowercased()) } ?? .null }
        case ("len", 1): return { row in Self.text(args[0](row)).map { .number(Double($0.unicodeScalars.count)) } ?? .null }
        case ("tonumber", 1): return { row in Self.text(args[0](row)).flatMap { Double($0) }.map { .number($0) } ?? .null }
        case ("substr", 2), ("substr", 3):
            return { row in
                guard let s = Self.text(args[0](row)), case .number(let start) = args[1](row) else { return .null }
                let scalars = Array(s.unicodeScalars)
                let from = min(max(0, Int(start) - 1), scalars.count)
                var to = scalars.count
                if args.count == 3, case .number(let n) = args[2](row) { to = min(scalars.count, from + max(0, Int(n))) }
                return .text(String(String.UnicodeScalarView(scalars[from..<to])))
            }
        case ("cidrmatch", 2):
            return { row in
                guard let net = Self.text(args[0](row)), let ip = Self.text(args[1](row)), let network = CIDRNetwork(net) else {
                    return .null
                }
                return .bool(IPAddress.parse(ip).map(network.contains) ?? false)
            }
        case ("mvfind", 2):
            guard let field = fields[0] else { throw ParseError(description: "mvfind without a field") }
            return { row in
                guard let pattern = Self.text(args[1](row)), let regex = cache.regex(pattern) else { return .null }
                guard let index = (row[field] ?? []).firstIndex(where: { regex.firstMatch($0) }) else { return .null }
                return .number(Double(index))
            }
        case ("mvfilter", 1):
            guard let field = fields[0] else { throw ParseError(description: "mvfilter without a field") }
            return { row in
                var one = row
                let kept = (row[field] ?? []).filter { v in
                    one[field] = [v]
                    return args[0](one) == .bool(true)
                }
                return kept.isEmpty ? .null : .text(kept[0])
            }
        default: throw ParseError(description: "unknown function \(name)/\(args.count)")
        }
    }

}

/// PCRE patterns run by Swift's engine (the ones printed use syntax both share), compiled once.
final class RegexCache {
    var regexes: [String: CachedRegex] = [:]

    func regex(_ pattern: String) -> CachedRegex? {
        if let r = regexes[pattern] { return r }
        var swift = ""
        for u in pattern.unicodeScalars {
            if u.value >= 0x80 { swift += "\\u{" + String(u.value, radix: 16) + "}" } else { swift.unicodeScalars.append(u) }
        }
        guard let r = try? Regex(swift) else { return nil }
        let cached = CachedRegex(r)
        regexes[pattern] = cached
        return cached
    }
}

extension CachedRegex {
    /// A search anywhere in the value, remembered like whole matches.
    func firstMatch(_ v: String) -> Bool {
        let key = "\u{0}search\u{0}" + v
        if let known = verdicts[key] { return known }
        let verdict = (try? regex.firstMatch(in: v)) != nil
        verdicts[key] = verdict
        return verdict
    }
}

@Suite struct SplunkEquivalenceTests {
    /// The Splunk query of every converted rule fires on exactly the sampled events the local engine fires on.
    @Test func splunkQueriesAgreeWithTheLocalEngineOnRealEvents() throws {
        let cache = RegexCache()
        try RealEvents.compare(.splunk) { try SplunkEvaluator.parse($0, cache: cache) }
    }
}
