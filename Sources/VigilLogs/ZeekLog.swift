// Zeek's TSV logs (conn.log, dns.log, http.log, …): the header block says how to split and type the columns, and
// each data row becomes one flat JSON document with the fields under Zeek's own names (`id.orig_h`, `query`).
import VigilCore

/// Reads Zeek's TSV logs a line at a time.
///
/// Every header is honoured where it appears: `#separator` (written with `\xNN` escapes) starts a new block, so a
/// concatenated log re-reads its headers; `#set_separator`, `#empty_field`, `#unset_field`, `#path`, `#fields` and
/// `#types` replace their earlier values. Values become JSON as follows:
/// - a field with the unset value (`-`) is left out, as Zeek's own JSON writer leaves it out, so that the TSV and the
///   JSON log of one sensor give the same events; the empty value (`(empty)`) is `""`, or `[]` for a set or vector;
/// - `set[…]` and `vector[…]` are arrays of strings, split on the set separator;
/// - `count`, `int`, `port`, `double`, `interval` and `time` are numbers (`inf`/`nan` stay strings);
/// - `bool` is true/false (`T`/`F`);
/// - everything else is a string with Zeek's `\xNN` escapes decoded. When the decoded bytes are not valid UTF-8
///   (binary payload), escapes of bytes ≥ 0x80 are kept as the text `\xNN`, as Zeek's own JSON writer does.
///
/// Every event also carries `vigil_channel` (`zeek/` + `#path`) and `vigil_time` (ISO 8601 UTC of `ts`).
public struct ZeekTSVDecoder: LineDecoder {
    let file: String
    private var header: ZeekHeader
    /// Where the cells of the current row start and end (kept between rows: a row allocates no arrays).
    private var starts: [Int] = []
    private var ends: [Int] = []
    /// A cell with its escapes decoded.
    private var scratch: [UInt8] = []
    private var clock = EpochClock()

    public init(file: String) {
        self.file = file
        header = ZeekHeader(file: file)
    }

    /// The `vigil_channel` of a Zeek log, TSV or JSON: `zeek/` + the log's path (`#path`, or `_path` in JSON), else
    /// the file's name without `.gz`, `.log`/`.json` and a rotation time (`conn.2023-08-16-01-28-55.log.gz` is
    /// `zeek/conn`).
    public static func channel(path: String?, file: String) -> String {
        if let path, !path.isEmpty { return "zeek/" + path }
        return "zeek/" + LogFile.stem(file)
    }

    public mutating func line(
        _ bytes: UnsafeRawBufferPointer, number: Int, into sink: inout DocumentSink, diagnostics: inout [Diagnostic], bad: inout Int
    ) {
        guard let first = bytes.first else { return }
        if first == UInt8(ascii: "#") {
            if let problem = header.read(bytes, line: number) { report(problem, line: number, &diagnostics, &bad) }
            return
        }
        guard let names = header.keys else {
            report("a data row before any #fields header", line: number, &diagnostics, &bad)
            return
        }
        split(bytes)
        guard starts.count == names.count else {
            report("\(starts.count) columns where #fields names \(names.count)", line: number, &diagnostics, &bad)
            return
        }
        emit(bytes, line: number, names: names, into: &sink)
    }

    public mutating func finish(into sink: inout DocumentSink, diagnostics: inout [Diagnostic], bad: inout Int) {}

    private func report(_ reason: String, line: Int, _ diagnostics: inout [Diagnostic], _ bad: inout Int) {
        diagnostics.append(Diagnostic(SourceLocation(file: file, line: line), code: "zeek-malformed", reason))
        bad += 1
    }

    /// Fills `starts`/`ends` with the cells of a data row.
    private mutating func split(_ row: UnsafeRawBufferPointer) {
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        ZeekText.forEachPart(row, separator: header.separator) { start, end in
            starts.append(start)
            ends.append(end)
        }
    }

    /// Writes one event: the header fields, then every column by its type.
    private mutating func emit(_ row: UnsafeRawBufferPointer, line: Int, names: [JSONKey], into sink: inout DocumentSink) {
        sink.begin(line: line)
        sink.string(HeaderField.channel, header.channel)
        if let t = header.timeColumn { time(UnsafeRawBufferPointer(rebasing: row[starts[t]..<ends[t]]), into: &sink) }
        for column in 0..<names.count {
            value(
                UnsafeRawBufferPointer(rebasing: row[starts[column]..<ends[column]]), key: names[column], kind: header.kinds[column],
                into: &sink)
        }
        sink.end()
    }

