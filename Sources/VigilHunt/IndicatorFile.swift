// Reading indicator feeds: plain text (one per line), CSV (MISP and OTX exports and the like), JSON
// (lists, MISP events) and STIX 2.1 bundles. A bad entry is a diagnostic with its file and line; the
// rest of the file is still read.
import VigilCore

public enum IndicatorFormat: String, Sendable, CaseIterable {
    case text, csv, json

    /// By extension, then by the first byte: `{` or `[` is JSON; a first line with a delimiter and a
    /// column named like a value column is CSV; anything else is text.
    static func detect(_ path: String, _ bytes: [UInt8]) -> IndicatorFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") || lower.hasSuffix(".tsv") { return .csv }
        if lower.hasSuffix(".json") || lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".stix") { return .json }
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        if i < bytes.count, bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[") { return .json }
        let firstLine = String(decoding: bytes[i...].prefix { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
        if let delimiter = CSVReader.delimiter(firstLine),
            CSVColumns(header: CSVReader.split(firstLine, delimiter)).value != nil
        {
            return .csv
        }
        return .text
    }
}

extension IndicatorSet {
    /// Indicators from every file in `paths`; files that cannot be read are diagnostics.
    public static func load(_ paths: [String]) -> IndicatorSet {
        var set = IndicatorSet()
        for path in paths { set.load(path) }
        return set
    }

    /// Adds the indicators of one file.
    public mutating func load(_ path: String, format: IndicatorFormat? = nil) {
        let bytes: [UInt8]
        do { bytes = try FileBytes.readInflating(path) } catch {
            diagnostics.append(error)
            return
        }
        switch format ?? IndicatorFormat.detect(path, bytes) {
        case .text: loadText(path, bytes)
        case .csv: loadCSV(path, bytes)
        case .json: loadJSON(path, bytes)
        }
    }

    /// Records a rejected entry.
    mutating func reject(_ location: SourceLocation, _ severity: DiagnosticSeverity = .error, code: String, _ reason: String) {
        skipped += 1
        diagnostics.append(Diagnostic(location, severity, code: code, reason))
    }

    /// Adds one entry of `type` (or inferred), reporting a value that does not fit.
    mutating func addEntry(_ value: String, type: IndicatorType?, name: String?, id: String?, at location: SourceLocation) {
        entries += 1
        if let reason = add(value, type: type, name: name, id: id, source: location, group: newGroup()) {
            reject(location, code: "ioc-value", reason)
        }
    }

    /// An entry whose type is a label from a feed: `filename|md5` and other MISP composites split on `|`.
    /// A hash in a composite stands for the file alone; an IP with a port keeps the IP.
    mutating func addLabelled(_ value: String, label: String, name: String?, id: String?, at location: SourceLocation) {
        let labels = label.split(separator: "|").map(String.init)
        let values = value.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        if labels.count > 1 && labels.count == values.count {
            let typed = zip(labels, values).compactMap { label, value in IndicatorType(label: label).map { ($0, value) } }
            // `filename|md5`: the hash stands for the file. `domain|ip`: either one is the indicator.
            let hashes = typed.filter { $0.0.isHash }
            let chosen = hashes.isEmpty ? typed.filter { $0.0 != .fileName || typed.count == 1 } : hashes
            entries += 1
            guard !chosen.isEmpty else {
                reject(location, .warning, code: "ioc-type", "indicator type '\(label)' is not one event logs show; skipped")
                return
            }
            let group = newGroup()
            var reasons: [String] = []
            for (type, value) in chosen {
                if let reason = add(value, type: type, name: name, id: id, source: location, group: group) { reasons.append(reason) }
            }
            if reasons.count == chosen.count { reject(location, code: "ioc-value", reasons.joined(separator: "; ")) }
            return
        }
        guard let type = IndicatorType(label: label) else {
            entries += 1
            reject(location, .warning, code: "ioc-type", "indicator type '\(label)' is not one event logs show; skipped")
            return
        }
        addEntry(value, type: type, name: name, id: id, at: location)
    }

    // MARK: Plain text

    /// One indicator per line. `#` starts a comment at the beginning of a line or after a space (a `#`
    /// inside a URL is kept). `type:value` names the type; otherwise it is inferred.
    mutating func loadText(_ path: String, _ bytes: [UInt8]) {
        var line = 0
        for raw in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            line += 1
            var text = String(decoding: raw, as: UTF8.self)
            if line == 1, text.hasPrefix("\u{FEFF}") { text.removeFirst() }
            if let hash = Self.commentStart(text) { text = String(text[..<hash]) }
            text = Self.trim(text)
            if text.isEmpty { continue }
            let location = SourceLocation(file: path, line: line)
            if let colon = text.firstIndex(of: ":"), !text[colon...].hasPrefix("://"),
                let type = IndicatorType(label: String(text[..<colon])), text[..<colon].count > 1
            {
                addEntry(String(text[text.index(after: colon)...]), type: type, name: nil, id: nil, at: location)
            } else {
                addEntry(text, type: nil, name: nil, id: nil, at: location)
            }
        }
    }

    static func commentStart(_ text: String) -> String.Index? {
        var previous: Character = " "
        for i in text.indices {
            if text[i] == "#" && previous.isWhitespace { return i }
            previous = text[i]
        }
        return nil
    }

    // MARK: CSV

    mutating func loadCSV(_ path: String, _ bytes: [UInt8]) {
        var reader = CSVReader(bytes)
        guard let (header, headerLine) = reader.next() else { return }
        var columns = CSVColumns(header: header)
        var pending: [([String], Int)] = []
        if columns.value == nil {
            // No header: the first column is the value, the second (if any) its name.
            columns = CSVColumns(value: 0, name: header.count > 1 ? 1 : nil)
            pending.append((header, headerLine))
        }
        while true {
            let row: [String]
            let line: Int
            if !pending.isEmpty {
                (row, line) = pending.removeFirst()
            } else if let next = reader.next() {
                (row, line) = next
            } else {
                break
            }
            if row.allSatisfy({ Self.trim($0).isEmpty }) { continue }
            let location = SourceLocation(file: path, line: line)
            guard let v = columns.value, v < row.count else {
                entries += 1
                reject(location, code: "ioc-csv", "row has \(row.count) column(s); the value column is number \(columns.value! + 1)")
                continue
            }
            func cell(_ i: Int?) -> String? {
                guard let i, i < row.count else { return nil }
                let t = Self.trim(row[i])
                return t.isEmpty ? nil : t
            }
            if let label = cell(columns.type) {
                addLabelled(row[v], label: label, name: cell(columns.name), id: cell(columns.id), at: location)
            } else {
                addEntry(row[v], type: nil, name: cell(columns.name), id: cell(columns.id), at: location)
            }
        }
        if let error = reader.error { reject(SourceLocation(file: path, line: error.line), code: "ioc-csv", error.reason) }
    }

    // MARK: JSON

    mutating func loadJSON(_ path: String, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { all in
            var lines = LineCounter(all)
            var tape = JSONTape()
            var start = 0
            if all.count >= 3, all[0] == 0xEF, all[1] == 0xBB, all[2] == 0xBF { start = 3 }
            // A STIX bundle is streamed object by object: bundles from threat-intel platforms run to
            // hundreds of megabytes.
            do {
                let shape = try JSONStreaming.forEachElement(
                    of: "objects", in: UnsafeRawBufferPointer(rebasing: all[start...]), tape: &tape, member: { _, _, _ in },
                    element: { view, root, offset in loadSTIXObject(view, root, path: path, line: lines.line(at: start + offset)) })
                if case .streamed = shape { return }
            } catch {
                // Not a single JSON value: perhaps JSON lines, handled below.
            }
            var offset = start
            var documents = 0
            while true {
                offset = JSONScanner.skipWhitespace(all, offset)
                if offset >= all.count { break }
                let end: Int
                do throws(JSONSyntaxError) { end = try tape.parse(all, from: offset) } catch {
                    entries += 1
                    let d = error.diagnostic(file: path, bytes: all)
                    reject(d.location, code: "ioc-json", d.message)
                    return
                }
                documents += 1
                tape.nodes.withUnsafeBufferPointer { nodes in
                    let view = JSONView(tape: nodes, bytes: all)
                    loadJSONValue(view, 0, path: path, lines: &lines)
                }
                offset = end
            }
        }
    }

    /// A top-level JSON value: an array of entries, a MISP event or response, or one entry.
    mutating func loadJSONValue(_ view: JSONView, _ root: Int, path: String, lines: inout LineCounter) {
        switch view.kind(root) {
        case .array:
            view.forEachElement(root) { e in loadJSONEntry(view, e, path: path, line: lines.line(at: Int(view.tape[e].start))) }
        case .object:
            if let response = view.member(root, "response"), view.kind(response) == .array {
                view.forEachElement(response) { e in loadJSONValue(view, e, path: path, lines: &lines) }
            } else if let event = view.member(root, "Event"), view.kind(event) == .object {
                loadMISPEvent(view, event, path: path, lines: &lines)
            } else if view.member(root, "Attribute") != nil || view.member(root, "Object") != nil {
                loadMISPEvent(view, root, path: path, lines: &lines)
            } else if let list = view.member(root, "indicators") ?? view.member(root, "iocs"), view.kind(list) == .array {
                view.forEachElement(list) { e in loadJSONEntry(view, e, path: path, line: lines.line(at: Int(view.tape[e].start))) }
            } else {
                loadJSONEntry(view, root, path: path, line: lines.line(at: Int(view.tape[root].start)))
            }
        default:
            loadJSONEntry(view, root, path: path, line: lines.line(at: Int(view.tape[root].start)))
        }
    }

    mutating func loadMISPEvent(_ view: JSONView, _ event: Int, path: String, lines: inout LineCounter) {
        let info = view.member(event, "info").flatMap(view.string)
        func attributes(_ list: Int?) {
            guard let list, view.kind(list) == .array else { return }
            view.forEachElement(list) { a in
                loadJSONEntry(view, a, path: path, line: lines.line(at: Int(view.tape[a].start)), fallbackName: info)
            }
        }
        attributes(view.member(event, "Attribute"))
        if let objects = view.member(event, "Object"), view.kind(objects) == .array {
            view.forEachElement(objects) { o in attributes(view.member(o, "Attribute")) }
        }
    }

    /// One entry: a string (type inferred or `type:value`), an object with a type and value (MISP
    /// attribute, OTX indicator, a hand-written list), or a STIX object.
    mutating func loadJSONEntry(_ view: JSONView, _ i: Int, path: String, line: Int, fallbackName: String? = nil) {
        let location = SourceLocation(file: path, line: line)
        switch view.kind(i) {
        case .string:
            let text = view.string(i)!
            if let colon = text.firstIndex(of: ":"), !text[colon...].hasPrefix("://"), text[..<colon].count > 1,
                let type = IndicatorType(label: String(text[..<colon]))
            {
                addEntry(String(text[text.index(after: colon)...]), type: type, name: fallbackName, id: nil, at: location)
            } else {
                addEntry(text, type: nil, name: fallbackName, id: nil, at: location)
            }
        case .object:
            // STIX objects have ids like `indicator--<uuid>`; a MISP attribute's `type` and `id` are not that.
            let stixID = view.member(i, "id").flatMap(view.string)?.contains("--") ?? false
            if stixID, let type = view.member(i, "type").flatMap(view.string),
                type == "indicator" || STIXBundle.observableTypes.contains(type)
            {
                loadSTIXObject(view, i, path: path, line: line)
                return
            }
            func field(_ keys: [StaticString]) -> String? {
                for key in keys {
                    if let v = view.member(i, key), let s = view.string(v), !Self.trim(s).isEmpty { return s }
                }
                return nil
            }
            guard let value = field(["value", "indicator", "ioc", "observable", "data"]) else {
                entries += 1
                reject(location, code: "ioc-json", "object without a value (expected one of value, indicator, ioc)")
                return
            }
            let name = field(["comment", "description", "name", "title"]) ?? fallbackName
            let id = field(["uuid", "id"])
            if let label = field(["type", "indicator_type", "ioc_type", "kind"]) {
                addLabelled(value, label: label, name: name, id: id, at: location)
            } else {
                addEntry(value, type: nil, name: name, id: id, at: location)
            }
        default:
            entries += 1
            reject(location, code: "ioc-json", "expected a string or an object")
        }
    }

    /// A STIX object: indicators and observables give indicators; other objects are not entries.
    mutating func loadSTIXObject(_ view: JSONView, _ i: Int, path: String, line: Int) {
        guard view.kind(i) == .object, let type = view.member(i, "type").flatMap(view.string) else { return }
        let id = view.member(i, "id").flatMap(view.string)
        let location = SourceLocation(file: path, line: line, item: id)
        if type == "indicator" {
            entries += 1
            STIXBundle.loadIndicator(view, i, into: &self, at: location)
        } else if STIXBundle.observableTypes.contains(type) {
            entries += 1
            STIXBundle.loadObservable(view, i, type: type, into: &self, at: location)
        }
    }
}

