// The one output layer of the finding commands (hunt, search, ioc, timeline, …): rows of named values written
// as an aligned terminal table, CSV (RFC 4180), one JSON array, or JSON lines — one tested writer each.

/// One value of an output row.
public enum RecordValue: Sendable {
    /// Text; nil is JSON `null` and an empty CSV cell.
    case text(String?)
    case number(Int)
    /// JSON array; joined by spaces in CSV and by ", " in tables.
    case list([String])
    /// JSON object (name → value, in order); `name=value; …` in CSV and tables.
    case pairs([(name: String, value: String)])

    /// The value as one line of text (CSV cells; table cells before cleaning).
    public func text(listSeparator: String) -> String {
        switch self {
        case .text(let s): s ?? ""
        case .number(let n): String(n)
        case .list(let items): items.joined(separator: listSeparator)
        case .pairs(let pairs): pairs.map { $0.name + "=" + $0.value }.joined(separator: "; ")
        }
    }

    public var json: String {
        switch self {
        case .text(let s): s.map(JSONString.quoted) ?? "null"
        case .number(let n): String(n)
        case .list(let items): "[" + items.map(JSONString.quoted).joined(separator: ",") + "]"
        case .pairs(let pairs):
            "{" + pairs.map { JSONString.quoted($0.name) + ":" + JSONString.quoted($0.value) }.joined(separator: ",") + "}"
        }
    }
}

/// One row as a table column sees it: values by key, as text.
public struct RecordRow {
    let keys: [String]
    let values: [RecordValue]

    /// The value of `key` as table text (lists joined by ", "); "" for an unknown key or null.
    public subscript(_ key: String) -> String {
        guard let i = keys.firstIndex(of: key) else { return "" }
        return values[i].text(listSeparator: ", ")
    }

    /// The value of `key`, or `placeholder` when it is null or empty.
    public func text(_ key: String, or placeholder: String) -> String {
        let value = self[key]
        return value.isEmpty ? placeholder : value
    }
}

/// A column of the terminal table: its title, what it shows (a record key, or a cell made from the row),
/// its width (nil: the last column, unpadded) and the most characters it shows (longer values end in "…").
/// `style` may wrap the padded cell (colour); it gets the padded cell and the raw value.
public struct TableColumn: Sendable {
    public var title: String
    public var width: Int?
    public var limit: Int?
    /// A value longer than `width` keeps its end ("…name.evtx:12") rather than its start.
    public var keepsEnd: Bool
    public var cell: @Sendable (RecordRow) -> String
    public var style: (@Sendable (String, String) -> String)?

    public init(
        _ title: String, width: Int? = nil, limit: Int? = nil, keepsEnd: Bool = false,
        style: (@Sendable (String, String) -> String)? = nil, cell: @escaping @Sendable (RecordRow) -> String
    ) {
        self.title = title
        self.width = width
        self.limit = limit
        self.keepsEnd = keepsEnd
        self.style = style
        self.cell = cell
    }

    /// A column showing record key `key` ("-" when empty).
    public init(
        _ title: String, key: String, width: Int? = nil, limit: Int? = nil, keepsEnd: Bool = false,
        style: (@Sendable (String, String) -> String)? = nil
    ) {
        self.init(title, width: width, limit: limit, keepsEnd: keepsEnd, style: style) { $0.text(key, or: "-") }
    }
}

/// Writes rows as they come, in one of four formats. `keys` name the values of every row, in order (CSV header,
/// JSON keys); `table` chooses and lays out the columns of the terminal table.
public struct RecordWriter {
    public enum Format: Sendable { case table, csv, json, jsonl }

    public let format: Format
    public let keys: [String]
    public let table: [TableColumn]
    private let emit: (String) -> Void
    private var rows = 0

    public init(format: Format, keys: [String], table: [TableColumn] = [], emit: @escaping (String) -> Void) {
        self.format = format
        self.keys = keys
        self.table = table
        self.emit = emit
    }

    /// Rows written so far.
    public var count: Int { rows }

    /// The CSV header, the table's header and rule, or JSON's opening bracket.
    public mutating func begin() {
        switch format {
        case .csv: emit(keys.map(Self.csvField).joined(separator: ",") + "\r\n")
        case .table:
            emit(tableLine(table.map(\.title), styled: false) + "\n")
            emit(table.map { String(repeating: "-", count: $0.width.map { $0 + 2 } ?? max($0.title.count, 8)) }.joined() + "\n")
        case .json: emit("[")
        case .jsonl: break
        }
    }

    /// One row: `values` in `keys` order.
    public mutating func write(_ values: [RecordValue]) {
        precondition(values.count == keys.count, "a row has \(values.count) values for \(keys.count) keys")
        switch format {
        case .csv: emit(values.map { Self.csvField($0.text(listSeparator: " ")) }.joined(separator: ",") + "\r\n")
        case .jsonl: emit(Self.jsonObject(keys, values) + "\n")
        case .json: emit((rows == 0 ? "\n" : ",\n") + Self.jsonObject(keys, values))
        case .table:
            let row = RecordRow(keys: keys, values: values)
            let raw = table.map { $0.cell(row) }
            let cells = zip(table, raw).enumerated().map { i, pair in
                let (column, value) = pair
                let cell = Self.cleanCell(value)
                // A fixed-width column other than the last holds its width, so the columns after it stay aligned.
                let fixed = i < table.count - 1 ? column.width : nil
                guard let limit = [column.limit, fixed].compactMap({ $0 }).min(), cell.count > limit else { return cell }
                return column.keepsEnd
                    ? "…" + String(cell.suffix(max(0, limit - 1))) : String(cell.prefix(max(0, limit - 1))) + "…"
            }
            emit(tableLine(cells, raw: raw, styled: true) + "\n")
        }
        rows += 1
    }

    /// JSON's closing bracket; nothing for the other formats.
    public mutating func end() {
        if format == .json { emit(rows == 0 ? "]\n" : "\n]\n") }
    }

    private func tableLine(_ cells: [String], raw: [String] = [], styled: Bool) -> String {
        var line = ""
        for (i, column) in table.enumerated() {
            var cell = cells[i]
            if let width = column.width {
                let length = cell.count
                cell += String(repeating: " ", count: max(0, width - length) + 2)
            }
            if styled, let style = column.style { cell = style(cell, raw[i]) }
            line += cell
        }
        return line
    }

    /// RFC 4180: a field holding a comma, a double quote, CR or LF is quoted, its quotes doubled. Checked on
    /// Unicode scalars, since "\r\n" is one `Character`.
    public static func csvField(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\"" { out.unicodeScalars.append("\"") }
            out.unicodeScalars.append(scalar)
        }
        return out + "\""
    }

    public static func jsonObject(_ keys: [String], _ values: [RecordValue]) -> String {
        "{" + zip(keys, values).map { JSONString.quoted($0) + ":" + $1.json }.joined(separator: ",") + "}"
    }

    /// A table cell on one line, with no terminal control sequences from the data: control characters
    /// (CR, LF, TAB, ESC, …) become spaces.
    public static func cleanCell(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) })
        else { return value }
        var out = ""
        for scalar in value.unicodeScalars {
            let v = scalar.value
            out.unicodeScalars.append(v < 0x20 || v == 0x7F || (0x80..<0xA0).contains(v) ? " " : scalar)
        }
        return out
    }
}

/// A count with its noun agreeing, for messages and reports: "1 rule", "2 rules", "3 analyses" with a plural given.
public func counted(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(n) " + (n == 1 ? singular : plural ?? singular + "s")
}
