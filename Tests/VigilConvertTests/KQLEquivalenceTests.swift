// The KQL queries for every SigmaHQ Windows rule evaluated on real events as Kusto evaluates them (a missing
// string reads as "", `=~` and the string operators ignore case, `_cs` and `==` do not, `matches regex` searches),
// against the local engine's verdicts. The evaluator reads the query text; it shares no code with the printer.
import Testing
import VigilConvert
import VigilCore
import VigilSigma

struct KQLEvaluator: CallParser {
    var tokens: [ESQLEvaluator.Token]
    var i = 0

    static func tokens(_ s: String) throws -> [ESQLEvaluator.Token] {
        let p = Array(s.unicodeScalars)
        var out: [ESQLEvaluator.Token] = []
        var i = 0
        while i < p.count {
            let c = p[i]
            if c == " " {
                i += 1
            } else if c == "\"" {
                out.append(.text(try TokenScan.quoted(p, &i, close: "\"") { String($0) }))
            } else if c == "[", i + 1 < p.count, p[i + 1] == "'" {
                var name = ""
                i += 2
                while i < p.count, p[i] != "'" {
                    name.unicodeScalars.append(p[i])
                    i += 1
                }
                i += 2
                out.append(.quotedName(name))
            } else if c.properties.isAlphabetic || c == "_" {
                var word = ""
                while i < p.count, p[i].properties.isAlphabetic || p[i] == "_" || p[i] == "." || (p[i] >= "0" && p[i] <= "9") {
                    word.unicodeScalars.append(p[i])
                    i += 1
                }
                out.append(.word(word))
            } else if (c >= "0" && c <= "9") || (c == "-" && i + 1 < p.count && p[i + 1] >= "0" && p[i + 1] <= "9") {
                out.append(.number(TokenScan.number(p, &i)))
            } else {
                out.append(.symbol(try TokenScan.symbol(p, &i, pairs: ["==", "=~", "!=", "<=", ">="], singles: "()<>,|*-")))
            }
        }
        return out
    }

    static func parse(_ query: String) throws -> (Row) -> Bool {
        var e = KQLEvaluator(tokens: try tokens(query))
        guard case .word? = e.next(), e.take(.symbol("|")), e.take(.word("where")) else {
            throw ParseError(description: "not Table | where …")
        }
        let condition = try e.or()
        try e.expectEnd()
        return { condition($0) == .bool(true) }
    }

    /// KQL's `not(...)` is a function, not an operator.
    mutating func or() throws -> Expression { try logical(or: "or", and: "and", not: nil) { try $0.predicate() } }

    static func text(_ v: ESQLValue) -> String? { if case .text(let t) = v { t } else { nil } }

    mutating func predicate() throws -> Expression {
        if take(.symbol("*")) {
            guard take(.word("contains")), case .text(let needle)? = next() else { throw ParseError(description: "bad * contains") }
            let lowered = needle.lowercased()
            return { row in .bool(row.values.contains { $0.contains { $0.lowercased().contains(lowered) } }) }
        }
        let left = try additive()
        let stringOperators = [
            "startswith", "startswith_cs", "endswith", "endswith_cs", "contains", "contains_cs",
        ]
        if case .word(let op)? = (i < tokens.count ? tokens[i] : nil), stringOperators.contains(op) {
            i += 1
            let right = try additive()
            let cased = op.hasSuffix("_cs")
            return { row in
                guard var a = Self.text(left(row)), var b = Self.text(right(row)) else { return .null }
                if !cased {
                    a = a.lowercased()
                    b = b.lowercased()
                }
                if op.hasPrefix("startswith") { return .bool(a.unicodeScalars.starts(with: b.unicodeScalars)) }
                if op.hasPrefix("endswith") { return .bool(a.unicodeScalars.reversed().starts(with: b.unicodeScalars.reversed())) }
                return .bool(b.isEmpty || a.contains(b))
            }
        }
        if take(.word("matches")) {
            guard take(.word("regex")), case .text(let pattern)? = next() else { throw ParseError(description: "bad matches regex") }
            var swift = ""
            for u in pattern.unicodeScalars {
                if u.value >= 0x80 { swift += "\\u{" + String(u.value, radix: 16) + "}" } else { swift.unicodeScalars.append(u) }
            }
            let regex = try Regex(swift)
            return { row in
                guard let t = Self.text(left(row)) else { return .null }
                return .bool((try? regex.firstMatch(in: t)) != nil)
            }
        }
        if take(.word("in")) {
            guard take(.symbol("(")) else { throw ParseError(description: "in without (") }
            var values: [String] = []
            repeat {
                guard case .text(let t)? = next() else { throw ParseError(description: "in list of non-strings") }
                values.append(t)
            } while take(.symbol(","))
            guard take(.symbol(")")) else { throw ParseError(description: "in without )") }
            return { row in Self.text(left(row)).map { .bool(values.contains($0)) } ?? .null }
        }
        for op in ["==", "=~", "!=", "<", "<=", ">", ">="] where take(.symbol(op)) {
            let right = try additive()
            return { row in
                switch (left(row), right(row)) {
                case (.text(let x), .text(let y)):
                    if op == "=~" { return .bool(x.lowercased() == y.lowercased()) }
                    return .bool(ESQLEvaluator.holds(op, x < y, x == y))
                case (.number(let x), .number(let y)): return .bool(ESQLEvaluator.holds(op, x < y, x == y))
                default: return .null
                }
            }
        }
        return left
    }

