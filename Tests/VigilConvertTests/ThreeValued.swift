// What the ES|QL, KQL and Splunk evaluators share: SQL's three-valued logic over ESQLValue (a null operand makes
// AND, OR and NOT null unless another operand decides), which all three languages define alike, and a cursor over
// the tokens of a query. Each evaluator still reads its own syntax.

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
    /// The token at the position (nil past the end); the position moves on either way.
    mutating func next() -> ESQLEvaluator.Token? {
        defer { i += 1 }
        return i < tokens.count ? tokens[i] : nil
    }

    /// Moves past the token at the position when it is `t`.
    mutating func take(_ t: ESQLEvaluator.Token) -> Bool {
        guard i < tokens.count, tokens[i] == t else { return false }
        i += 1
        return true
    }
}
