// CSV logs with a header row (RFC 4180): exports of cloud trails, EDR consoles and SIEM searches. Each record after
// the header becomes one flat JSON document whose fields are the header's names.
import VigilCore

/// Reads CSV a line at a time; a quoted cell may hold separators, doubled quotes and line breaks, so a record may
/// span lines and the decoder keeps its state between them. The event's line is the record's first line.
///
/// - The first record names the columns: an empty name becomes `column_N` (N from 1), a repeated one `name_2`, ….
/// - Every cell is a string field (an empty cell is `""`); blank lines between records are skipped.
/// - As Python's `csv` module does, a quote inside an unquoted cell, or text after a closing quote, is kept as text.
/// - A line break inside quotes is read as LF: `LogReader.readLines` has already removed the CR of a CRLF.
/// - `vigil_time`: the value of the first time column (by the order of `timeColumnNames`) when it is ISO 8601 or a
///   UNIX epoch (seconds, or milliseconds when 13 digits), as ISO 8601 UTC. A time with an offset is converted to
///   UTC; one without an offset is taken as UTC.
public struct CSVDecoder: LineDecoder {
    /// Header names (compared ignoring ASCII case) that hold an event's time, the most specific first.
    public static let timeColumnNames = [
        "@timestamp", "timestamp", "eventtime", "event time", "event datetime", "timegenerated", "datetime", "time", "date",
    ]

    let file: String
    let separator: UInt8
    /// The largest record kept, in bytes: a longer one (an unclosed quote, a binary file) is reported and skipped,
    /// and reading starts again with the next line.
    var recordLimit = 1 << 20
    private var names: [String]?
    private var timeColumn: Int?
    /// The record under construction: its cells' bytes back to back, and where each cell ends.
    private var record: [UInt8] = []
    private var cellEnds: [Int] = []
    private var state = CSVState.cellStart
    /// The line the record under construction began on; nil between records.
    private var recordLine: Int?

    public init(file: String, separator: UInt8 = UInt8(ascii: ",")) {
        self.file = file
        self.separator = separator
    }

    public mutating func line(
        _ bytes: UnsafeRawBufferPointer, number: Int, into sink: inout DocumentSink, diagnostics: inout [Diagnostic], bad: inout Int
    ) {
        var text = bytes
        if number == 1, text.starts(with: [0xEF, 0xBB, 0xBF]) { text = UnsafeRawBufferPointer(rebasing: text[3...]) }
        if recordLine == nil {
            guard !text.isEmpty else { return }
            recordLine = number
            state = .cellStart
        } else {
            record.append(0x0A)  // the line break inside a quoted cell
        }
        scan(text)
        if record.count > recordLimit {
            report("a record longer than \(recordLimit) bytes (an unclosed quote?); skipped up to line \(number)", &diagnostics, &bad)
            reset()
        } else if state != .quoted {
            cellEnds.append(record.count)
            complete(into: &sink, diagnostics: &diagnostics, bad: &bad)
        }
    }

    public mutating func finish(into sink: inout DocumentSink, diagnostics: inout [Diagnostic], bad: inout Int) {
        guard recordLine != nil else { return }
        report("a quote opened in the record on this line is never closed before the end of the file", &diagnostics, &bad)
        reset()
    }

    /// Reads one line of a record into `record` and `cellEnds`, from `state` on (the rules of Python's `csv`).
    private mutating func scan(_ text: UnsafeRawBufferPointer) {
        let quote = UInt8(ascii: "\"")
        for c in text {
            switch state {
            case .quoted:
                if c == quote { state = .afterQuote } else { record.append(c) }
            case .afterQuote where c == quote:
                record.append(quote)
                state = .quoted
            case .cellStart where c == quote:
                state = .quoted
            case .cellStart, .unquoted, .afterQuote:
                if c == separator {
                    cellEnds.append(record.count)
                    state = .cellStart
                } else {
                    record.append(c)
                    state = .unquoted
                }
            }
        }
    }

    /// The record is whole: the header, or an event when it has as many cells as the header.
    private mutating func complete(into sink: inout DocumentSink, diagnostics: inout [Diagnostic], bad: inout Int) {
        defer { reset() }
        guard let names else {
            let header = (0..<cellEnds.count).map { String(decoding: cell($0), as: UTF8.self) }
            self.names = Self.uniqueNames(header)
            timeColumn = Self.timeColumn(self.names!)
            return
        }
        guard cellEnds.count == names.count else {
            report("\(cellEnds.count) cells where the header has \(names.count)", &diagnostics, &bad)
            return
        }
        emit(names: names, into: &sink)
    }

    private func emit(names: [String], into sink: inout DocumentSink) {
        sink.begin(line: recordLine ?? 0)
        if let t = timeColumn, let iso = LogTime.iso(text: cell(t)) { sink.string(HeaderField.time, iso) }
        record.withUnsafeBytes { all in
            var start = 0
            for (name, end) in zip(names, cellEnds) {
                sink.string(name, bytes: UnsafeRawBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
        sink.end()
    }

    /// The bytes of cell `i` of the record.
    private func cell(_ i: Int) -> ArraySlice<UInt8> {
        record[(i == 0 ? 0 : cellEnds[i - 1])..<cellEnds[i]]
    }

    private mutating func reset() {
        record.removeAll(keepingCapacity: record.capacity <= 1 << 16)
        cellEnds.removeAll(keepingCapacity: true)
        recordLine = nil
        state = .cellStart
    }

    private func report(_ reason: String, _ diagnostics: inout [Diagnostic], _ bad: inout Int) {
        diagnostics.append(Diagnostic(SourceLocation(file: file, line: recordLine), code: "csv-malformed", reason))
        bad += 1
    }

    /// Header names made usable as field names: `column_N` for an empty one, `_2`, `_3`, … after a repeated one.
    static func uniqueNames(_ header: [String]) -> [String] {
        var seen: Set<String> = []
        return header.enumerated().map { i, raw in
            let base = raw.isEmpty ? "column_\(i + 1)" : raw
            var name = base
            var n = 1
            while seen.contains(name) {
                n += 1
                name = "\(base)_\(n)"
            }
            seen.insert(name)
            return name
        }
    }

    /// The column holding the event's time: the first of `timeColumnNames` the header has.
    static func timeColumn(_ names: [String]) -> Int? {
        let lowered = names.map { $0.lowercased() }
        for wanted in timeColumnNames {
            if let i = lowered.firstIndex(of: wanted) { return i }
        }
        return nil
    }
}

/// Where the CSV scanner is within a record.
enum CSVState {
    /// At the start of a cell.
    case cellStart
    /// Inside a cell that did not start with a quote.
    case unquoted
    /// Inside quotes.
    case quoted
    /// Just after a quote inside quotes: a second quote is an escaped quote, anything else ends the quotes.
    case afterQuote
}
