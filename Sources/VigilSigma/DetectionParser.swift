// Builds search identifiers from YAML: field names with their modifier chains, value lists, and the
// modifiers applied in order to every value (encodings, windash permutations, placeholders…).
import VigilCore
import Yams

/// A rule-level problem with its position in the YAML; the loader turns it into a `Diagnostic`.
struct RuleError: Error {
    var code: String
    var message: String
    var line: Int
    var column: Int

    init(_ code: String, _ message: String, at node: Node?) {
        self.code = code
        self.message = message
        line = node?.mark?.line ?? 1
        column = node?.mark?.column ?? 1
    }
}

/// Values for `%placeholder%` names used with `|expand`.
public typealias Placeholders = [String: [String]]

struct DetectionParser {
    var placeholders: Placeholders
    /// Bound on values one field may expand to, so a hostile rule cannot exhaust memory.
    static let maxValues = 200_000

    func parseIdentifier(_ node: Node) throws(RuleError) -> DetectionNode {
        switch node {
        case .mapping(let mapping):
            var items: [DetectionNode] = []
            for (key, value) in mapping {
                guard case .scalar(let k) = key else { throw RuleError("detection-structure", "field names must be text", at: key) }
                items.append(.item(try fieldItem(k.string, value, keyNode: key)))
            }
            return .allOf(items)
        case .sequence(let sequence):
            if sequence.allSatisfy({ if case .scalar = $0 { true } else { false } }) {
                return .item(try fieldItem("", node, keyNode: node))
            }
            var branches: [DetectionNode] = []
            for element in sequence {
                switch element {
                case .mapping: branches.append(try parseIdentifier(element))
                case .scalar: branches.append(.item(try fieldItem("", element, keyNode: element)))
                default: throw RuleError("detection-structure", "a list may hold values or maps, not nested lists", at: element)
                }
            }
            return .anyOf(branches)
        case .scalar:
            return .item(try fieldItem("", node, keyNode: node))
        default:
            throw RuleError("detection-structure", "unsupported YAML node in detection", at: node)
        }
    }

    /// Raw scalar values before modifiers.
    enum Work {
        case text(String)
        case sigma(SigmaString)
        case number(String)
        case bool(Bool)
        case null
        case value(SigmaValue)
    }

