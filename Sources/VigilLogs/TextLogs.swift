// Text logs (Linux audit, Zeek TSV, syslog, CSV) become flat JSON documents, one per event, so that every
// command reads them through the one event pipeline like any JSON event. Each format is a `LineDecoder`;
// `LogReader.readLines` feeds it the lines of a file (gzip or plain) and cuts batches between documents.
import VigilCore

#if canImport(Glibc)
    import Glibc
#endif

/// Header fields every text reader writes besides the event's own fields: the source the event came from (the
/// "channel" the logsource mapping routes rules by, e.g. `linux/auditd`, `zeek/conn`) and its time in ISO 8601
/// UTC. `vigil export` writes the same two columns.
public enum HeaderField {
    public static let channel = "vigil_channel"
    public static let time = "vigil_time"
    /// What happened, where a source names it by a word rather than an event ID (CloudTrail's `eventName`).
    public static let event = "vigil_event_id"
}

/// A field name as its JSON text (`"name":`), made once by a reader that writes the same names on every row.
public struct JSONKey: Sendable, Equatable {
    let quoted: [UInt8]

    public init(_ name: String) {
        var out: [UInt8] = []
        DocumentSink.appendQuoted(Array(name.utf8), to: &out)
        out.append(UInt8(ascii: ":"))
        quoted = out
    }
}

/// Flat JSON documents under construction. A document is `begin(line:)`, fields, `end()`; only ended documents
/// are in `documents`.
public struct DocumentSink {
    public private(set) var bytes: [UInt8] = []
    public private(set) var documents: [DocumentSpan] = []
    private var start = -1
    private var line = 0
    private var fieldCount = 0

    public init() { bytes.reserveCapacity(LogReader.batchBytes + (1 << 16)) }

    /// Starts a document for the event that began on `line` (1-based).
    public mutating func begin(line: Int) {
        precondition(start < 0, "begin inside an open document")
        start = bytes.count
        self.line = line
        fieldCount = 0
        bytes.append(UInt8(ascii: "{"))
    }

    /// A string field; `value` is UTF-8 text (invalid UTF-8 is replaced by U+FFFD), escaped for JSON.
    public mutating func string(_ name: String, _ value: String) {
        key(name)
        var value = value
        value.withUTF8 { Self.appendQuoted($0, to: &bytes) }
    }

    /// A string field from raw bytes.
    public mutating func string(_ name: String, bytes value: UnsafeRawBufferPointer) {
        key(name)
        Self.appendQuoted(value, to: &bytes)
    }

    /// A number field: `digits` must be a JSON number (callers check); otherwise it is written as a string.
    public mutating func number(_ name: String, _ digits: String) {
        key(name)
        var digits = digits
        digits.withUTF8 { d in
            if Self.isJSONNumber(d) {
                bytes.append(contentsOf: d)
            } else {
                Self.appendQuoted(d, to: &bytes)
            }
        }
    }

