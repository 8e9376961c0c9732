// A small TOML 1.0 reader for the rule repositories written in TOML (Elastic detection-rules, Endgame EQL
// analytics): tables, arrays of tables, every string form, arrays, inline tables; errors carry line and column.
// Written here rather than taken from TOMLKit, whose C++ core costs CI more build time than the whole module.

import VigilCore

/// A TOML table. A class, so that headers such as `[[rule.threat.technique]]` can reopen a table already
/// linked into its parent while the document is being read.
final class TOMLTable {
    private(set) var keys: [String] = []
    private(set) var values: [String: TOMLValue] = [:]
    /// The line that opened the table (its header, or the key that created it).
    let line: Int
    /// Opened by its own `[header]`: a second header for it is an error.
    fileprivate var hasHeader = false
    /// Created by a dotted key (`a.b = 1`): a later `[a]` header may not reopen it.
    fileprivate var fromDottedKey = false
    /// An inline table `{ … }` is complete once written.
    fileprivate var isInline = false

    init(line: Int) { self.line = line }

    subscript(key: String) -> TOMLValue? { values[key] }

    fileprivate func set(_ key: String, _ value: TOMLValue) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }

    /// The value at a dotted path of bare keys, e.g. `metadata.maturity`.
    func value(at path: String) -> TOMLValue? {
        var table = self
        let parts = path.split(separator: ".")
        for part in parts.dropLast() {
            guard case .table(let next)? = table.values[String(part)] else { return nil }
            table = next
        }
        return parts.last.flatMap { table.values[String($0)] }
    }

    func string(_ path: String) -> String? { value(at: path)?.string }
    func strings(_ path: String) -> [String] { value(at: path)?.strings ?? [] }
    func tables(_ path: String) -> [TOMLTable] { value(at: path)?.tables ?? [] }
    func table(_ path: String) -> TOMLTable? {
        if case .table(let table)? = value(at: path) { return table }
        return nil
    }
}

/// An array of tables (`[[name]]`), kept apart from value arrays because only it may grow by header.
final class TOMLTableArray {
    fileprivate(set) var tables: [TOMLTable] = []
}

enum TOMLValue {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// Offset/local date-times, dates and times, kept as written: no rule field needs them as dates.
    case datetime(String)
    case array([TOMLValue])
    case table(TOMLTable)
    case tableArray(TOMLTableArray)

    var string: String? {
        switch self {
        case .string(let text), .datetime(let text): text
        case .integer(let value): String(value)
        case .float(let value): String(value)
        case .boolean(let value): String(value)
        default: nil
        }
    }

    /// A string, or the strings of an array (repositories write both `integration = "aws"` and `["aws"]`).
    var strings: [String] {
        switch self {
        case .array(let items): items.compactMap(\.string)
        case .table, .tableArray: []
        default: string.map { [$0] } ?? []
        }
    }

    var tables: [TOMLTable] {
        switch self {
        case .table(let table): [table]
        case .tableArray(let array): array.tables
        case .array(let items):
            items.compactMap {
                if case .table(let table) = $0 { return table }
                return nil
            }
        default: []
        }
    }

    var integer: Int? {
        switch self {
        case .integer(let value): value
        case .float(let value): Int(exactly: value.rounded())
        case .string(let text): Int(text)
        default: nil
        }
    }
}

enum TOMLDocument {
    /// Reads a whole document. The first syntax error ends the reading and is thrown with its place.
    static func parse(_ bytes: [UInt8], file: String) throws(Diagnostic) -> TOMLTable {
        var parser = TOMLParser(bytes: bytes, file: file)
        return try parser.parseDocument()
    }
}

