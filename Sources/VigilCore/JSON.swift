// A fast JSON reader over bytes. Parsing fills a flat tape of nodes that point back into the input;
// strings are decoded only when asked for. One tape can be reused for many documents (NDJSON, the
// objects of a STIX bundle) so that the hot path allocates nothing per document.

public enum JSONKind: UInt8, Sendable {
    case null, bool, number, string, array, object
}

/// One node of the tape. Containers are followed by their children; `next` is the index after the subtree.
public struct JSONNode: Sendable {
    public var kind: JSONKind
    /// Strings: contains a backslash escape. Bools: the value.
    public var flag: Bool
    /// Strings: offset after the opening quote. Numbers: first byte. Containers: offset of the bracket.
    public var start: UInt32
    /// Strings: offset of the closing quote. Numbers: one past the last byte. Containers: one past the closing bracket.
    public var end: UInt32
    /// Index of the node after this one's subtree.
    public var next: UInt32
    /// Containers: number of elements (objects: number of members).
    public var count: UInt32
}

public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "\(reason) at byte \(offset)" }

    /// A diagnostic with line and column computed from the offset.
    public func diagnostic(file: String, bytes: UnsafeRawBufferPointer, baseLine: Int = 1) -> Diagnostic {
        var line = baseLine
        var lineStart = 0
        let limit = min(offset, bytes.count)
        var i = 0
        while i < limit {
            if bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
        return Diagnostic(
            SourceLocation(file: file, line: line, column: limit - lineStart + 1, offset: offset), code: "json-syntax",
            "invalid JSON: \(reason)")
    }
}

/// Parsed nodes of one JSON value. Reuse one tape across documents with `parse(_:from:)`.
public struct JSONTape: Sendable {
    public var nodes: [JSONNode] = []
    public static let maxDepth = 512

    public init() { nodes.reserveCapacity(256) }

    /// Parses one JSON value starting at `offset` (leading whitespace allowed).
    /// Returns the offset just past the value. Replaces the tape's previous content.
    @discardableResult
    public mutating func parse(_ bytes: UnsafeRawBufferPointer, from offset: Int = 0) throws(JSONSyntaxError) -> Int {
        nodes.removeAll(keepingCapacity: true)
        guard bytes.count < Int(UInt32.max) else { throw JSONSyntaxError(offset: 0, reason: "input larger than 4 GiB") }
        var parser = JSONScanner(bytes: bytes, position: offset)
        try parser.value(into: &nodes, depth: 0)
        return parser.position
    }

    /// Parses a whole buffer holding exactly one value (trailing whitespace allowed).
    public mutating func parseDocument(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) {
        let end = try parse(bytes, from: 0)
        let rest = JSONScanner.skipWhitespace(bytes, end)
        if rest < bytes.count { throw JSONSyntaxError(offset: rest, reason: "unexpected data after the JSON value") }
    }
}

/// The recursive-descent scanner behind `JSONTape`.
public struct JSONScanner {
    public let bytes: UnsafeRawBufferPointer
    public var position: Int

    public init(bytes: UnsafeRawBufferPointer, position: Int) {
        self.bytes = bytes
        self.position = position
    }