    /// Writes `vigil_time` from the `ts` cell, when it is a UNIX time.
    private mutating func time(_ cell: UnsafeRawBufferPointer, into sink: inout DocumentSink) {
        if clock.set(cell) {
            clock.text.withUnsafeBytes { sink.string(HeaderField.time, bytes: $0) }
        } else if let iso = LogTime.iso(epoch: String(decoding: cell, as: UTF8.self)) {
            sink.string(HeaderField.time, iso)
        }
    }

    /// Writes one cell as the JSON value its Zeek type calls for.
    private mutating func value(_ cell: UnsafeRawBufferPointer, key: JSONKey, kind: ZeekKind, into sink: inout DocumentSink) {
        if ZeekText.equal(cell, header.unset) { return }
        if ZeekText.equal(cell, header.empty) {
            return kind == .container ? sink.strings(key) { _ in } : sink.string(key, bytes: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        switch kind {
        case .number: sink.number(key, bytes: cell)
        case .bool where cell.count == 1 && (cell[0] == UInt8(ascii: "T") || cell[0] == UInt8(ascii: "F")):
            sink.bool(key, cell[0] == UInt8(ascii: "T"))
        case .container:
            let separator = header.setSeparator
            sink.strings(key) { element in
                var decoded: [UInt8] = []
                ZeekText.forEachPart(cell, separator: separator) { start, end in
                    decoded.removeAll(keepingCapacity: true)
                    ZeekText.unescape(UnsafeRawBufferPointer(rebasing: cell[start..<end]), into: &decoded)
                    decoded.withUnsafeBytes { element($0) }
                }
            }
        default: string(cell, key: key, into: &sink)
        }
    }

    /// A string cell: its bytes as they are, or with the escapes decoded when it has any.
    private mutating func string(_ cell: UnsafeRawBufferPointer, key: JSONKey, into sink: inout DocumentSink) {
        guard cell.contains(UInt8(ascii: "\\")) else { return sink.string(key, bytes: cell) }
        scratch.removeAll(keepingCapacity: true)
        ZeekText.unescape(cell, into: &scratch)
        scratch.withUnsafeBytes { sink.string(key, bytes: $0) }
    }
}

/// How a Zeek column type is written in JSON.
enum ZeekKind: Equatable {
    case string, number, bool, container

    init(type: Substring) {
        switch type {
        case "count", "int", "port", "double", "interval", "time": self = .number
        case "bool": self = .bool
        default: self = type.hasPrefix("set[") || type.hasPrefix("vector[") ? .container : .string
        }
    }
}

/// The header block of a Zeek TSV log: how to split rows and what their columns are.
struct ZeekHeader {
    let file: String
    var separator: [UInt8] = [0x09]
    var setSeparator: [UInt8] = [UInt8(ascii: ",")]
    var empty: [UInt8] = Array("(empty)".utf8)
    var unset: [UInt8] = [UInt8(ascii: "-")]
    var path: String?
    var names: [String]?
    /// `names` as JSON keys.
    var keys: [JSONKey]?
    var types: [Substring]?
    /// One per name: `.string` for every column until a `#types` line of the same length types them.
    var kinds: [ZeekKind] = []
    /// The `ts` column, for `vigil_time`.
    var timeColumn: Int?
    var channel: String

    init(file: String) {
        self.file = file
        channel = ZeekTSVDecoder.channel(path: nil, file: file)
    }

    /// Reads a line starting with `#`; returns the reason when it contradicts the block (types ≠ fields).
    /// Lines other than the known headers (`#open`, `#close`, comments) are skipped.
    mutating func read(_ line: UnsafeRawBufferPointer, line number: Int) -> String? {
        if let value = ZeekText.suffix(line, after: "#separator ") {
            self = ZeekHeader(file: file)
            separator = ZeekText.unescaped(value)
            return nil
        }
        guard let cut = ZeekText.firstIndex(of: separator, in: line) else { return nil }
        let key = String(decoding: line[1..<cut], as: UTF8.self)
        let value = UnsafeRawBufferPointer(rebasing: line[(cut + separator.count)...])
        switch key {
        case "set_separator": setSeparator = ZeekText.unescaped(value)
        case "empty_field": empty = ZeekText.unescaped(value)
        case "unset_field": unset = ZeekText.unescaped(value)
        case "path":
            path = String(decoding: ZeekText.unescaped(value), as: UTF8.self)
            channel = ZeekTSVDecoder.channel(path: path, file: file)
        case "fields":
            // `#types` follows `#fields`: types from before belong to an earlier list of fields.
            types = nil
            names = parts(value).map(String.init)
            keys = names?.map(JSONKey.init)
            timeColumn = names?.firstIndex(of: "ts")
            return typeColumns()
        case "types":
            types = parts(value)
            return typeColumns()
        default: break
        }
        return nil
    }

    private func parts(_ value: UnsafeRawBufferPointer) -> [Substring] {
        var result: [Substring] = []
        ZeekText.forEachPart(value, separator: separator) { start, end in
            result.append(Substring(String(decoding: value[start..<end], as: UTF8.self)))
        }
        return result
    }

    /// Types the columns from `#types`; a count that differs from `#fields` leaves them all strings.
    private mutating func typeColumns() -> String? {
        guard let names else { return nil }
        kinds = Array(repeating: .string, count: names.count)
        guard let types else { return nil }
        guard types.count == names.count else {
            self.types = nil
            return "#types has \(types.count) entries where #fields has \(names.count); the columns are read as strings"
        }
        kinds = types.map(ZeekKind.init(type:))
        return nil
    }
}

/// Byte-level helpers for Zeek's text: splitting on a separator and decoding `\xNN` escapes.
enum ZeekText {
    /// Calls `body(start, end)` for each part of `bytes` between occurrences of `separator` (one part when absent).
    static func forEachPart(_ bytes: UnsafeRawBufferPointer, separator: [UInt8], _ body: (Int, Int) -> Void) {
        var from = 0
        if separator.count == 1 {
            let s = separator[0]
            for i in 0..<bytes.count where bytes[i] == s {
                body(from, i)
                from = i + 1
            }
        } else {
            var i = from
            while let at = firstIndex(of: separator, in: UnsafeRawBufferPointer(rebasing: bytes[i...])) {
                body(from, i + at)
                i += at + separator.count
                from = i
            }
        }
        body(from, bytes.count)
    }

    /// The offset of the first occurrence of `needle` in `bytes`.
    static func firstIndex(of needle: [UInt8], in bytes: UnsafeRawBufferPointer) -> Int? {
        guard !needle.isEmpty, bytes.count >= needle.count else { return nil }
        for i in 0...(bytes.count - needle.count) where bytes[i] == needle[0] {
            if needle.indices.allSatisfy({ bytes[i + $0] == needle[$0] }) { return i }
        }
        return nil
    }

    static func equal(_ bytes: UnsafeRawBufferPointer, _ other: [UInt8]) -> Bool {
        bytes.count == other.count && bytes.elementsEqual(other)
    }

    /// The rest of `line` after `prefix`, or nil when it does not start so.
    static func suffix(_ line: UnsafeRawBufferPointer, after prefix: String) -> UnsafeRawBufferPointer? {
        let p = Array(prefix.utf8)
        guard line.count >= p.count, line.prefix(p.count).elementsEqual(p) else { return nil }
        return UnsafeRawBufferPointer(rebasing: line[p.count...])
    }

    static func unescaped(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        unescape(bytes, into: &out)
        return out
    }

    /// Appends `bytes` with `\xNN` decoded. When that gives invalid UTF-8, escapes of bytes ≥ 0x80 stay as text.
    static func unescape(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let start = out.count
        if decode(bytes, into: &out, high: true), String(validating: out[start...], as: UTF8.self) == nil {
            out.removeSubrange(start...)
            _ = decode(bytes, into: &out, high: false)
        }
    }

    /// Appends `bytes` with `\xNN` decoded (those ≥ 0x80 only when `high`); returns whether one ≥ 0x80 was decoded.
    private static func decode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8], high: Bool) -> Bool {
        var decodedHigh = false
        var i = 0
        let n = bytes.count
        while i < n {
            if bytes[i] == UInt8(ascii: "\\"), i + 3 < n, bytes[i + 1] == UInt8(ascii: "x"), let hi = hexValue(bytes[i + 2]),
                let lo = hexValue(bytes[i + 3])
            {
                let byte = hi << 4 | lo
                if byte < 0x80 || high {
                    out.append(byte)
                    decodedHigh = decodedHigh || byte >= 0x80
                    i += 4
                    continue
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return decodedHigh
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
