// STIX 2.1 indicators and observables as sweep indicators. A pattern's comparisons become indicators of
// one group; what an event log cannot answer (AND across properties, FOLLOWEDBY, LIKE, MATCHES) is
// reported, never silently widened into something else — except that a hash names a file on its own, so
// `[file:hashes.MD5 = '…' AND file:name = '…']` is swept by its hash.
import VigilCore

enum STIXBundle {
    /// Cyber-observable objects that carry a value an event log can show.
    static let observableTypes: Set<String> = [
        "ipv4-addr", "ipv6-addr", "domain-name", "url", "file", "directory", "windows-registry-key",
    ]

    static func loadIndicator(_ view: JSONView, _ i: Int, into set: inout IndicatorSet, at location: SourceLocation) {
        let name = view.member(i, "name").flatMap(view.string) ?? view.member(i, "description").flatMap(view.string)
        let id = view.member(i, "id").flatMap(view.string)
        let patternType = view.member(i, "pattern_type").flatMap(view.string) ?? "stix"
        guard patternType.lowercased() == "stix" else {
            set.reject(location, .warning, code: "stix-pattern-type", "pattern_type '\(patternType)' is not swept (only stix patterns)")
            return
        }
        guard let pattern = view.member(i, "pattern").flatMap(view.string) else {
            set.reject(location, code: "stix-missing-field", "indicator without a pattern")
            return
        }
        let parsed: STIXPattern
        do { parsed = try STIXPattern(pattern) } catch {
            set.reject(location, code: "stix-pattern", "pattern \(IndicatorSet.clip(pattern)): \(error.reason) at column \(error.column)")
            return
        }
        var usable: [(IndicatorType, String)] = []
        var unsupported: [String] = []
        for comparison in parsed.comparisons {
            if let type = comparison.indicatorType, comparison.isEquality {
                for value in comparison.values { usable.append((type, value)) }
            } else {
                unsupported.append(comparison.description)
            }
        }
        if parsed.needsAll {
            let hashes = usable.filter { $0.0.isHash }
            guard !hashes.isEmpty else {
                set.reject(
                    location, .warning, code: "stix-pattern-and",
                    "pattern needs several conditions at once (AND/FOLLOWEDBY) and has no hash to sweep for: \(IndicatorSet.clip(pattern))")
                return
            }
            usable = hashes
            unsupported = []
        }
        guard !usable.isEmpty else {
            set.reject(
                location, .warning, code: "stix-pattern-unsupported",
                "nothing in the pattern can be swept for: \(IndicatorSet.clip(pattern))")
            return
        }
        if !unsupported.isEmpty {
            set.diagnostics.append(
                Diagnostic(
                    location, .warning, code: "stix-pattern-partial",
                    "swept without: \(unsupported.joined(separator: " OR ")) (only = and IN on hashes, addresses, domains, URLs, names and paths)"
                ))
        }
        add(usable, name: name, id: id, into: &set, at: location)
    }

    static func loadObservable(_ view: JSONView, _ i: Int, type: String, into set: inout IndicatorSet, at location: SourceLocation) {
        let id = view.member(i, "id").flatMap(view.string)
        var values: [(IndicatorType, String)] = []
        switch type {
        case "file":
            if let hashes = view.member(i, "hashes") {
                view.forEachMember(hashes) { k, v in
                    if let t = hashType(view.string(k) ?? ""), let s = view.string(v) { values.append((t, s)) }
                }
            }
            // A file's name says little once its hash is known (the same rule as for AND in patterns).
            if values.isEmpty, let name = view.member(i, "name").flatMap(view.string) { values.append((.fileName, name)) }
        case "directory": if let p = view.member(i, "path").flatMap(view.string) { values.append((.path, p)) }
        case "windows-registry-key": if let k = view.member(i, "key").flatMap(view.string) { values.append((.path, k)) }
        case "url": if let v = view.member(i, "value").flatMap(view.string) { values.append((.url, v)) }
        case "domain-name": if let v = view.member(i, "value").flatMap(view.string) { values.append((.domain, v)) }
        default: if let v = view.member(i, "value").flatMap(view.string) { values.append((.ip, v)) }
        }
        guard !values.isEmpty else {
            set.reject(location, code: "stix-missing-field", "\(type) object without a value to sweep for")
            return
        }
        add(values, name: nil, id: id, into: &set, at: location)
    }