    @inline(__always)
    public static func skipWhitespace(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var i = start
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
        }
        return i
    }

    @inline(__always)
    public mutating func skipWhitespace() { position = Self.skipWhitespace(bytes, position) }

    public func fail(_ reason: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(offset: offset ?? position, reason: reason)
    }

    mutating func value(into nodes: inout [JSONNode], depth: Int) throws(JSONSyntaxError) {
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end of input") }
        let c = bytes[position]
        switch c {
        case UInt8(ascii: "\""):
            try string(into: &nodes)
        case UInt8(ascii: "{"):
            guard depth < JSONTape.maxDepth else { throw fail("nesting deeper than \(JSONTape.maxDepth)") }
            try object(into: &nodes, depth: depth + 1)
        case UInt8(ascii: "["):
            guard depth < JSONTape.maxDepth else { throw fail("nesting deeper than \(JSONTape.maxDepth)") }
            try array(into: &nodes, depth: depth + 1)
        case UInt8(ascii: "t"):
            try literal("true", kind: .bool, flag: true, into: &nodes)
        case UInt8(ascii: "f"):
            try literal("false", kind: .bool, flag: false, into: &nodes)
        case UInt8(ascii: "n"):
            try literal("null", kind: .null, flag: false, into: &nodes)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number(into: &nodes)
        default:
            throw fail("unexpected character \(Self.describe(c))")
        }
    }

    static func describe(_ c: UInt8) -> String {
        if c >= 0x20 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x" + String(c, radix: 16)
    }

    @inline(__always)
    mutating func literal(_ word: StaticString, kind: JSONKind, flag: Bool, into nodes: inout [JSONNode]) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        guard position + n <= bytes.count else { throw fail("unexpected end of input") }
        let p = word.utf8Start
        for k in 0..<n where bytes[position + k] != p[k] { throw fail("invalid literal") }
        let start = UInt32(position)
        position += n
        nodes.append(JSONNode(kind: kind, flag: flag, start: start, end: UInt32(position), next: UInt32(nodes.count + 1), count: 0))
    }

    mutating func number(into nodes: inout [JSONNode]) throws(JSONSyntaxError) {
        let start = position
        var i = position
        let n = bytes.count
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let first = i
        while i < n, bytes[i] &- 0x30 < 10 { i += 1 }
        guard i > first else { throw fail("invalid number", at: start) }
        if bytes[first] == UInt8(ascii: "0") && i - first > 1 { throw fail("number with a leading zero", at: start) }
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            var frac = 0
            while i < n, bytes[i] &- 0x30 < 10 {
                i += 1
                frac += 1
            }
            guard frac > 0 else { throw fail("invalid number", at: start) }
        }
        if i < n, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            var exp = 0
            while i < n, bytes[i] &- 0x30 < 10 {
                i += 1
                exp += 1
            }
            guard exp > 0 else { throw fail("invalid number", at: start) }
        }
        position = i
        nodes.append(JSONNode(kind: .number, flag: false, start: UInt32(start), end: UInt32(i), next: UInt32(nodes.count + 1), count: 0))
    }

    @inline(__always)
    public mutating func string(into nodes: inout [JSONNode]) throws(JSONSyntaxError) {
        // position is at the opening quote
        let start = position + 1
        var i = start
        let n = bytes.count
        var escaped = false
        while true {
            guard i < n else { throw fail("unterminated string", at: start - 1) }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                escaped = true
                // `\\` and `\"` (Windows paths, quoted command lines) stay inline; the others are checked apart.
                if i + 1 < n, bytes[i + 1] == UInt8(ascii: "\\") || bytes[i + 1] == UInt8(ascii: "\"") {
                    i += 2
                } else {
                    i = try escape(at: i)
                }
                continue
            }
            if c < 0x20 { throw fail("control character in string", at: i) }
            i += 1
        }
        position = i + 1
        nodes.append(JSONNode(kind: .string, flag: escaped, start: UInt32(start), end: UInt32(i), next: UInt32(nodes.count + 1), count: 0))
    }

    /// Checks the escape at `i` (a backslash) and returns the offset after it. Off the hot path: only strings
    /// with a backslash come here, once per escape.
    @inline(never)
    func escape(at i: Int) throws(JSONSyntaxError) -> Int {
        // A backslash ending the input: the caller reports the unterminated string.
        guard i + 1 < bytes.count else { return i + 2 }
        switch bytes[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
            UInt8(ascii: "r"), UInt8(ascii: "t"):
            return i + 2
        case UInt8(ascii: "u"):
            guard i + 6 <= bytes.count else { throw fail("unterminated \\u escape", at: i) }
            for k in i + 2..<i + 6 {
                let h = bytes[k]
                guard h &- 0x30 < 10 || (h | 0x20) &- 0x61 < 6 else { throw fail("invalid \\u escape (four hex digits)", at: i) }
            }
            return i + 6
        default:
            throw fail("invalid escape '\\' followed by \(Self.describe(bytes[i + 1]))", at: i)
        }
    }

    mutating func array(into nodes: inout [JSONNode], depth: Int) throws(JSONSyntaxError) {
        let index = nodes.count
        nodes.append(JSONNode(kind: .array, flag: false, start: UInt32(position), end: 0, next: 0, count: 0))
        position += 1
        skipWhitespace()
        var count: UInt32 = 0
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                try value(into: &nodes, depth: depth)
                count += 1
                skipWhitespace()
                guard position < bytes.count else { throw fail("unterminated array") }
                let c = bytes[position]
                position += 1
                if c == UInt8(ascii: ",") { continue }
                if c == UInt8(ascii: "]") { break }
                throw fail("expected ',' or ']' in array", at: position - 1)
            }
        }
        nodes[index].end = UInt32(position)
        nodes[index].next = UInt32(nodes.count)
        nodes[index].count = count
    }

    mutating func object(into nodes: inout [JSONNode], depth: Int) throws(JSONSyntaxError) {
        let index = nodes.count
        nodes.append(JSONNode(kind: .object, flag: false, start: UInt32(position), end: 0, next: 0, count: 0))
        position += 1
        skipWhitespace()
        var count: UInt32 = 0
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                guard position < bytes.count else { throw fail("unterminated object") }
                guard bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a string key in object") }
                try string(into: &nodes)
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
                position += 1
                try value(into: &nodes, depth: depth)
                count += 1
                skipWhitespace()
                guard position < bytes.count else { throw fail("unterminated object") }
                let c = bytes[position]
                position += 1
                if c == UInt8(ascii: ",") { continue }
                if c == UInt8(ascii: "}") { break }
                throw fail("expected ',' or '}' in object", at: position - 1)
            }
        }
        nodes[index].end = UInt32(position)
        nodes[index].next = UInt32(nodes.count)
        nodes[index].count = count
    }
}