    mutating func additive() throws -> Expression {
        let left = try primary()
        if take(.symbol("-")) {
            let right = try primary()
            return { row in
                if case .number(let a) = left(row), case .number(let b) = right(row) { return .number(a - b) }
                return .null
            }
        }
        return left
    }

    /// A string column: "" when the event lacks the field (Kusto strings are never null).
    static func column(_ name: String) -> Expression {
        { row in
            guard let values = row[name], !values.isEmpty else { return .text("") }
            return .text(values.count == 1 ? values[0] : "[" + values.map { "\"\($0)\"" }.joined(separator: ",") + "]")
        }
    }

    static func function(_ name: String, _ args: [Expression]) throws -> Expression {
        switch (name, args.count) {
        case ("not", 1): return ESQLValue.negation(args[0])
        case ("tostring", 1): return { row in args[0](row) }
        case ("tolower", 1): return { row in text(args[0](row)).map { .text($0.lowercased()) } ?? .null }
        case ("isempty", 1): return { row in .bool((text(args[0](row)) ?? "").isEmpty) }
        case ("isnotempty", 1): return { row in .bool(!(text(args[0](row)) ?? "").isEmpty) }
        case ("strlen", 1): return { row in text(args[0](row)).map { .number(Double($0.unicodeScalars.count)) } ?? .null }
        case ("todouble", 1): return { row in text(args[0](row)).flatMap { Double($0) }.map { .number($0) } ?? .null }
        case ("coalesce", _): return { row in args.lazy.map { $0(row) }.first { $0 != .null } ?? .null }
        case ("indexof", 2):
            return { row in
                guard let a = text(args[0](row)), let b = text(args[1](row)) else { return .null }
                guard let r = a.range(of: b) else { return .number(-1) }
                return .number(Double(a.unicodeScalars.distance(from: a.startIndex, to: r.lowerBound)))
            }
        case ("substring", 2):
            return { row in
                guard let a = text(args[0](row)), case .number(let start) = args[1](row) else { return .null }
                let scalars = Array(a.unicodeScalars)
                let from = min(max(0, Int(start)), scalars.count)
                return .text(String(String.UnicodeScalarView(scalars[from...])))
            }
        case ("ipv4_is_in_range", 2), ("ipv6_is_in_range", 2):
            return { row in
                guard let a = text(args[0](row)), let b = text(args[1](row)), let address = IPAddress.parse(a),
                    let network = CIDRNetwork(b)
                else { return .null }
                return .bool(network.contains(address))
            }
        default: throw ParseError(description: "unknown function \(name)/\(args.count)")
        }
    }
}

@Suite struct KQLEquivalenceTests {
    /// The KQL query of every converted rule fires on exactly the sampled events the local engine fires on.
    @Test func kqlQueriesAgreeWithTheLocalEngineOnRealEvents() throws {
        try RealEvents.compare(.kql) { try KQLEvaluator.parse($0) }
    }
}
