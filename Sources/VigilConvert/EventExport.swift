// Events as table rows in the flat layout the conversions expect: one column per field under the name the
// local engine gives it (EVTX System elements and attributes, EventData/UserData members, flat JSON paths with
// the mapping's prefixes stripped and aliases filled), every value as text. Loaded into Spark, ClickHouse or
// DuckDB, these rows make a converted rule see what `vigil hunt` sees.
import VigilCore
import VigilHunt
import VigilSigma

public struct FlatRow {
    /// Column → text (nil for JSON null); a list-valued field keeps its elements.
    public var columns: [(name: String, value: FlatValue)] = []

    public enum FlatValue {
        case text(String)
        case null
        case list([String])
    }
}

public struct EventFlattener: Sendable {
    let aliases: [String: String]
    let stripPrefixes: [String]
    /// The column naming the event's origin (`file:line`, as `vigil hunt` reports it).
    public static let originColumn = "vigil_event"
    /// The column with the event's time as seconds since 1970 (the local engine's reading of it), which
    /// correlation queries order and window by.
    public static let timeColumn = "vigil_time"

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
