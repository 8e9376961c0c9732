// The Lucene queries for every SigmaHQ Windows rule evaluated on real events, as Elasticsearch would evaluate
// them on keyword fields, against the local engine's verdicts on the same events. The evaluator below reads
// the query text (it does not reuse the printer's code): query_string syntax as the classic parser reads it,
// Lucene regexes run by Swift's regex engine (anchored, `.` matching line breaks), phrases as exact values,
// wildcard terms as whole-value globs, `_exists_` as "has a non-null value".
import Testing
import VigilConvert
import VigilCore
import VigilHunt
import VigilSigma

/// The query_string subset the Lucene printer writes.
indirect enum LuceneQuery {
    case all
    case and([LuceneQuery])
    case or([LuceneQuery])
    case not(LuceneQuery)
    case exists(String)
    /// Any value of the field matches one of the alternatives.
    case test(String, [LuceneValue])

    enum Token: Equatable {
        case open, close, and, or, not
        case field(String)
        case regex(String)
        case phrase(String)
        /// Term characters with whether each was escaped.
        case term([Character], [Bool])
    }

    typealias ParseError = EvaluatorParseError

    static func tokens(_ query: String) throws -> [Token] {
        let p = Array(query)
        var out: [Token] = []
        var i = 0
        while i < p.count {
            let c = p[i]
            if c == " " {
                i += 1
            } else if c == "(" {
                out.append(.open)
                i += 1
            } else if c == ")" {
                out.append(.close)
                i += 1
            } else if c == "\"" {
                var text = ""
                i += 1
                while i < p.count, p[i] != "\"" {
                    if p[i] == "\\", i + 1 < p.count { i += 1 }
                    text.append(p[i])
                    i += 1
                }
                guard i < p.count else { throw ParseError(description: "unclosed phrase") }
                i += 1
                out.append(.phrase(text))
            } else if c == "/" {
                guard let end = SIEM.luceneRegexEnd(p, opening: i) else { throw ParseError(description: "unclosed regex") }
                out.append(.regex(String(p[(i + 1)..<end])))
                i = end + 1
            } else {
                var chars: [Character] = []
                var escaped: [Bool] = []
                var isField = false
                while i < p.count, p[i] != " " && p[i] != "(" && p[i] != ")" {
                    if p[i] == "\\", i + 1 < p.count {
                        chars.append(p[i + 1])
                        escaped.append(true)
                        i += 2
                        continue
                    }
                    if p[i] == ":" {
                        i += 1
                        isField = true
                        break
                    }
                    chars.append(p[i])
                    escaped.append(false)
                    i += 1
                }
                let word = String(chars)
                if isField {
                    out.append(.field(word))
                } else if !escaped.contains(true), word == "AND" || word == "OR" || word == "NOT" {
                    out.append(word == "AND" ? .and : word == "OR" ? .or : .not)
                } else {
                    out.append(.term(chars, escaped))
                }
            }
        }
        return out
    }

    struct Parser {
        var tokens: [Token]
        var i = 0

        mutating func next() -> Token? {
            defer { i += 1 }
            return i < tokens.count ? tokens[i] : nil
        }

        func peek() -> Token? { i < tokens.count ? tokens[i] : nil }

        /// AND and OR never share a level unparenthesised: query_string's precedence there is not boolean logic.
        mutating func expression() throws -> LuceneQuery {
            var ors: [LuceneQuery] = []
            var mixed = false
            repeat {
                var ands = [try unary()]
                while peek() == .and {
                    i += 1
                    ands.append(try unary())
                }
                if ands.count > 1 && (!ors.isEmpty || peek() == .or) { mixed = true }
                ors.append(ands.count == 1 ? ands[0] : .and(ands))
            } while peek() == .or
                && {
                    i += 1; return true
                }()
            if mixed { throw ParseError(description: "AND and OR mixed at one level") }
            return ors.count == 1 ? ors[0] : .or(ors)
        }

        mutating func unary() throws -> LuceneQuery {
            switch next() {
            case .not: return .not(try unary())
            case .open:
                let e = try expression()
                guard next() == .close else { throw ParseError(description: "missing )") }
                return e
            case .field(let name):
                if name == "_exists_" {
                    guard case .term(let chars, _) = next() else { throw ParseError(description: "_exists_ without a field") }
                    return .exists(String(chars))
                }
                if name == "*" {
                    guard case .term(let chars, _) = next(), chars == ["*"] else { throw ParseError(description: "bad *:*") }
                    return .all
                }
                if peek() == .open {
                    i += 1
                    var values: [LuceneValue] = []
                    while true {
                        values.append(try value())
                        let t = next()
                        if t == .close { break }
                        guard t == .or else { throw ParseError(description: "bad value list") }
                    }
                    return .test(name, values)
                }
                return .test(name, [try value()])
            default: throw ParseError(description: "unexpected token at \(i - 1)")
            }
        }

        mutating func value() throws -> LuceneValue {
            switch next() {
            case .regex(let body):
                // Code points beyond ASCII as \u{…}: Lucene reads code points, Swift's parser grapheme clusters.
                var pattern = "(?s)"
                for u in body.unicodeScalars {
                    if u.value >= 0x80 { pattern += "\\u{" + String(u.value, radix: 16) + "}" } else { pattern.unicodeScalars.append(u) }
                }
                return .regex(CachedRegex(try Regex(pattern)))
            case .phrase(let text): return .exact(text)
            case .term(let chars, let escaped):
                if !zip(chars, escaped).contains(where: { !$1 && ($0 == "*" || $0 == "?") }) { return .exact(String(chars)) }
                var pattern = "(?s)"
                for (c, e) in zip(chars, escaped) {
                    if !e && c == "*" {
                        pattern += ".*"
                    } else if !e && c == "?" {
                        pattern += "."
                    } else {
                        // Scalar by scalar: Swift's regex parser reads a character, not a code point, as the unit.
                        for u in c.unicodeScalars {
                            if u.value >= 0x80 {
                                pattern += "\\u{" + String(u.value, radix: 16) + "}"
                            } else if u.properties.isAlphabetic || (u >= "0" && u <= "9") {
                                pattern.unicodeScalars.append(u)
                            } else {
                                pattern += "\\" + String(u)
                            }
                        }
                    }
                }
                return .regex(CachedRegex(try Regex(pattern)))
            default: throw ParseError(description: "expected a value at \(i - 1)")
            }
        }
    }

    static func parse(_ query: String) throws -> LuceneQuery {
        var parser = Parser(tokens: try tokens(query))
        let e = try parser.expression()
        guard parser.peek() == nil else { throw ParseError(description: "trailing tokens") }
        return e
    }

    func matches(_ row: [String: [String]]) -> Bool {
        switch self {
        case .all: return true
        case .and(let xs): return xs.allSatisfy { $0.matches(row) }
        case .or(let xs): return xs.contains { $0.matches(row) }
        case .not(let x): return !x.matches(row)
        case .exists(let f): return !(row[f] ?? []).isEmpty
        case .test(let f, let alternatives):
            return (row[f] ?? []).contains { v in alternatives.contains { $0.matches(v) } }
        }
    }
}

enum LuceneValue {
    case exact(String)
    case regex(CachedRegex)

    func matches(_ v: String) -> Bool {
        switch self {
        case .exact(let t): v == t
        case .regex(let r): r.wholeMatch(v)
        }
    }
}

/// A regex with its verdicts remembered per value: channel names and common paths recur across events, and
/// the evaluator runs thousands of queries per event.
final class CachedRegex {
    let regex: Regex<AnyRegexOutput>
    var verdicts: [String: Bool] = [:]

    init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }

    func wholeMatch(_ v: String) -> Bool {
        if let known = verdicts[v] { return known }
        let verdict = (try? regex.wholeMatch(in: v)) != nil
        verdicts[v] = verdict
        return verdict
    }
}

@Suite struct LuceneEquivalenceTests {
    /// The Lucene query of every converted rule fires on exactly the sampled events the local engine fires on.
    @Test func luceneQueriesAgreeWithTheLocalEngineOnRealEvents() throws {
        try RealEvents.compare(.lucene) { query in
            let parsed = try LuceneQuery.parse(query)
            return { parsed.matches($0) }
        }
    }
}
