// What the query evaluators of the equivalence tests share: SQL's three-valued logic over ESQLValue (a null
// operand makes AND, OR and NOT null unless another operand decides), which ES|QL, KQL and Splunk's eval define
// alike, a cursor over a query's tokens, the literal/column/call grammar of ES|QL and KQL, and the parse error.
// Each evaluator still reads its own syntax and shares nothing with the printers.

extension ESQLValue {
    typealias Row = [String: [String]]
    typealias Expression = (Row) -> ESQLValue

    /// OR: true if any part is true, else null if any is null, else false.
    static func anyOf(_ parts: [Expression]) -> Expression {
        // Stops at the first true: the result is the same, and most rules fail their first test (the channel).
        { row in
            var sawNull = false
            for part in parts {
                let v = part(row)
                if v == .bool(true) { return v }
                if v == .null { sawNull = true }
            }
            return sawNull ? .null : .bool(false)
        }
    }

    /// AND: false if any part is false, else null if any is null, else true.
    static func allOf(_ parts: [Expression]) -> Expression {
        { row in
            var sawNull = false
            for part in parts {
                let v = part(row)
                if v == .bool(false) { return v }
                if v == .null { sawNull = true }
            }
            return sawNull ? .null : .bool(true)
        }
    }

    /// NOT: the negated boolean; null (or a non-boolean) stays null.
    static func negation(_ x: @escaping Expression) -> Expression {
        { row in
            if case .bool(let b) = x(row) { return .bool(!b) }
            return .null
        }
    }
}

/// A parser's position in a query's tokens.
protocol TokenCursor {
    var tokens: [ESQLEvaluator.Token] { get }
    var i: Int { get set }
}

extension TokenCursor {
    typealias Row = ESQLValue.Row
    typealias Expression = ESQLValue.Expression
    typealias ParseError = EvaluatorParseError

    /// The token at the position (nil past the end); the position moves on either way.
    mutating func next() -> ESQLEvaluator.Token? {
        defer { i += 1 }
        return i < tokens.count ? tokens[i] : nil
    }

    /// Operands separated by the keyword `word` (`a OR b OR c`), combined by `combine` when there are several.
    mutating func list(
        _ word: String, _ operand: (inout Self) throws -> ESQLValue.Expression,
        _ combine: ([ESQLValue.Expression]) -> ESQLValue.Expression
    ) rethrows -> ESQLValue.Expression {
        var parts = [try operand(&self)]
        while take(.word(word)) { parts.append(try operand(&self)) }
        return parts.count == 1 ? parts[0] : combine(parts)
    }

    /// The boolean operators over `operand`, loosest first: `a OR b`, `a AND b`, `NOT a`, spelled as the language
    /// spells them (`not` nil where NOT is a function, as in KQL).
    mutating func logical(
        or: String, and: String, not: String?, _ operand: (inout Self) throws -> ESQLValue.Expression
    ) throws -> ESQLValue.Expression {
        func negated(_ cursor: inout Self) throws -> ESQLValue.Expression {
            if let not, cursor.take(.word(not)) { return ESQLValue.negation(try negated(&cursor)) }
            return try operand(&cursor)
        }
        return try list(or, { try $0.list(and, negated, ESQLValue.allOf) }, ESQLValue.anyOf)
    }

    /// Throws unless every token was read.
    func expectEnd() throws {
        guard i == tokens.count else { throw EvaluatorParseError(description: "trailing tokens at \(i)") }
    }

    /// Moves past the token at the position when it is `t`.
    mutating func take(_ t: ESQLEvaluator.Token) -> Bool {
        guard i < tokens.count, tokens[i] == t else { return false }
        i += 1
        return true
    }
}

/// A parser of the function-call expressions ES|QL and KQL share, each with its own columns and functions.
protocol CallParser: TokenCursor {
    /// The whole expression grammar, for parenthesised expressions and function arguments.
    mutating func or() throws -> ESQLValue.Expression
    /// A column's value in a row.
    static func column(_ name: String) -> ESQLValue.Expression
    /// A call of a function of the language.
    static func function(_ name: String, _ args: [ESQLValue.Expression]) throws -> ESQLValue.Expression
}

extension CallParser {
    /// A parenthesised expression, a literal, a column or a function call.
    mutating func primary() throws -> ESQLValue.Expression {
        switch next() {
        case .symbol("(")?:
            let e = try or()
            guard take(.symbol(")")) else { throw EvaluatorParseError(description: "missing )") }
            return e
        case .text(let t)?: return { _ in .text(t) }
        case .number(let n)?: return { _ in .number(n) }
        case .quotedName(let name)?: return Self.column(name)
        case .word("true")?: return { _ in .bool(true) }
        case .word("false")?: return { _ in .bool(false) }
        case .word(let name)?:
            guard take(.symbol("(")) else { return Self.column(name) }
            var args: [ESQLValue.Expression] = []
            if !take(.symbol(")")) {
                repeat { args.append(try or()) } while take(.symbol(","))
                guard take(.symbol(")")) else { throw EvaluatorParseError(description: "missing ) after \(name)") }
            }
            return try Self.function(name, args)
        default: throw EvaluatorParseError(description: "unexpected token at \(i - 1)")
        }
    }
}

/// Why a query could not be read.
struct EvaluatorParseError: Error, CustomStringConvertible {
    var description: String
}

/// The number and operator tokens the ES|QL, KQL and Splunk evaluators' lexers share; each lexer says when a
/// number starts (a leading minus is one in some positions only) and which operators its language has.
enum TokenScan {
    /// The text of the string whose opening quote is at `i`, up to the next unescaped `close`; `escape` gives the
    /// text of a backslash and the character after it (nil: both stay as written). Moves `i` past the close.
    static func quoted(
        _ p: [Unicode.Scalar], _ i: inout Int, close: Unicode.Scalar, escape: (Unicode.Scalar) -> String?
    ) throws -> String {
        var text = ""
        i += 1
        while i < p.count, p[i] != close {
            if p[i] == "\\", i + 1 < p.count, let unescaped = escape(p[i + 1]) {
                text += unescaped
                i += 2
                continue
            }
            text.unicodeScalars.append(p[i])
            i += 1
        }
        guard i < p.count else { throw EvaluatorParseError(description: "unclosed quote") }
        i += 1
        return text
    }

    /// Digits and dots from `i` (a leading `-` included), as a number.
    static func number(_ p: [Unicode.Scalar], _ i: inout Int) -> Double {
        var number = String(p[i])
        i += 1
        while i < p.count, (p[i] >= "0" && p[i] <= "9") || p[i] == "." {
            number.unicodeScalars.append(p[i])
            i += 1
        }
        return Double(number)!
    }

    /// A two-character operator of `pairs`, else a one-character one of `singles`.
    static func symbol(_ p: [Unicode.Scalar], _ i: inout Int, pairs: [String], singles: String) throws -> String {
        let c = p[i]
        let two = i + 1 < p.count ? String(c) + String(p[i + 1]) : ""
        if pairs.contains(two) {
            i += 2
            return two
        }
        guard singles.unicodeScalars.contains(c) else { throw EvaluatorParseError(description: "unexpected character \(c)") }
        i += 1
        return String(c)
    }
}