private struct TOMLParser {
    let bytes: [UInt8]
    let file: String
    var pos = 0
    var line = 1
    var lineStart = 0
    let root: TOMLTable
    var current: TOMLTable

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
        root = TOMLTable(line: 1)
        current = root
    }

    // MARK: Errors and positions

    func error(_ message: String, code: String = "toml-syntax", line: Int? = nil, column: Int? = nil) -> Diagnostic {
        Diagnostic(
            SourceLocation(file: file, line: line ?? self.line, column: column ?? (pos - lineStart + 1)), code: code, message)
    }

    var atEnd: Bool { pos >= bytes.count }
    func peek(_ ahead: Int = 0) -> UInt8? { pos + ahead < bytes.count ? bytes[pos + ahead] : nil }

    /// Consumes a line feed at `pos`, keeping line and column right.
    mutating func consumeNewline() {
        pos += 1
        line += 1
        lineStart = pos
    }

    mutating func skipSpaces() {
        while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x09 { pos += 1 }
    }

    mutating func skipComment() {
        guard peek() == UInt8(ascii: "#") else { return }
        while pos < bytes.count, bytes[pos] != 0x0A { pos += 1 }
    }

    /// Blank lines, comments and indentation between statements or array items.
    mutating func skipBlank() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0D: pos += 1
            case 0x0A: consumeNewline()
            case UInt8(ascii: "#"): skipComment()
            default: return
            }
        }
    }

    mutating func expectLineEnd() throws(Diagnostic) {
        skipSpaces()
        skipComment()
        if peek() == 0x0D, peek(1) == 0x0A { pos += 1 }
        guard let byte = peek() else { return }
        guard byte == 0x0A else { throw error("expected the end of the line after a value, found '\(Self.describe(byte))'") }
        consumeNewline()
    }

    static func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
    }

    /// The whole file must be UTF-8, and no control character other than tab and line ends may appear
    /// anywhere in it, inside strings and comments included (TOML 1.0): one pass before reading.
    func checkText() throws(Diagnostic) {
        var line = 1
        var lineStart = 0
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if c == 0x0A {
                line += 1
                lineStart = i + 1
            } else if (c < 0x20 && c != 0x09 && !(c == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A)) || c == 0x7F {
                throw error(
                    "control character \(Self.describe(c)) (write it as an escape in a basic string)", code: "toml-control",
                    line: line, column: i - lineStart + 1)
            } else if c >= 0x80 {
                // One code point at a time: enough to place the first bad byte.
                let length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2
                guard i + length <= n, String(validating: bytes[i..<(i + length)], as: UTF8.self) != nil else {
                    throw error("not UTF-8 (byte 0x\(String(c, radix: 16)))", code: "toml-encoding", line: line, column: i - lineStart + 1)
                }
                i += length
                continue
            }
            i += 1
        }
    }

    // MARK: Statements

    mutating func parseDocument() throws(Diagnostic) -> TOMLTable {
        try checkText()
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
        while true {
            skipBlank()
            guard !atEnd else { break }
            if bytes[pos] == UInt8(ascii: "[") {
                try parseHeader()
            } else {
                try parseKeyValue(into: current)
            }
            try expectLineEnd()
        }
        return root
    }

    mutating func parseHeader() throws(Diagnostic) {
        let headerLine = line
        let isArray = peek(1) == UInt8(ascii: "[")
        pos += isArray ? 2 : 1
        skipSpaces()
        let keys = try parseKey()
        skipSpaces()
        guard peek() == UInt8(ascii: "]"), !isArray || peek(1) == UInt8(ascii: "]") else {
            throw error("expected '\(isArray ? "]]" : "]")' to close the table header")
        }
        pos += isArray ? 2 : 1
        let name = keys.joined(separator: ".")
        var table = root
        for key in keys.dropLast() {
            switch table[key] {
            case nil:
                let created = TOMLTable(line: headerLine)
                table.set(key, .table(created))
                table = created
            case .table(let next):
                guard !next.isInline else { throw error("[\(name)] extends inline table '\(key)'", line: headerLine, column: 1) }
                table = next
            case .tableArray(let array):
                table = array.tables[array.tables.count - 1]
            default:
                throw error("[\(name)]: '\(key)' is already a value, not a table", line: headerLine, column: 1)
            }
        }
        let last = keys[keys.count - 1]
        if isArray {
            let created = TOMLTable(line: headerLine)
            created.hasHeader = true
            switch table[last] {
            case nil:
                let array = TOMLTableArray()
                array.tables.append(created)
                table.set(last, .tableArray(array))
            case .tableArray(let array):
                array.tables.append(created)
            default:
                throw error("[[\(name)]]: '\(last)' is already defined and is not an array of tables", line: headerLine, column: 1)
            }
            current = created
        } else {
            switch table[last] {
            case nil:
                let created = TOMLTable(line: headerLine)
                created.hasHeader = true
                table.set(last, .table(created))
                current = created
            case .table(let existing) where !existing.hasHeader && !existing.fromDottedKey && !existing.isInline:
                existing.hasHeader = true
                current = existing
            default:
                throw error("table [\(name)] is defined twice", code: "toml-duplicate", line: headerLine, column: 1)
            }
        }
    }

    mutating func parseKeyValue(into target: TOMLTable) throws(Diagnostic) {
        let keyLine = line
        let keyColumn = pos - lineStart + 1
        let keys = try parseKey()
        skipSpaces()
        guard peek() == UInt8(ascii: "=") else {
            throw error("expected '=' after the key '\(keys.joined(separator: "."))'")
        }
        pos += 1
        skipSpaces()
        let value = try parseValue()
        var table = target
        for key in keys.dropLast() {
            switch table[key] {
            case nil:
                let created = TOMLTable(line: keyLine)
                created.fromDottedKey = true
                table.set(key, .table(created))
                table = created
            case .table(let next) where next.fromDottedKey && !next.isInline:
                table = next
            default:
                throw error(
                    "'\(keys.joined(separator: "."))': '\(key)' is already defined", code: "toml-duplicate", line: keyLine,
                    column: keyColumn)
            }
        }
        let last = keys[keys.count - 1]
        guard table[last] == nil else {
            throw error("duplicate key '\(keys.joined(separator: "."))'", code: "toml-duplicate", line: keyLine, column: keyColumn)
        }
        table.set(last, value)
    }

    /// A key: bare, quoted or dotted (`a."b c".d`).
    mutating func parseKey() throws(Diagnostic) -> [String] {
        var keys: [String] = []
        while true {
            skipSpaces()
            guard let byte = peek() else { throw error("expected a key, found the end of the file") }
            if byte == UInt8(ascii: "\"") {
                keys.append(try parseBasicString())
            } else if byte == UInt8(ascii: "'") {
                keys.append(try parseLiteralString())
            } else {
                let start = pos
                while let c = peek(), Self.isBareKey(c) { pos += 1 }
                guard pos > start else { throw error("expected a key, found '\(Self.describe(byte))'") }
                keys.append(String(decoding: bytes[start..<pos], as: UTF8.self))
            }
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return keys }
            pos += 1
        }
    }

    static func isBareKey(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
    }

    // MARK: Values

    mutating func parseValue() throws(Diagnostic) -> TOMLValue {
        guard let byte = peek() else { throw error("expected a value, found the end of the file") }
        switch byte {
        case UInt8(ascii: "\""):
            if peek(1) == byte, peek(2) == byte { return .string(try parseMultilineString(escapes: true)) }
            return .string(try parseBasicString())
        case UInt8(ascii: "'"):
            if peek(1) == byte, peek(2) == byte { return .string(try parseMultilineString(escapes: false)) }
            return .string(try parseLiteralString())
        case UInt8(ascii: "["):
            return try parseArray()
        case UInt8(ascii: "{"):
            return try parseInlineTable()
        default:
            return try parseScalar()
        }
    }

    mutating func parseArray() throws(Diagnostic) -> TOMLValue {
        let openLine = line
        pos += 1
        var items: [TOMLValue] = []
        while true {
            skipBlank()
            guard let byte = peek() else { throw error("array opened on line \(openLine) is not closed") }
            if byte == UInt8(ascii: "]") {
                pos += 1
                return .array(items)
            }
            items.append(try parseValue())
            skipBlank()
            switch peek() {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "]"): continue
            case nil: throw error("array opened on line \(openLine) is not closed")
            case let other?: throw error("expected ',' or ']' in an array, found '\(Self.describe(other))'")
            }
        }
    }

    mutating func parseInlineTable() throws(Diagnostic) -> TOMLValue {
        let table = TOMLTable(line: line)
        pos += 1
        // TOML 1.0 wants an inline table on one line, without comments (1.1 allows newlines); no rule file
        // needs more, and a newline here is far more often a missing `}`.
        skipSpaces()
        if peek() == UInt8(ascii: "}") {
            pos += 1
            table.isInline = true
            return .table(table)
        }
        while true {
            skipSpaces()
            try parseKeyValue(into: table)
            skipSpaces()
            switch peek() {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "}"):
                pos += 1
                table.isInline = true
                return .table(table)
            case nil, 0x0A, 0x0D, UInt8(ascii: "#"): throw error("inline table opened on line \(table.line) is not closed on its line")
            case let other?: throw error("expected ',' or '}' in an inline table, found '\(Self.describe(other))'")
            }
        }
    }

    /// Booleans, numbers and date-times: read the token, then decide what it is.
    mutating func parseScalar() throws(Diagnostic) -> TOMLValue {
        let start = pos
        let column = pos - lineStart + 1
        while let c = peek(), Self.isScalarByte(c) { pos += 1 }
        // A date and a time may be separated by one space (`1979-05-27 07:32:00`).
        if pos - start == 10, bytes[start + 4] == UInt8(ascii: "-"), peek() == 0x20, let next = peek(1),
            next >= 0x30 && next <= 0x39
        {
            pos += 1
            while let c = peek(), Self.isScalarByte(c) { pos += 1 }
        }
        guard pos > start else { throw error("expected a value, found '\(Self.describe(bytes[start]))'") }
        let token = String(decoding: bytes[start..<pos], as: UTF8.self)
        switch token {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        let utf8 = Array(token.utf8)
        if utf8.count >= 5, utf8[4] == UInt8(ascii: "-") || utf8[2] == UInt8(ascii: ":") {
            guard TOMLDatetime(token) != nil else {
                throw error("invalid date or time '\(token)'", line: line, column: column)
            }
            return .datetime(token)
        }
        if let value = Self.integer(utf8) { return .integer(value) }
        if let value = Self.float(utf8) { return .float(value) }
        throw error("invalid value '\(token)' (strings need quotes; numbers as TOML writes them)", line: line, column: column)
    }

    /// Digits with single underscores between them (`1_000`), in `radix`; nil when malformed.
    static func digits(_ text: ArraySlice<UInt8>, radix: Int) -> [UInt8]? {
        guard let first = text.first, let last = text.last, first != UInt8(ascii: "_"), last != UInt8(ascii: "_") else {
            return nil
        }
        var out: [UInt8] = []
        var previous: UInt8 = 0
        for c in text {
            if c == UInt8(ascii: "_") {
                guard previous != UInt8(ascii: "_") else { return nil }
            } else {
                guard let d = Int(String(UnicodeScalar(c)), radix: radix), d < radix else { return nil }
                out.append(c)
            }
            previous = c
        }
        return out
    }

    /// A TOML integer: decimal without leading zeros, or `0x`/`0o`/`0b` without a sign; 64-bit.
    static func integer(_ token: [UInt8]) -> Int? {
        if token.count > 2, token[0] == UInt8(ascii: "0") {
            let radix: Int
            switch token[1] {
            case UInt8(ascii: "x"): radix = 16
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "b"): radix = 2
            default: return nil
            }
            guard let d = digits(token[2...], radix: radix) else { return nil }
            return Int(String(decoding: d, as: UTF8.self), radix: radix)
        }
        let signed = token.first == UInt8(ascii: "+") || token.first == UInt8(ascii: "-")
        let body = token[(signed ? 1 : 0)...]
        guard let d = digits(body, radix: 10), d.count == 1 || d[0] != UInt8(ascii: "0") else { return nil }
        return Int((token.first == UInt8(ascii: "-") ? "-" : "") + String(decoding: d, as: UTF8.self))
    }

    /// A TOML float: an integer part as for integers, then a fraction, an exponent or both.
    static func float(_ token: [UInt8]) -> Double? {
        let signed = token.first == UInt8(ascii: "+") || token.first == UInt8(ascii: "-")
        var text = token.first == UInt8(ascii: "-") ? "-" : ""
        let body = token[(signed ? 1 : 0)...]
        let exponentAt = body.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        let mantissa = body[..<(exponentAt ?? body.endIndex)]
        let dot = mantissa.firstIndex(of: UInt8(ascii: "."))
        guard dot != nil || exponentAt != nil else { return nil }
        guard let whole = digits(mantissa[..<(dot ?? mantissa.endIndex)], radix: 10), whole.count == 1 || whole[0] != 0x30 else {
            return nil
        }
        text += String(decoding: whole, as: UTF8.self)
        if let dot {
            guard let fraction = digits(mantissa[(dot + 1)...], radix: 10) else { return nil }
            text += "." + String(decoding: fraction, as: UTF8.self)
        }
        if let exponentAt {
            var exponent = body[(exponentAt + 1)...]
            var sign = ""
            if let first = exponent.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
                sign = first == UInt8(ascii: "-") ? "-" : ""
                exponent = exponent.dropFirst()
            }
            guard let e = digits(exponent, radix: 10) else { return nil }
            text += "e" + sign + String(decoding: e, as: UTF8.self)
        }
        return Double(text)
    }

    static func isScalarByte(_ c: UInt8) -> Bool {
        isBareKey(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")
    }

    // MARK: Strings

    mutating func parseLiteralString() throws(Diagnostic) -> String {
        let startLine = line
        let startColumn = pos - lineStart + 1
        pos += 1
        let start = pos
        while let c = peek() {
            if c == UInt8(ascii: "'") {
                pos += 1
                return String(decoding: bytes[start..<(pos - 1)], as: UTF8.self)
            }
            if c == 0x0A { break }
            pos += 1
        }
        throw error("literal string is not closed on its line", line: startLine, column: startColumn)
    }

    mutating func parseBasicString() throws(Diagnostic) -> String {
        let startLine = line
        let startColumn = pos - lineStart + 1
        pos += 1
        var text: [UInt8] = []
        var runStart = pos
        while let c = peek() {
            if c == UInt8(ascii: "\"") {
                text.append(contentsOf: bytes[runStart..<pos])
                pos += 1
                return String(decoding: text, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                text.append(contentsOf: bytes[runStart..<pos])
                try parseEscape(into: &text)
                runStart = pos
                continue
            }
            if c == 0x0A { break }
            pos += 1
        }
        throw error("string is not closed on its line", line: startLine, column: startColumn)
    }

    /// `"""…"""` or `'''…'''`. Up to two quotes may sit right before the closing three.
    mutating func parseMultilineString(escapes: Bool) throws(Diagnostic) -> String {
        let startLine = line
        let startColumn = pos - lineStart + 1
        let quote = bytes[pos]
        pos += 3
        // A newline right after the opening delimiter is not part of the string.
        if peek() == 0x0D, peek(1) == 0x0A { pos += 1 }
        if peek() == 0x0A { consumeNewline() }
        var text: [UInt8] = []
        var runStart = pos
        while let c = peek() {
            if c == quote, peek(1) == quote, peek(2) == quote {
                var run = 3
                while peek(run) == quote, run < 5 { run += 1 }
                text.append(contentsOf: bytes[runStart..<(pos + run - 3)])
                pos += run
                return String(decoding: text, as: UTF8.self)
            }
            if c == 0x0A {
                consumeNewline()
                continue
            }
            if escapes, c == UInt8(ascii: "\\") {
                text.append(contentsOf: bytes[runStart..<pos])
                if isLineEndingBackslash() {
                    // A backslash ending a line joins it to the next, trimming the whitespace between.
                    pos += 1
                    while let w = peek(), w == 0x20 || w == 0x09 || w == 0x0D || w == 0x0A {
                        if w == 0x0A { consumeNewline() } else { pos += 1 }
                    }
                } else {
                    try parseEscape(into: &text)
                }
                runStart = pos
                continue
            }
            pos += 1
        }
        throw error("multi-line string opened here is not closed", line: startLine, column: startColumn)
    }

    func isLineEndingBackslash() -> Bool {
        var i = pos + 1
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D { i += 1 }
        return i >= bytes.count || bytes[i] == 0x0A
    }

    mutating func parseEscape(into text: inout [UInt8]) throws(Diagnostic) {
        let column = pos - lineStart + 1
        pos += 1
        guard let c = peek() else { throw error("unfinished escape at the end of the file") }
        pos += 1
        switch c {
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "e"): text.append(0x1B)
        case UInt8(ascii: "\""): text.append(c)
        case UInt8(ascii: "\\"): text.append(c)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = c == UInt8(ascii: "u") ? 4 : 8
            guard pos + count <= bytes.count,
                let code = UInt32(String(decoding: bytes[pos..<(pos + count)], as: UTF8.self), radix: 16),
                let scalar = Unicode.Scalar(code)
            else { throw error("invalid unicode escape", line: line, column: column) }
            pos += count
            text.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw error("invalid escape '\\\(Self.describe(c))' in a string", line: line, column: column)
        }
    }
}