/// Read access to a parsed tape over its input bytes. Valid only while both are alive and unchanged.
public struct JSONView {
    public let tape: UnsafeBufferPointer<JSONNode>
    public let bytes: UnsafeRawBufferPointer

    public init(tape: UnsafeBufferPointer<JSONNode>, bytes: UnsafeRawBufferPointer) {
        self.tape = tape
        self.bytes = bytes
    }

    @inline(__always) public func kind(_ i: Int) -> JSONKind { tape[i].kind }

    /// Raw (still escaped) bytes of a string node, or the text of a number.
    @inline(__always) public func raw(_ i: Int) -> UnsafeRawBufferPointer {
        let node = tape[i]
        return UnsafeRawBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)])
    }

    /// Compares a string node's raw bytes with an ASCII key (keys with escapes never match).
    @inline(__always) public func stringEquals(_ i: Int, _ key: StaticString) -> Bool {
        let node = tape[i]
        let n = key.utf8CodeUnitCount
        guard Int(node.end - node.start) == n, !node.flag else { return false }
        return memcmp(bytes.baseAddress! + Int(node.start), key.utf8Start, n) == 0
    }

    @inline(__always) public func stringEquals(_ i: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let node = tape[i]
        guard Int(node.end - node.start) == key.count, !node.flag else { return false }
        return key.isEmpty || memcmp(bytes.baseAddress! + Int(node.start), key.baseAddress!, key.count) == 0
    }

    /// Index of the member value for `key` in the object at `i`, or nil.
    @inline(__always) public func member(_ i: Int, _ key: StaticString) -> Int? {
        guard tape[i].kind == .object else { return nil }
        var k = i + 1
        let end = Int(tape[i].next)
        while k < end {
            let v = k + 1
            if stringEquals(k, key) { return v }
            k = Int(tape[v].next)
        }
        return nil
    }

    /// Calls `body(keyIndex, valueIndex)` for each member of the object at `i`.
    @inline(__always) public func forEachMember(_ i: Int, _ body: (Int, Int) throws -> Void) rethrows {
        guard tape[i].kind == .object else { return }
        var k = i + 1
        let end = Int(tape[i].next)
        while k < end {
            let v = k + 1
            try body(k, v)
            k = Int(tape[v].next)
        }
    }

    /// Calls `body(elementIndex)` for each element of the array at `i`.
    @inline(__always) public func forEachElement(_ i: Int, _ body: (Int) throws -> Void) rethrows {
        guard tape[i].kind == .array else { return }
        var k = i + 1
        let end = Int(tape[i].next)
        while k < end {
            try body(k)
            k = Int(tape[k].next)
        }
    }

    /// The decoded string at `i`, or nil when it is not a string.
    public func string(_ i: Int) -> String? {
        let node = tape[i]
        guard node.kind == .string else { return nil }
        let raw = self.raw(i)
        if !node.flag { return String(decoding: raw, as: UTF8.self) }
        return JSONString.unescape(raw)
    }

    public func bool(_ i: Int) -> Bool? { tape[i].kind == .bool ? tape[i].flag : nil }

    public func int(_ i: Int) -> Int? {
        guard tape[i].kind == .number else { return nil }
        return Int(String(decoding: raw(i), as: UTF8.self))
    }

    public func double(_ i: Int) -> Double? {
        guard tape[i].kind == .number else { return nil }
        return Double(String(decoding: raw(i), as: UTF8.self))
    }

    /// The strings of an array (non-strings skipped), or of a lone string.
    public func strings(_ i: Int) -> [String] {
        if tape[i].kind == .string { return [string(i)!] }
        var result: [String] = []
        result.reserveCapacity(Int(tape[i].count))
        forEachElement(i) { e in if let s = string(e) { result.append(s) } }
        return result
    }
}