/// 1-based line numbers of byte offsets, counted forwards from the last question (offsets mostly grow).
struct LineCounter {
    let bytes: UnsafeRawBufferPointer
    private var offset = 0
    private var lineAtOffset = 1

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func line(at target: Int) -> Int {
        if target < offset {
            offset = 0
            lineAtOffset = 1
        }
        let end = min(target, bytes.count)
        while offset < end {
            if bytes[offset] == 0x0A { lineAtOffset += 1 }
            offset += 1
        }
        return lineAtOffset
    }
}

/// Which columns of a CSV header hold what.
struct CSVColumns {
    var value: Int?
    var type: Int?
    var name: Int?
    var id: Int?

    init(value: Int?, type: Int? = nil, name: Int? = nil, id: Int? = nil) {
        self.value = value
        self.type = type
        self.name = name
        self.id = id
    }

    /// Column names as MISP (`type,value,comment,uuid`), OTX (`Indicator type,Indicator,Description`) and
    /// hand-made lists write them.
    init(header: [String]) {
        let names = header.map { String($0.lowercased().filter { $0.isLetter || $0.isNumber }) }
        func find(_ candidates: [String]) -> Int? {
            for c in candidates { if let i = names.firstIndex(of: c) { return i } }
            return nil
        }
        value = find(["value", "indicator", "ioc", "observable", "indicatorvalue", "iocvalue", "data"])
        // Not MISP's `category` ("Network activity"): that says what an attribute is about, not what it is.
        type = find(["type", "indicatortype", "ioctype", "kind"])
        name = find(["comment", "description", "name", "title", "info"])
        id = find(["uuid", "id", "indicatorid"])
    }
}