    func fieldItem(_ key: String, _ valueNode: Node, keyNode: Node) throws(RuleError) -> FieldItem {
        var parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let fieldName = parts.removeFirst()
        var modifiers: [Modifier] = []
        for name in parts {
            guard let modifier = Modifier(rawValue: name) else {
                throw RuleError("unknown-modifier", "unknown modifier '\(name)' in '\(key)'", at: keyNode)
            }
            modifiers.append(modifier)
        }
        var raw: [Work] = []
        switch valueNode {
        case .scalar(let s): raw.append(Self.work(s))
        case .sequence(let seq):
            if seq.isEmpty { throw RuleError("empty-value-list", "'\(key)' has an empty list of values", at: valueNode) }
            for element in seq {
                guard case .scalar(let s) = element else {
                    throw RuleError("detection-structure", "values of '\(key)' must be scalars", at: element)
                }
                raw.append(Self.work(s))
            }
        default:
            throw RuleError("detection-structure", "'\(key)' must have a value or a list of values", at: valueNode)
        }
        if raw.count > Self.maxValues {
            throw RuleError("too-many-values", "'\(key)' lists \(raw.count) values (limit \(Self.maxValues))", at: valueNode)
        }
        var item = FieldItem(
            field: fieldName.isEmpty ? nil : fieldName, modifiers: modifiers, values: [], all: false, negated: false,
            line: keyNode.mark?.line ?? 1, column: keyNode.mark?.column ?? 1)
        var cased = false
        var regexFlags: (i: Bool, m: Bool, s: Bool) = (false, false, false)
        var timePart: TimePart?
        var sawRegex = false
        func fail(_ code: String, _ message: String) -> RuleError { RuleError(code, message, at: keyNode) }

        for modifier in modifiers {
            switch modifier {
            case .all:
                item.all = true
            case .neq:
                item.negated = true
            case .cased:
                cased = true
            case .contains, .startswith, .endswith:
                raw = try raw.map { (w) throws(RuleError) -> Work in
                    if case .value(.fieldref(let f, _, let c)) = w {
                        let mode: FieldRefMode = modifier == .contains ? .contains : modifier == .startswith ? .startsWith : .endsWith
                        return .value(.fieldref(f, mode, cased: c))
                    }
                    guard var s = Self.sigma(w) else { throw fail("modifier-type", "|\(modifier) needs text values") }
                    if modifier != .startswith && !s.startsWithRun { s = s.prepending(.anyRun) }
                    if modifier != .endswith && !s.endsWithRun { s = s.appending(.anyRun) }
                    return .sigma(s)
                }
            case .windash:
                raw = try Self.flatMap(raw) { (w) throws(RuleError) -> [Work] in
                    guard let s = Self.sigma(w) else { throw fail("modifier-type", "|windash needs text values") }
                    return Windash.expand(s).map { .sigma($0) }
                }
            case .re:
                sawRegex = true
                raw = try raw.map { (w) throws(RuleError) -> Work in
                    guard case .text(let t) = w else { throw fail("modifier-type", "|re needs a text pattern, first in the chain") }
                    return .value(.regex(t, ignoreCase: false, multiline: false, dotAll: false))
                }
            case .i, .m, .s:
                guard sawRegex else { throw fail("modifier-order", "|\(modifier) is a flag of |re and must follow it") }
                if modifier == .i { regexFlags.i = true }
                if modifier == .m { regexFlags.m = true }
                if modifier == .s { regexFlags.s = true }
            case .base64, .base64offset:
                raw = try Self.flatMap(raw) { (w) throws(RuleError) -> [Work] in
                    guard let s = Self.sigma(w), let plain = s.plainBytes else {
                        throw fail("modifier-type", "|\(modifier) needs values without wildcards")
                    }
                    if modifier == .base64 { return [.sigma(SigmaString(plain: Base64.encode(plain)))] }
                    return Base64.offsets(plain).map { .sigma(SigmaString(plain: $0)) }
                }
            case .utf16le, .wide, .utf16be, .utf16:
                raw = try raw.map { (w) throws(RuleError) -> Work in
                    guard let s = Self.sigma(w) else { throw fail("modifier-type", "|\(modifier) needs text values") }
                    return .sigma(s.mapLiterals { UTF16Encoding.encode($0, modifier) })
                }
            case .lt, .lte, .gt, .gte:
                let op = modifier.comparison!
                raw = try raw.map { (w) throws(RuleError) -> Work in
                    guard let n = Self.number(w) else { throw fail("modifier-type", "|\(modifier) needs a number") }
                    return .value(.compare(op, n, part: timePart))
                }
            case .minute, .hour, .day, .week, .month, .year:
                timePart = modifier.timePart
            case .cidr:
                raw = try raw.map { (w) throws(RuleError) -> Work in
                    guard case .text(let t) = w, let net = CIDRNetwork(t) else {
                        throw fail("bad-cidr", "|cidr value is not an IPv4/IPv6 network")
                    }
                    return .value(.cidr(net))
                }
            case .expand:
                raw = try Self.flatMap(raw) { (w) throws(RuleError) -> [Work] in
                    guard case .text(let t) = w else { return [w] }
                    return try expand(t, keyNode: keyNode).map { .text($0) }
                }
            case .fieldref:
                raw = try raw.map { (w) throws(RuleError) -> Work in
                    guard case .text(let t) = w else { throw fail("modifier-type", "|fieldref needs a field name") }
                    return .value(.fieldref(t, .equals, cased: false))
                }
            case .exists:
                raw = try raw.map { (w) throws(RuleError) -> Work in
                    guard case .bool(let b) = w else { throw fail("modifier-type", "|exists needs true or false") }
                    return .value(.exists(b))
                }
            }
            if raw.count > Self.maxValues { throw fail("too-many-values", "'\(key)' expands to more than \(Self.maxValues) values") }
        }
        if item.all && raw.count == 1 && item.field != nil {
            // The specification forbids `all` on one value; it is harmless, so it is accepted as written.
        }
        if let part = timePart, !modifiers.contains(where: { $0.comparison != nil }) {
            raw = try raw.map { (w) throws(RuleError) -> Work in
                guard let n = Self.number(w) else { throw fail("modifier-type", "|\(part) needs a number") }
                return .value(.compare(.eq, n, part: part))
            }
        }
        item.values = raw.map { w in
            switch w {
            case .text(let t): return .string(SigmaString(sigma: t), cased: cased)
            case .sigma(let s): return .string(s, cased: cased)
            case .number(let n): return .string(SigmaString(plain: Array(n.utf8)), cased: cased)
            case .bool(let b): return .string(SigmaString(plain: Array((b ? "true" : "false").utf8)), cased: cased)
            case .null: return .null
            case .value(.regex(let p, _, _, _)): return .regex(p, ignoreCase: regexFlags.i, multiline: regexFlags.m, dotAll: regexFlags.s)
            case .value(.fieldref(let f, let mode, _)): return .fieldref(f, mode, cased: cased)
            case .value(let v): return v
            }
        }
        return item
    }

    static func flatMap(_ values: [Work], _ transform: (Work) throws(RuleError) -> [Work]) throws(RuleError) -> [Work] {
        var out: [Work] = []
        for v in values { out += try transform(v) }
        return out
    }

