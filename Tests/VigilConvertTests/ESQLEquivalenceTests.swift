// The ES|QL queries for every SigmaHQ Windows rule evaluated on real events with ES|QL's three-valued logic
// (a function or comparison on a null or multi-valued field is null, NOT null is null, WHERE keeps only true),
// against the local engine's verdicts. The evaluator reads the query text; it shares no code with the printer.
import Testing
import VigilConvert
import VigilCore
import VigilSigma

/// An ES|QL value: null, boolean, text or number.
enum ESQLValue: Equatable {
    case null
    case bool(Bool)
    case text(String)
    case number(Double)
}

/// The `FROM … | WHERE …` subset the ES|QL printer writes, parsed into a closure over a row.
struct ESQLEvaluator: CallParser {
    enum Token: Equatable {
        case word(String)
        case quotedName(String)
        case text(String)
        case number(Double)
        case symbol(String)
    }

    static func tokens(_ s: String) throws -> [Token] {
        let p = Array(s.unicodeScalars)
        var out: [Token] = []
        var i = 0
        while i < p.count {
            let c = p[i]
            if c == " " {
                i += 1
            } else if c == "\"" {
                let text = try TokenScan.quoted(p, &i, close: "\"") { next in
                    switch next {
                    case "n": "\n"
                    case "r": "\r"
                    case "t": "\t"
                    default: String(next)
                    }
                }
                out.append(.text(text))
            } else if c == "`" {
                var name = ""
                i += 1
                while i < p.count {
                    if p[i] == "`" {
                        if i + 1 < p.count, p[i + 1] == "`" {
                            name += "`"
                            i += 2
                            continue
                        }
                        break
                    }
                    name.unicodeScalars.append(p[i])
                    i += 1
                }
                i += 1
                out.append(.quotedName(name))
            } else if c.properties.isAlphabetic || c == "_" || c == "@" {
                var word = ""
                while i < p.count, p[i].properties.isAlphabetic || p[i] == "_" || p[i] == "@" || p[i] == "." || (p[i] >= "0" && p[i] <= "9")
                {
                    word.unicodeScalars.append(p[i])
                    i += 1
                }
                out.append(.word(word))
            } else if (c >= "0" && c <= "9") || (c == "-" && i + 1 < p.count && p[i + 1] >= "0" && p[i + 1] <= "9") {
                out.append(.number(TokenScan.number(p, &i)))
            } else {
                out.append(.symbol(try TokenScan.symbol(p, &i, pairs: ["==", "!=", "<=", ">="], singles: "()<>,|*")))
            }
        }
        return out
    }

    var tokens: [Token]
    var i = 0

    static func parse(_ query: String) throws -> (Row) -> Bool {
        var e = ESQLEvaluator(tokens: try tokens(query))
        guard e.take(.word("FROM")), case .word? = e.next(), e.take(.symbol("|")), e.take(.word("WHERE")) else {
            throw ParseError(description: "not FROM … | WHERE …")
        }
        let condition = try e.or()
        try e.expectEnd()
        return { condition($0) == .bool(true) }
    }

    mutating func or() throws -> Expression { try logical(or: "OR", and: "AND", not: "NOT") { try $0.predicate() } }

    mutating func predicate() throws -> Expression {
        let left = try primary()
        if take(.word("IS")) {
            let negated = take(.word("NOT"))
            guard take(.word("NULL")) else { throw ParseError(description: "IS without NULL") }
            return { row in .bool((left(row) == .null) != negated) }
        }
        if take(.word("LIKE")) {
            guard case .text(let pattern)? = next() else { throw ParseError(description: "LIKE without a string") }
            let regex = try Self.likeRegex(pattern)
            return { row in
                guard case .text(let t) = left(row) else { return .null }
                return .bool(regex.wholeMatch(t))
            }
        }
        if take(.word("RLIKE")) {
            guard case .text(let pattern)? = next() else { throw ParseError(description: "RLIKE without a string") }
            var swift = "(?s)"
            for u in pattern.unicodeScalars {
                if u.value >= 0x80 || u.value < 0x20 {
                    swift += "\\u{" + String(u.value, radix: 16) + "}"
                } else {
                    swift.unicodeScalars.append(u)
                }
            }
            let regex = CachedRegex(try Regex(swift))
            return { row in
                guard case .text(let t) = left(row) else { return .null }
                return .bool(regex.wholeMatch(t))
            }
        }
        if take(.word("IN")) {
            guard take(.symbol("(")) else { throw ParseError(description: "IN without (") }
            var values: [ESQLValue] = []
            repeat {
                guard case .text(let t)? = next() else { throw ParseError(description: "IN list of non-strings") }
                values.append(.text(t))
            } while take(.symbol(","))
            guard take(.symbol(")")) else { throw ParseError(description: "IN without )") }
            return { row in
                let v = left(row)
                return v == .null ? .null : .bool(values.contains(v))
            }
        }
        for op in ["==", "!=", "<", "<=", ">", ">="] where take(.symbol(op)) {
            let right = try primary()
            return { row in
                let (a, b) = (left(row), right(row))
                switch (a, b) {
                case (.text(let x), .text(let y)): return .bool(Self.holds(op, x < y, x == y))
                case (.number(let x), .number(let y)): return .bool(Self.holds(op, x < y, x == y))
                default: return .null
                }
            }
        }
        return left
    }

