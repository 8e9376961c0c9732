// Events as table rows in the flat layout the conversions expect: one column per field under the name the
// local engine gives it (EVTX System elements and attributes, EventData/UserData members, flat JSON paths with
// the mapping's prefixes stripped and aliases filled), every value as text. Loaded into Spark, ClickHouse or
// DuckDB, these rows make a converted rule see what `vigil hunt` sees.
import VigilConvert
import VigilCore
import VigilLogs
import VigilSigma

public struct FlatRow {
    /// Column → text (nil for JSON null); a list-valued field keeps its elements.
    public var columns: [(name: String, value: FlatValue)] = []

    public enum FlatValue {
        case text(String)
        case null
        case list([String])

        /// The value as one text cell, as DuckDB's `read_json` gives a VARCHAR column for the JSON-lines value:
        /// a list as its JSON array text (`["a","b"]`, escaped the way DuckDB writes JSON), so a table loaded
        /// from Parquet equals one loaded from the JSON lines. Nil for null.
        public var cell: String? {
            switch self {
            case .text(let t): return t
            case .null: return nil
            case .list(let items):
                var out = "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += "," }
                    JSONString.appendQuoted(item, to: &out, style: .duckDB)
                }
                return out + "]"
            }
        }
    }
}

/// The flat layout's columns in first-seen order, names compared ignoring case (as `EventFlattener` merges them).
public struct FlatColumns {
    public private(set) var names: [String] = []
    /// Lower-cased name → position in `names`.
    public private(set) var index: [String: Int] = [:]

    public init() {}

    /// Adds the row's new columns, and renames its fields to their column's first spelling: engines match JSON
    /// keys to columns case-sensitively (DuckDB, ClickHouse), so a later `ProcessID` would otherwise be lost
    /// from a `ProcessId` column, while `vigil hunt` reads fields ignoring case.
    public mutating func add(_ row: inout FlatRow) {
        for k in row.columns.indices {
            let key = row.columns[k].name.lowercased()
            if let i = index[key] {
                if names[i] != row.columns[k].name { row.columns[k].name = names[i] }
            } else {
                index[key] = names.count
                names.append(row.columns[k].name)
            }
        }
    }

    public func position(_ name: String) -> Int? { index[name.lowercased()] }
}

public struct EventFlattener: Sendable {
    let aliases: [String: String]
    let stripPrefixes: [String]
    public static let originColumn = ExportColumns.origin
    public static let timeColumn = ExportColumns.time
    public static let channelColumn = ExportColumns.channel
    public static let eventIDColumn = ExportColumns.eventID

    public init(mapping: LogsourceMapping = .builtin) {
        aliases = mapping.fieldAliases
        stripPrefixes = mapping.stripPrefixes
    }

    public func row(_ event: Event, origin: EventOrigin) -> FlatRow {
        var row = FlatRow()
        var index: [String: Int] = [:]
        func set(_ name: String, _ value: FlatRow.FlatValue, overwrite: Bool) {
            let key = name.lowercased()
            if let i = index[key] {
                if overwrite { row.columns[i].value = value }
                return
            }
            index[key] = row.columns.count
            row.columns.append((name, value))
        }
        set(Self.originColumn, .text("\(origin.file):\(origin.line)"), overwrite: true)
        if let time = event.timestamp.flatMap(Timestamp.epoch) { set(Self.timeColumn, .text(String(time)), overwrite: true) }
        if let channel = event.channel { set(Self.channelColumn, .text(channel), overwrite: true) }
        if let id = event.eventID { set(Self.eventIDColumn, .text(id), overwrite: true) }
        var aliased: [(String, FlatRow.FlatValue)] = []
        let view = event.view
        event.forEachField { rawName, node in
            let name = JSONString.unescape(rawName)
            let value: FlatRow.FlatValue
            switch view.kind(node) {
            case .string, .number, .bool: value = .text(event.text(node) ?? "")
            case .null: value = .null
            case .array:
                var items: [String] = []
                view.forEachElement(node) { e in if let t = event.text(event.scalar(e)) { items.append(t) } }
                value = .list(items)
            case .object: return
            }
            let lower = name.lowercased()
            if event.shape == .flat, let target = aliases[lower] {
                set(name, value, overwrite: true)
                aliased.append((target, value))
                return
            }
            if let prefix = stripPrefixes.first(where: { lower.count > $0.count && lower.hasPrefix($0) }) {
                set(String(name.dropFirst(prefix.count)), value, overwrite: true)
                return
            }
            set(name, value, overwrite: true)
        }
        // An alias fills its target only when the event does not carry the target itself.
        for (target, value) in aliased { set(target, value, overwrite: false) }
        return row
    }

    /// The row as one JSON object (lists as arrays of strings).
    public static func json(_ row: FlatRow, into out: inout String) {
        out += "{"
        for (k, column) in row.columns.enumerated() {
            if k > 0 { out += "," }
            JSONString.appendQuoted(column.name, to: &out)
            out += ":"
            switch column.value {
            case .text(let t): JSONString.appendQuoted(t, to: &out)
            case .null: out += "null"
            case .list(let items):
                out += "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += "," }
                    JSONString.appendQuoted(item, to: &out)
                }
                out += "]"
            }
        }
        out += "}\n"
    }
}