    private static func add(
        _ values: [(IndicatorType, String)], name: String?, id: String?, into set: inout IndicatorSet, at location: SourceLocation
    ) {
        let group = set.newGroup()
        var rejected: [String] = []
        for (type, value) in values {
            if let reason = set.add(value, type: type, name: name, id: id, source: location, group: group) { rejected.append(reason) }
        }
        if rejected.count == values.count {
            set.reject(location, code: "ioc-value", rejected.joined(separator: "; "))
        } else if !rejected.isEmpty {
            set.diagnostics.append(Diagnostic(location, .warning, code: "ioc-value", rejected.joined(separator: "; ")))
        }
    }

    /// STIX hash algorithm names (the vocabulary writes `SHA-256`; feeds also write `SHA256`, `sha256`).
    static func hashType(_ name: String) -> IndicatorType? {
        switch name.uppercased().replacingAll("-", with: "").replacingAll("_", with: "") {
        case "MD5": .md5
        case "SHA1": .sha1
        case "SHA256": .sha256
        case "SHA512": .sha512
        case "IMPHASH": .imphash
        default: nil
        }
    }
}

struct STIXPatternError: Error {
    var column: Int
    var reason: String
}

/// The comparisons of a STIX pattern and whether they must all hold. Qualifiers (WITHIN, REPEATS, START/STOP)
/// are read and ignored: a sweep reports every event that shows an indicator.
struct STIXPattern {
    struct Comparison: CustomStringConvertible {
        var objectType: String
        var path: [String]
        var op: String
        var negated: Bool
        var values: [String]

        var isEquality: Bool { !negated && (op == "=" || op == "IN" || (op == "ISSUBSET" && objectType.hasSuffix("-addr"))) }

        var description: String {
            let v = values.count == 1 ? "'\(values[0])'" : "(" + values.map { "'\($0)'" }.joined(separator: ", ") + ")"
            return "\(objectType):\(path.joined(separator: ".")) \(negated ? "NOT " : "")\(op) \(v)"
        }

        /// What the compared property is, for the properties event logs show.
        var indicatorType: IndicatorType? {
            let p = path.map { $0.lowercased() }
            switch objectType {
            case "ipv4-addr", "ipv6-addr": return p == ["value"] ? .ip : nil
            case "domain-name": return p == ["value"] ? .domain : nil
            case "url": return p == ["value"] ? .url : nil
            case "network-traffic":
                return p == ["dst_ref", "value"] || p == ["src_ref", "value"] ? .ip : nil
            case "directory": return p == ["path"] ? .path : nil
            case "windows-registry-key": return p == ["key"] ? .path : nil
            case "file", "artifact", "process":
                if p.count >= 2, p[p.count - 2] == "hashes" { return STIXBundle.hashType(path[path.count - 1]) }
                if p.last == "imphash" { return .imphash }
                if p == ["name"] || p == ["image_ref", "name"] || p == ["binary_ref", "name"] { return .fileName }
                if p == ["parent_directory_ref", "path"] { return .path }
                return nil
            default: return nil
            }
        }
    }

    var comparisons: [Comparison] = []
    /// The pattern joins comparisons or observations with AND or FOLLOWEDBY.
    var needsAll = false

    private enum Token: Equatable {
        case open, close, openParen, closeParen, comma
        case word(String)
        case string(String)
        case op(String)
    }

    init(_ text: String) throws(STIXPatternError) {
        let tokens = try Self.tokens(text)
        var depth = 0
        var i = 0
        while i < tokens.count {
            let (token, column) = tokens[i]
            switch token {
            case .open:
                guard depth == 0 else { throw STIXPatternError(column: column, reason: "'[' inside an observation") }
                depth += 1
                i += 1
            case .close:
                guard depth == 1 else { throw STIXPatternError(column: column, reason: "']' without '['") }
                depth -= 1
                i += 1
            case .openParen, .closeParen, .comma, .string:
                i += 1
            case .op(let op):
                throw STIXPatternError(column: column, reason: "operator \(op) without an object path")
            case .word(let word):
                let upper = word.uppercased()
                if upper == "AND" || upper == "FOLLOWEDBY" {
                    needsAll = true
                    i += 1
                    continue
                }
                if !word.contains(":") || depth == 0 {
                    i += 1  // OR, qualifiers and their arguments
                    continue
                }
                i = try comparison(tokens, at: i)
            }
        }
        guard depth == 0 else { throw STIXPatternError(column: text.count, reason: "unterminated observation '['") }
        guard !comparisons.isEmpty else { throw STIXPatternError(column: 1, reason: "no comparison") }
    }

