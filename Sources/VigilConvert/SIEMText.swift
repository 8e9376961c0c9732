// What the Splunk, Lucene, KQL and ES|QL printers share: where a field lives (and whether the table has it),
// Sigma wildcard values as anchored regular expressions, and PCRE-flavoured rule regexes rewritten in
// Lucene's regular-expression language, which Elasticsearch's query_string and ES|QL's RLIKE both use.
import VigilCore
import VigilSigma

/// Field names for the SIEM printers: the layout's path, and the table's column list when known.
struct FieldResolver: Sendable {
    var layout: FieldLayout
    var columns: [String]?

    /// The field's path, or nil when the column list says the table does not have it.
    func path(_ field: String) -> [String]? {
        let path = layout.column(field)
        guard let columns, !layout.nested else { return path }
        // As in the local engine and the SQL printer, names match ignoring ASCII case and spaces.
        let wanted = SQLPrinter.normalised(path[0])
        guard let name = columns.first(where: { $0 == path[0] }) ?? columns.first(where: { SQLPrinter.normalised($0) == wanted })
        else { return nil }
        return [name]
    }

    /// The formula with every test of a field the table lacks replaced by what the local engine answers for
    /// an absent field (true only for `null` and `exists: false`), so printers never name a missing column.
    func resolved(_ p: Predicate) -> Predicate {
        switch p {
        case .and(let xs): return .and(xs.map(resolved))
        case .or(let xs): return .or(xs.map(resolved))
        case .not(let x): return .not(resolved(x))
        case .constant, .keyword: return p
        case .field(let name, let condition):
            guard path(name) != nil else { return .constant(condition.holdsOnAbsentField) }
            if case .fieldref(let other, _, _) = condition, path(other) == nil { return .constant(false) }
            return p
        }
    }
}

extension Predicate {
    /// The operands of an AND or OR, each printed by `print`, joined by the target's word for it; an operand that
    /// is itself a group is parenthesised (every target binds AND tighter than OR, so only groups need them).
    static func joined(
        _ operands: [Predicate], by separator: String, _ print: (Predicate) throws(Unsupported) -> String
    ) throws(Unsupported) -> String {
        var parts: [String] = []
        for x in operands {
            let e = try print(x)
            parts.append(x.isGroup ? "(\(e))" : e)
        }
        return parts.joined(separator: separator)
    }

    /// The top-level conjuncts (the whole formula when it is not an AND).
    var conjuncts: [Predicate] {
        if case .and(let xs) = self { return xs }
        return [self]
    }
}

