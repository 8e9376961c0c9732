// The `condition:` language: and/or/not, parentheses, `1 of`/`any of`/`all of` with patterns and `them`,
// parsed with the specification's precedence (or < and < not < x of < parentheses).
import VigilCore

public indirect enum ConditionExpr: Sendable, Hashable, CustomStringConvertible {
    case and([ConditionExpr])
    case or([ConditionExpr])
    case not(ConditionExpr)
    case identifier(String)
    /// `1 of pattern` / `any of pattern`; the pattern `them` stands for every identifier not starting with `_`.
    case oneOf(String)
    case allOf(String)

    public var description: String {
        switch self {
        case .and(let xs): "(" + xs.map(\.description).joined(separator: " and ") + ")"
        case .or(let xs): "(" + xs.map(\.description).joined(separator: " or ") + ")"
        case .not(let x): "not \(x)"
        case .identifier(let name): name
        case .oneOf(let p): "1 of \(p)"
        case .allOf(let p): "all of \(p)"
        }
    }

    /// Identifiers a pattern names, in detection order.
    public static func resolve(_ pattern: String, in names: [String]) -> [String] {
        if pattern == "them" { return names.filter { !$0.hasPrefix("_") } }
        return names.filter { Glob.matches(pattern, $0) }
    }
}

public struct ConditionSyntaxError: Error, Sendable {
    public var message: String
    /// 0-based character offset inside the condition text.
    public var offset: Int
    public var code: String
}

enum ConditionParser {
    struct Token {
        var text: String
        var offset: Int
    }

    static func tokenize(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var current = ""
        var start = 0
        for (offset, c) in text.enumerated() {
            if c == "(" || c == ")" || c == " " || c == "\t" || c == "\n" || c == "\r" {
                if !current.isEmpty { tokens.append(Token(text: current, offset: start)) }
                current = ""
                if c == "(" || c == ")" { tokens.append(Token(text: String(c), offset: offset)) }
            } else {
                if current.isEmpty { start = offset }
                current.append(c)
            }
        }
        if !current.isEmpty { tokens.append(Token(text: current, offset: start)) }
        return tokens
    }

    static func parse(_ text: String) throws(ConditionSyntaxError) -> ConditionExpr {
        if let bar = text.firstIndex(of: "|") {
            throw ConditionSyntaxError(
                message: "legacy aggregation '\(text[bar...].trimmingSpaces)' is not part of Sigma 2; write a correlation rule instead",
                offset: text.distance(from: text.startIndex, to: bar), code: "legacy-aggregation")
        }
        var parser = Parser(tokens: tokenize(text), end: text.count)
        let expr = try parser.orExpr()
        if parser.position < parser.tokens.count {
            let t = parser.tokens[parser.position]
            throw ConditionSyntaxError(message: "unexpected '\(t.text)'", offset: t.offset, code: "condition-syntax")
        }
        return expr
    }

    struct Parser {
        var tokens: [Token]
        var end: Int
        var position = 0

        func peek() -> String? { position < tokens.count ? tokens[position].text.lowercased() : nil }
        func failure(_ message: String) -> ConditionSyntaxError {
            ConditionSyntaxError(
                message: message, offset: position < tokens.count ? tokens[position].offset : end, code: "condition-syntax")
        }

        mutating func orExpr() throws(ConditionSyntaxError) -> ConditionExpr {
            var terms = [try andExpr()]
            while peek() == "or" {
                position += 1
                terms.append(try andExpr())
            }
            return terms.count == 1 ? terms[0] : .or(terms)
        }

        mutating func andExpr() throws(ConditionSyntaxError) -> ConditionExpr {
            var terms = [try notExpr()]
            while peek() == "and" {
                position += 1
                terms.append(try notExpr())
            }
            return terms.count == 1 ? terms[0] : .and(terms)
        }

        mutating func notExpr() throws(ConditionSyntaxError) -> ConditionExpr {
            if peek() == "not" {
                position += 1
                return .not(try notExpr())
            }
            return try primary()
        }

        mutating func primary() throws(ConditionSyntaxError) -> ConditionExpr {
            guard let word = peek() else { throw failure("condition ends early") }
            if word == "(" {
                position += 1
                let inner = try orExpr()
                guard peek() == ")" else { throw failure("missing ')'") }
                position += 1
                return inner
            }
            if word == ")" || word == "and" || word == "or" || word == "of" { throw failure("unexpected '\(word)'") }
            if (word == "1" || word == "any" || word == "all") && position + 1 < tokens.count
                && tokens[position + 1].text.lowercased() == "of"
            {
                position += 2
                guard position < tokens.count, tokens[position].text != "(", tokens[position].text != ")" else {
                    throw failure("'\(word) of' needs an identifier pattern or 'them'")
                }
                let pattern = tokens[position].text
                position += 1
                let normalized = pattern.lowercased() == "them" ? "them" : pattern
                return word == "all" ? .allOf(normalized) : .oneOf(normalized)
            }
            if word.first?.isNumber == true && position + 1 < tokens.count && tokens[position + 1].text.lowercased() == "of" {
                throw failure("only '1 of', 'any of' and 'all of' are defined, not '\(word) of'")
            }
            let name = tokens[position].text
            position += 1
            return .identifier(name)
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\n" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\n" }.reversed())
    }
}