/// RFC 4180 CSV over bytes: quoted fields may hold delimiters, doubled quotes and line breaks. Each record
/// comes with the line it starts on.
struct CSVReader {
    let bytes: [UInt8]
    var position = 0
    var line = 1
    var delimiter: UInt8 = UInt8(ascii: ",")
    var error: (line: Int, reason: String)?

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        let first = String(decoding: bytes[position...].prefix { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
        if let d = Self.delimiter(first) { delimiter = d }
    }

    /// The delimiter a header line uses: the most frequent of comma, tab and semicolon.
    static func delimiter(_ line: String) -> UInt8? {
        let counts = [UInt8(ascii: ","), 0x09, UInt8(ascii: ";")].map { d in (d, line.utf8.count { $0 == d }) }
        let best = counts.max { $0.1 < $1.1 }!
        return best.1 > 0 ? best.0 : nil
    }

    /// A header line split without quotes handling beyond stripping them (enough to recognise columns).
    static func split(_ line: String, _ delimiter: UInt8) -> [String] {
        line.utf8.split(separator: delimiter, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self).trimming("\" ")
        }
    }

    mutating func next() -> ([String], Int)? {
        guard position < bytes.count else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var wasQuoted = false
        while position < bytes.count {
            let b = bytes[position]
            position += 1
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if position < bytes.count && bytes[position] == UInt8(ascii: "\"") {
                        field.append(b)
                        position += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if b == 0x0A { line += 1 }
                    field.append(b)
                }
                continue
            }
            if b == UInt8(ascii: "\"") && field.isEmpty && !wasQuoted {
                quoted = true
                wasQuoted = true
            } else if b == delimiter {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
            } else if b == 0x0A {
                line += 1
                break
            } else if b != 0x0D {
                field.append(b)
            }
        }
        if quoted { error = (startLine, "unterminated quoted field") }
        fields.append(String(decoding: field, as: UTF8.self))
        return (fields, startLine)
    }
}

extension String {
    func trimming(_ set: String) -> String {
        var view = Substring(self)
        while let c = view.first, set.contains(c) { view.removeFirst() }
        while let c = view.last, set.contains(c) { view.removeLast() }
        return String(view)
    }
}