    /// A JSON boolean.
    public mutating func bool(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A JSON null (an unset field).
    public mutating func null(_ name: String) {
        key(name)
        bytes.append(contentsOf: "null".utf8)
    }

    /// An array of strings (Zeek sets and vectors).
    public mutating func strings(_ name: String, _ values: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.appendQuoted(Array(v.utf8), to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A string field whose name is raw bytes followed by `suffix`.
    mutating func string(name: UnsafeRawBufferPointer, suffix: StaticString = "", bytes value: UnsafeRawBufferPointer) {
        key(name, suffix: suffix)
        Self.appendQuoted(value, to: &bytes)
    }

    /// A number field from raw bytes, written as a string when they are not a JSON number.
    mutating func number(_ name: String, bytes digits: UnsafeRawBufferPointer) {
        key(name)
        if Self.isJSONNumber(digits) { bytes.append(contentsOf: digits) } else { Self.appendQuoted(digits, to: &bytes) }
    }

    /// A JSON null whose name is raw bytes followed by `suffix`.
    mutating func null(name: UnsafeRawBufferPointer, suffix: StaticString = "") {
        key(name, suffix: suffix)
        bytes.append(contentsOf: "null".utf8)
    }

    /// An array of strings whose name is raw bytes followed by `suffix`: `elements` calls its argument once per
    /// element, in order.
    mutating func strings(
        name: UnsafeRawBufferPointer, suffix: StaticString = "", _ elements: ((UnsafeRawBufferPointer) -> Void) -> Void
    ) {
        key(name, suffix: suffix)
        appendStrings(elements)
    }

    /// A string field under a prepared key.
    mutating func string(_ key: JSONKey, bytes value: UnsafeRawBufferPointer) {
        self.key(key)
        Self.appendQuoted(value, to: &bytes)
    }

    /// A number field under a prepared key, written as a string when `digits` are not a JSON number.
    mutating func number(_ key: JSONKey, bytes digits: UnsafeRawBufferPointer) {
        self.key(key)
        if Self.isJSONNumber(digits) { bytes.append(contentsOf: digits) } else { Self.appendQuoted(digits, to: &bytes) }
    }

    /// A JSON boolean under a prepared key.
    mutating func bool(_ key: JSONKey, _ value: Bool) {
        self.key(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// An array of strings under a prepared key: `elements` calls its argument once per element, in order.
    mutating func strings(_ key: JSONKey, _ elements: ((UnsafeRawBufferPointer) -> Void) -> Void) {
        self.key(key)
        appendStrings(elements)
    }

    private mutating func appendStrings(_ elements: ((UnsafeRawBufferPointer) -> Void) -> Void) {
        bytes.append(UInt8(ascii: "["))
        var first = true
        elements { element in
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            Self.appendQuoted(element, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func key(_ key: JSONKey) {
        precondition(start >= 0, "field outside a document")
        if fieldCount > 0 { bytes.append(UInt8(ascii: ",")) }
        fieldCount += 1
        bytes.append(contentsOf: key.quoted)
    }

    /// Ends the open document.
    public mutating func end() {
        precondition(start >= 0, "end without begin")
        bytes.append(UInt8(ascii: "}"))
        documents.append(DocumentSpan(start: start, end: bytes.count, line: line))
        start = -1
    }

    /// A whole document written elsewhere, as it is, for the event that began on `line`.
    public mutating func append(document: UnsafeRawBufferPointer, line: Int) {
        precondition(start < 0, "append inside an open document")
        let from = bytes.count
        bytes.append(contentsOf: document)
        documents.append(DocumentSpan(start: from, end: bytes.count, line: line))
    }

    /// Appends JSON members written elsewhere (`"a":1,"b":2`, without braces) to the open document.
    mutating func appendMembers(_ members: UnsafeRawBufferPointer) {
        precondition(start >= 0, "no open document")
        if fieldCount > 0 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: members)
        fieldCount += 1
    }

    /// Drops the open document (a record found malformed half-way).
    public mutating func cancel() {
        guard start >= 0 else { return }
        bytes.removeSubrange(start...)
        start = -1
    }

    /// Hands out the ended documents as one batch and starts empty (an open document is kept).
    mutating func take(file: String) -> EventBatch? {
        guard !documents.isEmpty else { return nil }
        let cut = start >= 0 ? start : bytes.count
        let batch = EventBatch(file: file, bytes: Array(bytes[..<cut]), documents: documents)
        bytes.removeSubrange(..<cut)
        if start >= 0 { start = 0 }
        documents.removeAll(keepingCapacity: true)
        return batch
    }

    private mutating func key(_ name: String) {
        var name = name
        name.withUTF8 { key(UnsafeRawBufferPointer($0)) }
    }

    private mutating func key(_ name: UnsafeRawBufferPointer, suffix: StaticString = "") {
        precondition(start >= 0, "field outside a document")
        if fieldCount > 0 { bytes.append(UInt8(ascii: ",")) }
        fieldCount += 1
        guard suffix.utf8CodeUnitCount > 0 else {
            Self.appendQuoted(name, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            return
        }
        Self.appendQuoted(name, to: &bytes)
        bytes.removeLast()
        suffix.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    static func isJSONNumber<C: RandomAccessCollection<UInt8>>(_ s: C) -> Bool where C.Index == Int {
        var i = 0
        let n = s.count
        func digits() -> Int {
            let from = i
            while i < n, s[i] &- 0x30 < 10 { i += 1 }
            return i - from
        }
        if i < n, s[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n else { return false }
        if s[i] == UInt8(ascii: "0") { i += 1 } else if digits() == 0 { return false }
        if i < n, s[i] == UInt8(ascii: ".") {
            i += 1
            if digits() == 0 { return false }
        }
        if i < n, s[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < n, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
            if digits() == 0 { return false }
        }
        return i == n
    }

    /// `"value"` with JSON escapes; invalid UTF-8 becomes U+FFFD so that the document always parses.
    public static func appendQuoted<C: Collection<UInt8>>(_ value: C, to out: inout [UInt8]) where C.Index == Int {
        out.append(UInt8(ascii: "\""))
        func hex(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }
        var i = value.startIndex
        let end = value.endIndex
        while i < end {
            // Runs that need no escape are copied whole.
            var j = i
            while j < end, value[j] >= 0x20, value[j] < 0x7F, value[j] != 0x22, value[j] != 0x5C { j += 1 }
            if j > i {
                let run = (i - value.startIndex)..<(j - value.startIndex)
                let copied = value.withContiguousStorageIfAvailable { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[run])) }
                if copied == nil { out.append(contentsOf: value[i..<j]) }
                i = j
                if i == end { break }
            }
            let c = value[i]
            if c < 0x80 {
                switch c {
                case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0..<0x20, 0x7F:
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex(c >> 4), hex(c & 15)])
                default: out.append(c)
                }
                i += 1
                continue
            }
            // A multi-byte UTF-8 sequence, copied when well formed.
            let length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0
            var ok = length > 0 && i + length <= end && c <= 0xF4
            if ok { for k in 1..<length where value[i + k] & 0xC0 != 0x80 { ok = false } }
            if ok && length == 3 {
                let c1 = value[i + 1]
                if (c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) { ok = false }
            }
            if ok && length == 4 {
                let c1 = value[i + 1]
                if (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90) { ok = false }
            }
            if ok {
                for k in 0..<length { out.append(value[i + k]) }
                i += length
            } else {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                i += 1
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func appendQuoted(_ value: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        appendQuoted(UnsafeBufferPointer(start: value.baseAddress?.assumingMemoryBound(to: UInt8.self), count: value.count), to: &out)
    }
}

/// A text log format, read a line at a time into flat JSON documents.
public protocol LineDecoder {
    /// One line without its terminator (LF; a CR before it is removed). `number` counts from 1. Complete events
    /// go to `sink`; a malformed line is a diagnostic naming the file and line, counted in `bad`, and reading goes on.
    mutating func line(
        _ bytes: UnsafeRawBufferPointer, number: Int, into sink: inout DocumentSink, diagnostics: inout [Diagnostic], bad: inout Int)
    /// The end of the file: events still pending go to `sink`.
    mutating func finish(into sink: inout DocumentSink, diagnostics: inout [Diagnostic], bad: inout Int)
}

/// Names of log files.
public enum LogFile {
    /// The offset of the first LF at or after `from` in `bytes`, or `bytes.count` when there is none.
    static func lineEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        guard from < bytes.count, let base = bytes.baseAddress, let newline = memchr(base + from, 0x0A, bytes.count - from) else {
            return bytes.count
        }
        return UnsafeRawPointer(newline) - base
    }

    /// A log file's name without its folder, compression and log extension (`.gz`, then `.log`, `.json`,
    /// `.jsonl`, `.ndjson` or `.txt`, any case) and without a rotation time (`conn.2023-08-16-01-28-55.log.gz` →
    /// `conn`: a rotated name is `name.<time>`, and the time starts with a digit after the dot).
    public static func stem(_ path: String) -> String {
        var name = Substring(path.split(separator: "/").last ?? "")
        if name.lowercased().hasSuffix(".gz") { name = name.dropLast(3) }
        for ext in [".log", ".json", ".jsonl", ".ndjson", ".txt"] where name.lowercased().hasSuffix(ext) {
            name = name.dropLast(ext.count)
            break
        }
        if let dot = name.indices.first(where: { i in
            name[i] == "." && name.index(after: i) < name.endIndex && name[name.index(after: i)].isNumber
        }) {
            name = name[..<dot]
        }
        return String(name)
    }
}