    static func work(_ s: Node.Scalar) -> Work {
        guard s.style == .plain || s.style == .any else { return .text(s.string) }
        switch s.string {
        case "null", "Null", "NULL", "~", "": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let first = s.string.utf8.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
            Double(s.string) != nil || Int(s.string) != nil
        {
            return .number(s.string)
        }
        return .text(s.string)
    }

    static func sigma(_ w: Work) -> SigmaString? {
        switch w {
        case .text(let t): SigmaString(sigma: t)
        case .sigma(let s): s
        case .number(let n): SigmaString(plain: Array(n.utf8))
        case .bool(let b): SigmaString(plain: Array((b ? "true" : "false").utf8))
        default: nil
        }
    }

    static func number(_ w: Work) -> Double? {
        switch w {
        case .number(let n): Double(n)
        case .text(let t): Double(t)
        default: nil
        }
    }

    /// Replaces `%name%` placeholders with every combination of their values; `\%` is a plain percent.
    func expand(_ text: String, keyNode: Node) throws(RuleError) -> [String] {
        var results = [""]
        var chars = Array(text)
        var i = 0
        var literal = ""
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count, chars[i + 1] == "%" {
                literal.append("%")
                i += 2
                continue
            }
            if c == "%", let close = chars[(i + 1)...].firstIndex(of: "%") {
                let name = String(chars[(i + 1)..<close])
                guard let values = placeholders[name] ?? placeholders[name.lowercased()], !values.isEmpty else {
                    throw RuleError(
                        "placeholder-without-values",
                        "placeholder %\(name)% has no values (give them with --placeholders FILE)", at: keyNode)
                }
                results = results.flatMap { prefix in values.map { prefix + literal + $0 } }
                literal = ""
                i = close + 1
                continue
            }
            literal.append(c)
            i += 1
        }
        chars = []
        return results.map { $0 + literal }
    }
}

/// `|windash`: every `-` or `/` that starts a command-line flag may be written with any dash Windows accepts.
enum Windash {
    static let dashes: [[UInt8]] = [[0x2D], [0x2F], Array("\u{2013}".utf8), Array("\u{2014}".utf8), Array("\u{2015}".utf8)]
    static let maxPositions = 4

    static func isWord(_ c: UInt8?) -> Bool {
        guard let c else { return false }
        return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c >= 0x80
    }

    static func expand(_ s: SigmaString) -> [SigmaString] {
        var results: [[SigmaString.Part]] = [[]]
        var positions = 0
        for part in s.parts {
            guard case .literal(let bytes) = part else {
                results = results.map { $0 + [part] }
                continue
            }
            // Split the literal at flag dashes: no word character before, a word character after.
            var pieces: [[UInt8]] = [[]]
            var dashCount = 0
            for (k, c) in bytes.enumerated() {
                let before: UInt8? = k > 0 ? bytes[k - 1] : nil
                let after: UInt8? = k + 1 < bytes.count ? bytes[k + 1] : nil
                if (c == 0x2D || c == 0x2F) && !isWord(before) && isWord(after) && positions + dashCount < maxPositions {
                    dashCount += 1
                    pieces.append([])
                } else {
                    pieces[pieces.count - 1].append(c)
                }
            }
            positions += dashCount
            var variants: [[UInt8]] = [pieces[0]]
            for piece in pieces.dropFirst() {
                variants = variants.flatMap { v in dashes.map { v + $0 + piece } }
            }
            results = results.flatMap { r in variants.map { r + [.literal($0)] } }
        }
        return results.map { SigmaString(parts: $0) }
    }
}

enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i + 3 <= input.count {
            let v = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], alphabet[Int(v & 63)]]
            i += 3
        }
        let rest = input.count - i
        if rest == 1 {
            let v = UInt32(input[i]) << 16
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], 0x3D, 0x3D]
        } else if rest == 2 {
            let v = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], 0x3D]
        }
        return out
    }

    /// The three encodings of `value` shifted by 0, 1 and 2 bytes, trimmed to the characters that do not
    /// depend on the surrounding bytes: what is seen when `value` sits anywhere inside encoded data.
    static func offsets(_ value: [UInt8]) -> [[UInt8]] {
        let startTrim = [0, 2, 3]
        let endTrim = [0, 3, 2]  // indexed by (count + shift) % 3
        var out: [[UInt8]] = []
        for shift in 0..<3 {
            let encoded = encode(Array(repeating: 0x20, count: shift) + value)
            let end = encoded.count - endTrim[(value.count + shift) % 3]
            let start = startTrim[shift]
            out.append(start < end ? Array(encoded[start..<end]) : [])
        }
        return out
    }
}

enum UTF16Encoding {
    static func encode(_ utf8: [UInt8], _ modifier: Modifier) -> [UInt8] {
        var out: [UInt8] = []
        if modifier == .utf16 { out += [0xFF, 0xFE] }
        for unit in String(decoding: utf8, as: UTF8.self).utf16 {
            if modifier == .utf16be {
                out += [UInt8(unit >> 8), UInt8(unit & 0xFF)]
            } else {
                out += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
            }
        }
        return out
    }
}
