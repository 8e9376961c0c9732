// Where a Sigma field lives in a table: the column layouts a team loads logs in (Vigil's flat export, evtx_dump's
// nested records, Winlogbeat/ECS). Layouts are data (`BuiltinLayouts.yaml` embedded; `--layout FILE` adds more),
// the conversion side of the same field names the local engine's logsource mapping uses.
import VigilCore
import Yams

public struct FieldLayout: Sendable {
    public var name: String
    public var description: String
    /// Column for a field not listed in `columns`: `{field}` is replaced by the Sigma name.
    public var defaultColumn: String
    /// Sigma field → column.
    public var columns: [String: String]
    /// Columns are paths into nested records (`Event.EventData.Image`); else a dot is part of the name.
    public var nested: Bool
    /// The column holding each event's time in seconds since 1970, for correlations (nil: the layout cannot run them).
    public var time: String?
    /// The column of a field, as path segments.
    public func column(_ field: String) -> [String] {
        // The flat layout's default is the field itself: no search (StringProcessing's `replacing` was a third of
        // converting a rule set).
        let path = columns[field] ?? (defaultColumn == "{field}" ? field : defaultColumn.replacing("{field}", with: field))
        if !nested { return [path] }
        return path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// The layouts Vigil ships.
    public static let builtin: [FieldLayout] = {
        do { return try load(yaml: BuiltinLayouts.yaml, file: "<builtin layouts>") } catch {
            fatalError("built-in layouts are invalid: \(error)")
        }
    }()

    public static func named(_ name: String, extra: [FieldLayout] = []) -> FieldLayout? {
        (extra + builtin).first { $0.name == name }
    }

    public static func load(yaml text: String, file: String) throws(Diagnostic) -> [FieldLayout] {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw Diagnostic(SourceLocation(file: file), code: "yaml-syntax", "\(error)")
        }
        guard case .mapping(let top)? = root, case .mapping(let layouts)? = top["layouts"] else {
            throw Diagnostic(SourceLocation(file: file), code: "layout-invalid", "a layout file needs a 'layouts:' mapping")
        }
        var out: [FieldLayout] = []
        for (key, value) in layouts {
            guard let name = key.string, case .mapping(let m) = value else {
                throw Diagnostic(
                    SourceLocation(file: file, line: (key.mark?.line ?? 0)), code: "layout-invalid", "each layout must be a mapping")
            }
            var columns: [String: String] = [:]
            if case .mapping(let fields)? = m["fields"] {
                for (k, v) in fields { if let k = k.string, let v = v.string { columns[k] = v } }
            }
            out.append(
                FieldLayout(
                    name: name, description: m["description"]?.string ?? "", defaultColumn: m["default"]?.string ?? "{field}",
                    columns: columns, nested: m["nested"]?.bool ?? false, time: m["time"]?.string))
        }
        return out
    }
}

enum BuiltinLayouts {
    static let yaml = #"""
        # Column layouts for converted queries: where each Sigma field lives in a table.
        # default: the column of a field not listed under fields ({field} is its Sigma name).
        # nested: columns are paths into nested records, split at dots.
        # time: the column with each event's time in seconds since 1970 (correlations window by it).
        layouts:
          flat:
            description: One column per field under its Sigma name, as `vigil export` writes it and as flat Sysmon/Security JSON holds it.
            default: "{field}"
            time: vigil_time
          evtx:
            description: evtx_dump JSON (and `vigil evtx dump`) loaded as nested records, Event.System and Event.EventData.
            nested: true
            default: "Event.EventData.{field}"
            fields:
              EventID: Event.System.EventID
              Channel: Event.System.Channel
              Computer: Event.System.Computer
              EventRecordID: Event.System.EventRecordID
              Level: Event.System.Level
              Task: Event.System.Task
              Opcode: Event.System.Opcode
              Keywords: Event.System.Keywords
              Version: Event.System.Version
              Provider_Name: "Event.System.Provider.#attributes.Name"
              Provider_Guid: "Event.System.Provider.#attributes.Guid"
              TimeCreated_SystemTime: "Event.System.TimeCreated.#attributes.SystemTime"
              Security_UserID: "Event.System.Security.#attributes.UserID"
          ecs:
            description: Winlogbeat 7+ documents (ECS), nested; event data under winlog.event_data.
            nested: true
            default: "winlog.event_data.{field}"
            fields:
              EventID: winlog.event_id
              Channel: winlog.channel
              Computer: winlog.computer_name
              EventRecordID: winlog.record_id
              Provider_Name: winlog.provider_name
        """#
}

/// The columns `vigil export` adds to every flat row, which converted queries and engine hunts read.
public enum ExportColumns {
    /// The event's origin (`file:line`, as `vigil hunt` reports it).
    public static let origin = "vigil_event"
    /// The event's time as seconds since 1970 (the local engine's reading of it), which correlation queries
    /// order and window by.
    public static let time = "vigil_time"
    /// The channel and event ID that wrote the event (EVTX `System`, a flat export's header keys): the logsource
    /// conditions read them, while a data field of the same name (event 104's cleared `Channel`) stays in its
    /// own column for the rules' field tests, as in the local engine.
    public static let channel = "vigil_channel"
    public static let eventID = "vigil_event_id"
}