    /// Reads `object:path [NOT] op value(s)` at `i`; returns the index after it.
    private mutating func comparison(_ tokens: [(Token, Int)], at start: Int) throws(STIXPatternError) -> Int {
        guard case .word(let path) = tokens[start].0 else { return start + 1 }
        let column = tokens[start].1
        let colon = path.firstIndex(of: ":")!
        let objectType = String(path[..<colon]).lowercased()
        let steps = Self.pathSteps(String(path[path.index(after: colon)...]))
        var i = start + 1
        var negated = false
        if i < tokens.count, case .word(let w) = tokens[i].0, w.uppercased() == "NOT" {
            negated = true
            i += 1
        }
        guard i < tokens.count else { throw STIXPatternError(column: column, reason: "comparison without an operator") }
        let op: String
        switch tokens[i].0 {
        case .op(let o): op = o
        case .word(let w): op = w.uppercased()
        default: throw STIXPatternError(column: tokens[i].1, reason: "expected an operator")
        }
        i += 1
        var values: [String] = []
        guard i < tokens.count else { throw STIXPatternError(column: column, reason: "comparison without a value") }
        switch tokens[i].0 {
        case .string(let s):
            values.append(s)
            i += 1
        case .openParen:
            i += 1
            while i < tokens.count, tokens[i].0 != .closeParen {
                if case .string(let s) = tokens[i].0 { values.append(s) }
                i += 1
            }
            guard i < tokens.count else { throw STIXPatternError(column: column, reason: "unterminated value list") }
            i += 1
        case .word(let w):
            values.append(w)  // numbers and booleans
            i += 1
        default:
            throw STIXPatternError(column: tokens[i].1, reason: "expected a value")
        }
        comparisons.append(Comparison(objectType: objectType, path: steps, op: op, negated: negated, values: values))
        return i
    }

    /// `hashes.'SHA-256'` → ["hashes", "SHA-256"]; `extensions.'windows-pebinary-ext'.imphash` likewise.
    static func pathSteps(_ text: String) -> [String] {
        var steps: [String] = []
        var current = ""
        var quoted = false
        for c in text {
            if c == "'" {
                quoted.toggle()
            } else if c == "." && !quoted {
                steps.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        steps.append(current)
        return steps
    }

    private static func tokens(_ text: String) throws(STIXPatternError) -> [(Token, Int)] {
        let chars = Array(text)
        var out: [(Token, Int)] = []
        var i = 0
        func isPathChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "-" || c == ":" || c == "." || c == "*" }
        while i < chars.count {
            let c = chars[i]
            let column = i + 1
            switch c {
            case " ", "\t", "\n", "\r": i += 1
            case "[":
                out.append((.open, column))
                i += 1
            case "]":
                out.append((.close, column))
                i += 1
            case "(":
                out.append((.openParen, column))
                i += 1
            case ")":
                out.append((.closeParen, column))
                i += 1
            case ",":
                out.append((.comma, column))
                i += 1
            case "'":
                var value = ""
                i += 1
                var closed = false
                while i < chars.count {
                    if chars[i] == "\\", i + 1 < chars.count {
                        value.append(chars[i + 1])
                        i += 2
                    } else if chars[i] == "'" {
                        closed = true
                        i += 1
                        break
                    } else {
                        value.append(chars[i])
                        i += 1
                    }
                }
                guard closed else { throw STIXPatternError(column: column, reason: "unterminated string") }
                out.append((.string(value), column))
            case "=", "!", "<", ">":
                var op = String(c)
                i += 1
                if i < chars.count, chars[i] == "=" {
                    op.append("=")
                    i += 1
                }
                guard op != "!" else { throw STIXPatternError(column: column, reason: "'!' without '='") }
                out.append((.op(op), column))
            default:
                guard isPathChar(c) else { throw STIXPatternError(column: column, reason: "unexpected character '\(c)'") }
                // A word, or an object path whose steps may be quoted: file:hashes.'SHA-256'. Typed literals
                // (t'…', h'…', b'…') are read as a word followed by a string.
                var word = ""
                while i < chars.count {
                    if isPathChar(chars[i]) {
                        word.append(chars[i])
                        i += 1
                    } else if chars[i] == "'", word.hasSuffix("."), word.contains(":") {
                        word.append("'")
                        i += 1
                        while i < chars.count, chars[i] != "'" {
                            word.append(chars[i])
                            i += 1
                        }
                        guard i < chars.count else { throw STIXPatternError(column: column, reason: "unterminated quoted path step") }
                        word.append("'")
                        i += 1
                    } else {
                        break
                    }
                }
                out.append((.word(word), column))
            }
        }
        return out
    }
}