    static func holds(_ op: String, _ less: Bool, _ equal: Bool) -> Bool {
        switch op {
        case "==": equal
        case "!=": !equal
        case "<": less
        case "<=": less || equal
        case ">": !less && !equal
        default: !less
        }
    }

    /// A column: null when absent or null; a multi-valued column is null for every function and comparison
    /// (ES|QL warns and returns null), which the row model gives as null here too.
    static func column(_ name: String) -> Expression {
        { row in
            guard let values = row[name], values.count == 1 else { return .null }
            return .text(values[0])
        }
    }

    static func function(_ name: String, _ args: [Expression]) throws -> Expression {
        func text(_ v: ESQLValue) -> String? { if case .text(let t) = v { t } else { nil } }
        switch (name, args.count) {
        case ("TO_LOWER", 1): return { row in text(args[0](row)).map { .text($0.lowercased()) } ?? .null }
        case ("TO_STRING", 1): return { row in text(args[0](row)).map { .text($0) } ?? .null }
        case ("TO_DOUBLE", 1): return { row in text(args[0](row)).flatMap { Double($0) }.map { .number($0) } ?? .null }
        case ("TO_IP", 1): return { row in text(args[0](row)).flatMap { IPAddress.parse($0) != nil ? .text($0) : nil } ?? .null }
        case ("STARTS_WITH", 2), ("ENDS_WITH", 2), ("LOCATE", 2), ("CIDR_MATCH", 2):
            return { row in
                guard let a = text(args[0](row)), let b = text(args[1](row)) else { return .null }
                switch name {
                case "STARTS_WITH": return .bool(a.unicodeScalars.starts(with: b.unicodeScalars))
                case "ENDS_WITH": return .bool(a.unicodeScalars.reversed().starts(with: b.unicodeScalars.reversed()))
                case "LOCATE": return .number(a.contains(b) ? 1 : 0)
                default:
                    guard let address = IPAddress.parse(a), let network = CIDRNetwork(b) else { return .null }
                    return .bool(network.contains(address))
                }
            }
        case ("COALESCE", _):
            return { row in args.lazy.map { $0(row) }.first { $0 != .null } ?? .null }
        default: throw ParseError(description: "unknown function \(name)/\(args.count)")
        }
    }

    /// LIKE: `*` any run, `?` one character, backslash escapes.
    static func likeRegex(_ pattern: String) throws -> CachedRegex {
        var swift = "(?s)"
        var escaped = false
        for u in pattern.unicodeScalars {
            if !escaped && u == "\\" {
                escaped = true
                continue
            }
            if !escaped && u == "*" {
                swift += ".*"
            } else if !escaped && u == "?" {
                swift += "."
            } else if u.value >= 0x80 || u.value < 0x20 {
                swift += "\\u{" + String(u.value, radix: 16) + "}"
            } else if u.properties.isAlphabetic || (u >= "0" && u <= "9") {
                swift.unicodeScalars.append(u)
            } else {
                swift += "\\" + String(u)
            }
            escaped = false
        }
        return CachedRegex(try Regex(swift))
    }
}

@Suite struct ESQLEquivalenceTests {
    /// The ES|QL query of every converted rule fires on exactly the sampled events the local engine fires on.
    @Test func esqlQueriesAgreeWithTheLocalEngineOnRealEvents() throws {
        try RealEvents.compare(.esql) { try ESQLEvaluator.parse($0) }
    }
}
