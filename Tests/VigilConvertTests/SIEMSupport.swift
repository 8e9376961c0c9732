// Helpers for the SIEM target tests: rules from YAML text converted for one target, and tiny tokenizers that
// read a query's string literals back the way each target's parser does, to prove a value cannot end its
// literal early.
import Testing
import VigilConvert
import VigilCore
import VigilSigma

enum SIEM {
    /// A one-rule YAML document; `detection` is the block under `detection:` (indented by the helper).
    static func yaml(_ detection: String, logsource: String = "{}") -> String {
        "title: t\nlogsource: \(logsource)\ndetection:\n" + detection.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }

    static func rules(_ yaml: String) -> [SigmaRule] {
        let (documents, diagnostics) = RuleParser().parse(bytes: Array(yaml.utf8), file: "test.yml")
        precondition(diagnostics.filter { $0.severity == .error }.isEmpty, "rule did not load: \(diagnostics)")
        var rules: [SigmaRule] = []
        for case .rule(let r) in documents { rules.append(r) }
        return rules
    }

    static func convert(
        _ target: ConversionTarget, _ detection: String, logsource: String = "{}", layout: String = "flat", columns: [String]? = nil,
        table: String = "events"
    ) -> Conversion {
        let converter = Converter(target: target, layout: FieldLayout.named(layout)!, columns: columns, table: table)
        return converter.convert(rules(yaml(detection, logsource: logsource)))[0]
    }

    /// The query, or the refusal prefixed with "refused: ".
    static func text(
        _ target: ConversionTarget, _ detection: String, logsource: String = "{}", layout: String = "flat", columns: [String]? = nil,
        table: String = "events"
    ) -> String {
        let c = convert(target, detection, logsource: logsource, layout: layout, columns: columns, table: table)
        return c.query ?? "refused: " + (c.refusal ?? "<no reason>")
    }

    /// Reads a query as its target's lexer would: `"…"` literals with backslash escapes become `<s>` in the
    /// skeleton and their decoded text goes to `literals`. A value that closed its literal early would leave
    /// its tail in the skeleton.
    static func doubleQuoted(_ query: String, decode: (Character) -> String = { String($0) }) -> (skeleton: String, literals: [String]) {
        var skeleton = ""
        var literals: [String] = []
        var chars = Array(query)[...]
        while let c = chars.popFirst() {
            guard c == "\"" else {
                skeleton.append(c)
                continue
            }
            var lit = ""
            while let d = chars.popFirst() {
                if d == "\\", let e = chars.popFirst() {
                    lit += decode(e)
                    continue
                }
                if d == "\"" { break }
                lit.append(d)
            }
            literals.append(lit)
            skeleton += "<s>"
        }
        return (skeleton, literals)
    }

    /// The `\x` escape of ES|QL and KQL strings: n, r, t are control characters, anything else is itself.
    static func cEscape(_ e: Character) -> String {
        switch e {
        case "n": "\n"
        case "r": "\r"
        case "t": "\t"
        default: String(e)
        }
    }
}

extension SIEM {
    /// Fragments of the hostile values that must never reach a query's syntax outside a literal.
    static let payloadMarkers = ["delete", "index=main", "1==1", "or true", "*:*", "Temp", "break", "(a+)", "```", "OR /"]

    /// The modifiers each hostile value is tried with.
    static let hostileModifiers = ["", "|contains", "|cased", "|re"]

    /// A rule testing F for exactly `value`: in Sigma notation (`*`, `?` and `\\` escaped) unless it is a regex.
    static func hostileDetection(_ value: String, _ modifier: String) -> String {
        let text = modifier == "|re" ? value : SigmaString(plain: Array(value.utf8)).description
        return "s:\n  F\(modifier): \(SIEMCases.yamlQuoted(text))\ncondition: s"
    }

    /// Where the Lucene `/…/` regex opening at `start` closes, as the classic parser's lexer takes the longest
    /// match of `"/" (~["/"] | "\\/")* "/"`: the first `/` not after a backslash, else the last escaped one;
    /// nil when the regex is not closed.
    static func luceneRegexEnd(_ p: [Character], opening start: Int) -> Int? {
        var end = start + 1
        var lastEscapedSlash: Int?
        while end < p.count {
            if p[end] == "/" {
                if p[end - 1] != "\\" { return end }
                lastEscapedSlash = end
            }
            end += 1
        }
        return lastEscapedSlash
    }

    /// Reads a Lucene query_string as Lucene's classic query parser tokenizes it: `"…"` phrases with backslash
    /// escapes, `/…/` regexes (which end at the first `/` not preceded by a backslash: the grammar is
    /// `"/" (~["/"] | "\\/")* "/"` and the lexer takes the longest match), and terms with backslash escapes.
    /// Values become `<s>`, `<r>` and `<t>` in the skeleton; `field:` prefixes and AND/OR/NOT stay.
    static func luceneTokens(_ query: String) -> (skeleton: String, values: [String]) {
        let p = Array(query)
        var skeleton = ""
        var values: [String] = []
        var i = 0
        while i < p.count {
            let c = p[i]
            if c == " " || c == "(" || c == ")" {
                skeleton.append(c)
                i += 1
            } else if c == "\"" {
                var value = ""
                i += 1
                while i < p.count, p[i] != "\"" {
                    if p[i] == "\\", i + 1 < p.count { i += 1 }
                    value.append(p[i])
                    i += 1
                }
                i += 1
                values.append(value)
                skeleton += "<s>"
            } else if c == "/" {
                let end = luceneRegexEnd(p, opening: i) ?? p.count
                values.append(String(p[(i + 1)..<end]))
                skeleton += "<r>"
                i = end + 1
            } else {
                var term = ""
                var sawField = false
                while i < p.count, p[i] != " " && p[i] != "(" && p[i] != ")" {
                    if p[i] == "\\", i + 1 < p.count {
                        term.append(p[i + 1])
                        i += 2
                        continue
                    }
                    if p[i] == ":" {
                        skeleton += term + ":"
                        i += 1
                        sawField = true
                        break
                    }
                    term.append(p[i])
                    i += 1
                }
                if sawField { continue }
                if ["AND", "OR", "NOT"].contains(term) {
                    skeleton += term
                } else {
                    values.append(term)
                    skeleton += "<t>"
                }
            }
        }
        return (skeleton, values)
    }

    /// Whether a regex printed for a value (PCRE, RE2 or Lucene flavour) matches `text`, checked with Swift's
    /// regex engine, an implementation independent of the printers; Lucene regexes match whole values.
    static func regexMatches(_ pattern: String, _ text: String, whole: Bool) -> Bool? {
        guard let regex = try? Regex(pattern) else { return nil }
        return whole ? (try? regex.wholeMatch(in: text)) != nil : (try? regex.firstMatch(in: text)) != nil
    }
}