/// A TOML date-time as RFC 3339 (and TOML 1.0) allow it, checked field by field (days per month, leap years).
struct TOMLDatetime {
    enum Kind: String {
        case offset = "datetime"
        case local = "datetime-local"
        case date = "date-local"
        case time = "time-local"
    }

    let kind: Kind
    /// `YYYY-MM-DDTHH:MM:SS[.fraction]` with `Z` or `±hh:mm`, upper case, fraction without trailing zeros.
    let normalized: String

    init?(_ text: String) {
        let b = Array(text.utf8)
        var i = 0
        var out = ""
        func number(_ count: Int, max: Int, min: Int = 0) -> Int? {
            guard i + count <= b.count else { return nil }
            var v = 0
            for k in i..<(i + count) {
                guard b[k] &- 0x30 < 10 else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            guard v >= min && v <= max else { return nil }
            out += String(decoding: b[i..<(i + count)], as: UTF8.self)
            i += count
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            out.append(Character(UnicodeScalar(c)))
            i += 1
            return true
        }
        var hasDate = false
        if b.count >= 10, b[4] == UInt8(ascii: "-") {
            guard let year = number(4, max: 9999), expect(UInt8(ascii: "-")), let month = number(2, max: 12, min: 1),
                expect(UInt8(ascii: "-"))
            else { return nil }
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            guard number(2, max: days, min: 1) != nil else { return nil }
            hasDate = true
            if i == b.count {
                kind = .date
                normalized = out
                return
            }
            guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == 0x20, i + 1 < b.count else { return nil }
            out += "T"
            i += 1
        }
        guard number(2, max: 23) != nil, expect(UInt8(ascii: ":")), number(2, max: 59) != nil, expect(UInt8(ascii: ":")),
            number(2, max: 60) != nil
        else { return nil }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] &- 0x30 < 10 { i += 1 }
            guard i > start else { return nil }
            var fraction = Array(b[start..<i])
            while fraction.last == 0x30 { fraction.removeLast() }
            if !fraction.isEmpty { out += "." + String(decoding: fraction, as: UTF8.self) }
        }
        if i == b.count {
            kind = hasDate ? .local : .time
            normalized = out
            return
        }
        guard hasDate else { return nil }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            out += "Z"
            i += 1
        } else {
            guard expect(UInt8(ascii: "+")) || expect(UInt8(ascii: "-")), number(2, max: 23) != nil,
                expect(UInt8(ascii: ":")), number(2, max: 59) != nil
            else { return nil }
        }
        guard i == b.count else { return nil }
        kind = .offset
        normalized = out
    }
}