public enum JSONString {
    /// Decodes backslash escapes (including \u surrogate pairs); invalid escapes are kept literally.
    public static func unescape(_ raw: UnsafeRawBufferPointer) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        unescape(raw, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the decoded bytes of `raw` to `out`: lets a hot loop reuse one buffer instead of making Strings.
    public static func unescape(_ raw: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var i = 0
        let n = raw.count
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= n else { return nil }
            var v: UInt32 = 0
            for k in 0..<4 {
                let c = raw[at + k]
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x41...0x46: d = c - 0x41 + 10
                case 0x61...0x66: d = c - 0x61 + 10
                default: return nil
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }
        func appendScalar(_ v: UInt32) {
            let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
        guard let base = raw.baseAddress else { return }
        while i < n {
            // The run up to the next backslash goes in one copy: appending byte by byte was most of the time a
            // text search spent on escaped values.
            let stop = memchr(base + i, Int32(UInt8(ascii: "\\")), n - i).map { UnsafeRawPointer($0) - base } ?? n
            if stop > i { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[i..<stop])) }
            i = stop
            guard i < n else { break }
            if i + 1 >= n {
                out.append(raw[i])
                break
            }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard let v = hex4(i) else {
                    out.append(contentsOf: [UInt8(ascii: "\\"), e])
                    continue
                }
                i += 4
                if v >= 0xD800 && v < 0xDC00, i + 6 <= n, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                    let low = hex4(i + 2), low >= 0xDC00 && low < 0xE000
                {
                    i += 6
                    appendScalar(0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00))
                } else {
                    appendScalar(v)
                }
            default: out.append(e)  // \" \\ \/ and anything else
            }
        }
    }

    /// `text` as a JSON string literal, with quotes.
    public static func quoted(_ text: String) -> String {
        var out = ""
        appendQuoted(text, to: &out)
        return out
    }

    /// How control characters other than `\n`, `\r` and `\t` are written.
    public enum QuoteStyle: Sendable {
        /// `\u00xx`, lower-case hex.
        case standard
        /// As DuckDB (yyjson) writes them: `\b` and `\f`, the others `\u00XX` in capitals.
        case duckDB
    }

    /// Appends `text` as a JSON string literal (with quotes) to `out`. Runs of bytes that need no escape are
    /// appended whole (a detection's fields can be long PowerShell script blocks: one append per run, not per
    /// character).
    public static func appendQuoted(_ text: String, to out: inout String, style: QuoteStyle = .standard) {
        var text = text
        text.withUTF8 { bytes in
            out.append("\"")
            var start = 0
            func flush(_ end: Int) {
                if start < end { out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)) }
            }
            for i in 0..<bytes.count {
                let b = bytes[i]
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                flush(i)
                start = i + 1
                switch b {
                case 0x22: out.append("\\\"")
                case 0x5C: out.append("\\\\")
                case 0x0A: out.append("\\n")
                case 0x0D: out.append("\\r")
                case 0x09: out.append("\\t")
                case 0x08 where style == .duckDB: out.append("\\b")
                case 0x0C where style == .duckDB: out.append("\\f")
                default:
                    let hex = String(b, radix: 16, uppercase: style == .duckDB)
                    out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                }
            }
            flush(bytes.count)
            out.append("\"")
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