/// Checks on rule text before it goes into a query.
enum RuleText {
    /// The literal text of a value, or why it is not text (NUL bytes or invalid UTF-8, as `|utf16` without
    /// `|base64` produces).
    static func text(_ bytes: [UInt8]) throws(Unsupported) -> String {
        guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else {
            throw Unsupported("a value holds bytes that are not text (a NUL or invalid UTF-8, e.g. from |utf16 without |base64)")
        }
        return text
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool { s.value < 0x20 || s.value == 0x7F }

    static func hasControl(_ text: String) -> Bool { text.unicodeScalars.contains(where: isControl) }

    static func isASCIIAlphanumeric(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9")
    }

    /// The other-case forms of a character, when it has exactly one each way (`a` → [a, A]); nil when case does
    /// not apply to it.
    static func caseVariants(_ s: Unicode.Scalar) -> [Unicode.Scalar]? {
        let c = Character(s)
        let lower = c.lowercased().unicodeScalars
        let upper = c.uppercased().unicodeScalars
        guard lower.count == 1, upper.count == 1, lower.first != upper.first else { return nil }
        return [lower.first!, upper.first!]
    }

    /// Whether matching `text` depends on letter case.
    static func hasCasedLetters(_ text: String) -> Bool { text.unicodeScalars.contains { caseVariants($0) != nil } }

    /// A Sigma number written as plain decimal digits: equal whatever the case, and compared as text by the
    /// local engine; printed against a string view of the field so that numeric columns compare too.
    static func isDigits(_ text: String) -> Bool { !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
}

/// The shapes of a Sigma wildcard value that targets have a direct operator for.
enum ValueShape: Equatable {
    case empty
    /// `*`: any value.
    case any
    case exact(String)
    case prefix(String)
    case suffix(String)
    case contains(String)
    /// Inner wildcards or `?`: needs a pattern.
    case pattern

    init(_ s: SigmaString) throws(Unsupported) {
        let parts = s.parts
        switch (parts.first, parts.last, parts.count) {
        case (nil, _, _): self = .empty
        case (.anyRun?, _, 1): self = .any
        case (.literal(let b)?, _, 1): self = .exact(try RuleText.text(b))
        case (.literal(let b)?, .anyRun?, 2): self = .prefix(try RuleText.text(b))
        case (.anyRun?, .literal(let b)?, 2): self = .suffix(try RuleText.text(b))
        case (.anyRun?, .anyRun?, 3):
            if case .literal(let b) = parts[1] { self = .contains(try RuleText.text(b)) } else { self = .pattern }
        default: self = .pattern
        }
    }
}

/// Sigma wildcard values as regular expressions for PCRE (Splunk) and RE2 (KQL): anchored at both ends, `*` any
/// run and `?` one character (line breaks included, as locally), every other character literal.
enum GlobRegex {
    static func pattern(_ s: SigmaString, ignoreCase: Bool) throws(Unsupported) -> String {
        // `\z`, not `$`: PCRE's `$` also matches before a final line break.
        var out = ignoreCase ? "(?is)^" : "(?s)^"
        for part in s.parts {
            switch part {
            case .anyRun: out += ".*"
            case .anyOne: out += "."
            case .literal(let bytes): out += literal(try RuleText.text(bytes))
            }
        }
        return out + "\\z"
    }

    /// Text matched literally: letters and digits as they are, ASCII punctuation behind a backslash (both
    /// engines read `\` + punctuation as that character), control characters as `\x{..}`; other characters
    /// (non-ASCII) as they are.
    static func literal(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars {
            if RuleText.isControl(s) {
                out += "\\x{" + String(s.value, radix: 16) + "}"
            } else if s.value < 0x80 && !RuleText.isASCIIAlphanumeric(s) {
                out += "\\"
                out.unicodeScalars.append(s)
            } else {
                out.unicodeScalars.append(s)
            }
        }
        return out
    }

    /// The flags prefix for a rule regex (`(?ims)`), empty when none is set.
    static func flags(ignoreCase: Bool, multiline: Bool, dotAll: Bool) -> String {
        let f = (ignoreCase ? "i" : "") + (multiline ? "m" : "") + (dotAll ? "s" : "")
        return f.isEmpty ? "" : "(?\(f))"
    }
}

/// Lucene's regular-expression language (Elasticsearch `regexp`, query_string `/…/`, ES|QL `RLIKE`): always
/// anchored at both ends, no flags, no look-around, `\d \w \s` since Lucene 9, and `.` matching any character
/// including a line break (as the local engine's POSIX path does). Characters `" < > # @ & ~` are operators there,
/// so every non-alphanumeric literal is written behind a backslash. Case-insensitive matching is spelled out as
/// classes (`[cC][mM][dD]`), since Lucene has no flag for it.
enum LuceneRegex {
    /// A Sigma wildcard value as a Lucene regex.
    static func glob(_ s: SigmaString, ignoreCase: Bool) throws(Unsupported) -> String {
        var out = ""
        for part in s.parts {
            switch part {
            case .anyRun: out += ".*"
            case .anyOne: out += "."
            case .literal(let bytes):
                for scalar in try RuleText.text(bytes).unicodeScalars { out += literal(scalar, ignoreCase: ignoreCase) }
            }
        }
        return out
    }

    static func literal(_ s: Unicode.Scalar, ignoreCase: Bool) -> String {
        if ignoreCase, let variants = RuleText.caseVariants(s) {
            return "[" + variants.map { classEscaped($0) }.joined() + "]"
        }
        return escaped(s)
    }

    /// A literal outside a class. A backslash is written `[\\]`: query_string ends a `/…/` regex at the first
    /// `/` not preceded by a backslash, so a regex must never end in an escaping backslash (`…\\/` would read
    /// as an escaped slash and run on into the rest of the query).
    static func escaped(_ s: Unicode.Scalar) -> String {
        if s == "\\" { return "[\\\\]" }
        return classEscaped(s)
    }

    /// A literal inside a class (or outside, for any character but the backslash).
    static func classEscaped(_ s: Unicode.Scalar) -> String {
        if s.value < 0x80 && !RuleText.isASCIIAlphanumeric(s) && !RuleText.isControl(s) { return "\\" + String(s) }
        return String(s)
    }

    /// A rule regex (PCRE flavour, searched anywhere in the value) as a Lucene regex over the whole value.
    static func translate(_ pattern: String, ignoreCase: Bool, multiline: Bool, dotAll: Bool) throws(Unsupported) -> String {
        var p = Array(pattern.unicodeScalars)
        var ignoreCase = ignoreCase
        var multiline = multiline
        // Leading inline flags are the rule's flags written in the pattern.
        if p.count >= 4, p[0] == "(", p[1] == "?", let close = p.firstIndex(of: ")"),
            close > 2, p[2..<close].allSatisfy({ $0 == "i" || $0 == "m" || $0 == "s" })
        {
            for f in p[2..<close] {
                if f == "i" { ignoreCase = true }
                if f == "m" { multiline = true }
            }
            p.removeSubrange(0...close)
        }
        _ = dotAll  // `.` matches line breaks in Lucene either way (see above).
        if multiline {
            throw Unsupported("the regular expression uses the m flag (anchors at line breaks), which Lucene regexes cannot express")
        }
        var anchoredStart = false
        var anchoredEnd = false
        if p.first == "^" {
            anchoredStart = true
            p.removeFirst()
        } else if p.count >= 2, p[0] == "\\", p[1] == "A" {
            anchoredStart = true
            p.removeFirst(2)
        }
        if p.last == "$", !endsEscaped(p, before: p.count - 1) {
            anchoredEnd = true
            p.removeLast()
        } else if p.count >= 2, p[p.count - 2] == "\\", p[p.count - 1] == "z", !endsEscaped(p, before: p.count - 2) {
            anchoredEnd = true
            p.removeLast(2)
        }
        var parser = Parser(p: p, ignoreCase: ignoreCase)
        let body = try parser.sequence(depth: 0)
        if parser.topLevelAlternation && (anchoredStart || anchoredEnd) {
            throw Unsupported("the regular expression anchors only some of its alternatives, which Lucene regexes cannot express")
        }
        let core = parser.topLevelAlternation ? "(" + body + ")" : body
        return (anchoredStart ? "" : ".*") + core + (anchoredEnd ? "" : ".*")
    }

    /// Whether the character at `index` is preceded by an odd number of backslashes.
    static func endsEscaped(_ p: [Unicode.Scalar], before index: Int) -> Bool {
        var n = 0
        var k = index - 1
        while k >= 0 && p[k] == "\\" {
            n += 1
            k -= 1
        }
        return n % 2 == 1
    }

    struct Parser {
        var p: [Unicode.Scalar]
        var ignoreCase: Bool
        var i = 0
        var topLevelAlternation = false

        init(p: [Unicode.Scalar], ignoreCase: Bool) {
            self.p = p
            self.ignoreCase = ignoreCase
        }

        mutating func sequence(depth: Int) throws(Unsupported) -> String {
            var out = ""
            while i < p.count {
                let c = p[i]
                switch c {
                case "\\":
                    out += try escape(inClass: false)
                case "(":
                    out += try group()
                    out += try quantifier()
                    continue
                case ")":
                    guard depth > 0 else { throw Unsupported("the regular expression has an unbalanced ')'") }
                    return out
                case "|":
                    if depth == 0 { topLevelAlternation = true }
                    out += "|"
                    i += 1
                    continue
                case "[":
                    out += try characterClass()
                    out += try quantifier()
                    continue
                case ".":
                    out += "."
                    i += 1
                case "^", "$":
                    throw Unsupported("the regular expression has an anchor (\(c)) inside it, which Lucene regexes cannot express")
                case "*", "+", "?":
                    throw Unsupported("the regular expression has a quantifier with nothing to repeat")
                case "{" where countedRepeat(at: i) != nil:
                    throw Unsupported("the regular expression has a quantifier with nothing to repeat")
                default:
                    out += LuceneRegex.literal(c, ignoreCase: ignoreCase)
                    i += 1
                }
                out += try quantifier()
            }
            if depth > 0 { throw Unsupported("the regular expression has an unclosed '('") }
            return out
        }

        /// `{n}`, `{n,}` or `{n,m}` at `k`, as written; nil when the brace is a literal.
        func countedRepeat(at k: Int) -> String? {
            guard k < p.count, p[k] == "{" else { return nil }
            var j = k + 1
            var text = "{"
            var digits = 0
            while j < p.count, p[j] >= "0" && p[j] <= "9" {
                text.unicodeScalars.append(p[j])
                j += 1
                digits += 1
            }
            guard digits > 0, j < p.count else { return nil }
            if p[j] == "," {
                text += ","
                j += 1
                while j < p.count, p[j] >= "0" && p[j] <= "9" {
                    text.unicodeScalars.append(p[j])
                    j += 1
                }
            }
            guard j < p.count, p[j] == "}" else { return nil }
            return text + "}"
        }

        /// A quantifier after an atom; lazy forms are the same test (whether a match exists does not depend on
        /// laziness); possessive ones are not.
        mutating func quantifier() throws(Unsupported) -> String {
            guard i < p.count else { return "" }
            var out: String
            if p[i] == "*" || p[i] == "+" || p[i] == "?" {
                out = String(p[i])
                i += 1
            } else if let counted = countedRepeat(at: i) {
                out = counted
                i += counted.unicodeScalars.count
            } else {
                return ""
            }
            if i < p.count, p[i] == "?" {
                i += 1
            } else if i < p.count, p[i] == "+" {
                throw Unsupported("the regular expression uses a possessive quantifier, which Lucene regexes do not have")
            }
            if i < p.count, p[i] == "*" || p[i] == "+" || p[i] == "?" || countedRepeat(at: i) != nil {
                throw Unsupported("the regular expression repeats a quantifier")
            }
            return out
        }

        mutating func group() throws(Unsupported) -> String {
            i += 1
            if i < p.count, p[i] == "?" {
                let next = i + 1 < p.count ? p[i + 1] : " "
                let after = i + 2 < p.count ? p[i + 2] : " "
                if next == ":" {
                    i += 2
                } else if next == "P" && after == "<" || next == "<" && after != "=" && after != "!" || next == "'" {
                    // A named group matches what an unnamed one does.
                    guard let close = p[i...].firstIndex(of: next == "'" ? "'" : ">"), close > i + 2 else {
                        throw Unsupported("the regular expression has a malformed group name")
                    }
                    i = close + 1
                } else if next == "=" || next == "!" || next == "<" {
                    throw Unsupported("the regular expression uses look-around, which Lucene regexes do not have")
                } else if next == ">" {
                    throw Unsupported("the regular expression uses an atomic group, which Lucene regexes do not have")
                } else {
                    throw Unsupported("the regular expression sets flags or options inside it, which Lucene regexes cannot express")
                }
            }
            let inner = try sequence(depth: 1)
            guard i < p.count, p[i] == ")" else { throw Unsupported("the regular expression has an unclosed '('") }
            i += 1
            return "(" + inner + ")"
        }

        /// A backslash escape; in a class it yields class content.
        mutating func escape(inClass: Bool) throws(Unsupported) -> String {
            guard i + 1 < p.count else { throw Unsupported("the regular expression ends with a lone backslash") }
            let e = p[i + 1]
            i += 2
            switch e {
            case "d": return inClass ? "0-9" : "\\d"
            case "w": return inClass ? "0-9A-Za-z_" : "\\w"
            case "D", "W", "S", "s":
                if inClass {
                    throw Unsupported("the regular expression uses \\\(e) inside a character class, which Lucene regexes do not have")
                }
                return "\\" + String(e)
            case "t": return "\t"
            case "n": return "\n"
            case "r": return "\r"
            case "f": return "\u{0C}"
            case "v": return "\u{0B}"
            case "x":
                var hex = ""
                if i < p.count, p[i] == "{" {
                    guard let close = p[i...].firstIndex(of: "}") else {
                        throw Unsupported("the regular expression has a malformed \\x{…}")
                    }
                    hex = String(String.UnicodeScalarView(p[(i + 1)..<close]))
                    i = close + 1
                } else {
                    guard i + 2 <= p.count else { throw Unsupported("the regular expression has a malformed \\x escape") }
                    hex = String(String.UnicodeScalarView(p[i..<(i + 2)]))
                    i += 2
                }
                guard let v = UInt32(hex, radix: 16), let s = Unicode.Scalar(v) else {
                    throw Unsupported("the regular expression has a malformed \\x escape")
                }
                return inClass ? classChar(s) : LuceneRegex.literal(s, ignoreCase: ignoreCase)
            default:
                if e.value < 0x80 && !RuleText.isASCIIAlphanumeric(e) {
                    return inClass ? classChar(e) : LuceneRegex.literal(e, ignoreCase: ignoreCase)
                }
                let name: String =
                    switch e {
                    case "b", "B": "a word boundary (\\\(e))"
                    case "1", "2", "3", "4", "5", "6", "7", "8", "9", "k", "g": "a back-reference"
                    case "p", "P": "a Unicode property (\\\(e))"
                    case "A", "z", "Z", "G": "an anchor (\\\(e)) inside it"
                    default: "the escape \\\(e)"
                    }
                throw Unsupported("the regular expression uses \(name), which Lucene regexes do not have")
            }
        }

        /// One character inside a class: escaped unless a letter or digit.
        func classChar(_ s: Unicode.Scalar) -> String { LuceneRegex.classEscaped(s) }

        mutating func characterClass() throws(Unsupported) -> String {
            i += 1
            var negate = false
            if i < p.count, p[i] == "^" {
                negate = true
                i += 1
            }
            var items: [String] = []
            var singles: [Unicode.Scalar] = []
            var ranges: [(Unicode.Scalar, Unicode.Scalar)] = []
            var first = true
            while true {
                guard i < p.count else { throw Unsupported("the regular expression has an unclosed '['") }
                let c = p[i]
                if c == "]" && !first { break }
                first = false
                if c == "[", i + 1 < p.count, p[i + 1] == ":" || p[i + 1] == "=" || p[i + 1] == "." {
                    throw Unsupported("the regular expression uses a POSIX class ([:…:]), which Lucene regexes do not have")
                }
                var low: Unicode.Scalar
                if c == "\\" {
                    let e = i + 1 < p.count ? p[i + 1] : " "
                    if e == "d" || e == "w" {
                        items.append(try escape(inClass: true))
                        continue
                    }
                    guard let s = try escapedScalar() else { continue }
                    low = s
                } else {
                    low = c
                    i += 1
                }
                // A range `a-z` (a `-` before `]` is a literal).
                if i + 1 < p.count, p[i] == "-", p[i + 1] != "]" {
                    i += 1
                    var high: Unicode.Scalar
                    if p[i] == "\\" {
                        guard let s = try escapedScalar() else {
                            throw Unsupported("the regular expression has a character range ending in a class escape")
                        }
                        high = s
                    } else {
                        high = p[i]
                        i += 1
                    }
                    guard low <= high else { throw Unsupported("the regular expression has a reversed character range") }
                    ranges.append((low, high))
                } else {
                    singles.append(low)
                }
            }
            i += 1
            for s in singles {
                if ignoreCase, let variants = RuleText.caseVariants(s) {
                    items += variants.map(classChar)
                } else {
                    items.append(classChar(s))
                }
            }
            for (low, high) in ranges {
                items.append(classChar(low) + "-" + classChar(high))
                guard ignoreCase else { continue }
                guard high.value < 0x80 else {
                    throw Unsupported("the regular expression has a non-ASCII character range under case-insensitive matching")
                }
                // The other case of the letters the range covers.
                for (a, z, shift) in [(0x61, 0x7A, -0x20), (0x41, 0x5A, 0x20)] {
                    let lo = max(Int(low.value), a)
                    let hi = min(Int(high.value), z)
                    if lo <= hi {
                        items.append(String(Unicode.Scalar(UInt8(lo + shift))) + "-" + String(Unicode.Scalar(UInt8(hi + shift))))
                    }
                }
            }
            return "[" + (negate ? "^" : "") + items.joined() + "]"
        }

        /// The character a class escape stands for (advancing past it).
        mutating func escapedScalar() throws(Unsupported) -> Unicode.Scalar? {
            let before = i
            let text = try escape(inClass: true)
            let scalars = Array(text.unicodeScalars)
            if scalars.count == 1 { return scalars[0] }
            if scalars.count == 2, scalars[0] == "\\" { return scalars[1] }
            i = before
            throw Unsupported("the regular expression has a class escape that Lucene regexes cannot express")
        }
    }
}
