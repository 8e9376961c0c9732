// An event is one parsed JSON document. This file names its fields the way Sigma does, for the two
// shapes logs come in: evtx_dump's `Event.System/EventData` tree and flat (or dotted) JSON exports.

/// The layout of an event document.
public enum EventShape: Sendable {
    /// `{"Event": {"System": …, "EventData": …}}` as written by evtx_dump (and Vigil's EVTX reader).
    case evtx
    /// Any other object: fields at the top level, nested objects joined with dots (ECS, Winlogbeat, Sysmon exports).
    case flat
}

/// One JSON event over a parsed tape. Valid only while the tape and bytes behind `view` are.
public struct Event {
    public let view: JSONView
    public let root: Int
    public let shape: EventShape
    /// The `Event` object of an EVTX-shaped document.
    public let eventNode: Int?
    public let systemNode: Int?
    public let eventDataNode: Int?
    public let userDataNode: Int?

    public init(view: JSONView, root: Int = 0) {
        self.view = view
        self.root = root
        if let event = view.member(root, "Event"), view.kind(event) == .object {
            shape = .evtx
            eventNode = event
            systemNode = view.member(event, "System")
            eventDataNode = view.member(event, "EventData")
            userDataNode = view.member(event, "UserData")
        } else {
            shape = .flat
            eventNode = nil
            systemNode = nil
            eventDataNode = nil
            userDataNode = nil
        }
    }

    /// A value that is an object carrying `#text` (EVTX elements with attributes) stands for that text.
    @inline(__always) public func scalar(_ i: Int) -> Int {
        if view.kind(i) == .object, let text = view.member(i, "#text") { return text }
        return i
    }

    /// Calls `body(name, valueIndex)` for every field under its Sigma name. Names are raw (JSON-escaped) bytes
    /// valid only during the call.
    ///
    /// EVTX: `EventData` and `UserData` members by their own names; `System` elements by name, their XML
    /// attributes as `Element_Attribute` (`Provider_Name`, `Security_UserID`, `TimeCreated_SystemTime`).
    /// Flat: top-level members; nested objects as dotted paths (`process.command_line`).
    public func forEachField(_ body: (UnsafeRawBufferPointer, Int) -> Void) {
        withUnsafeTemporaryAllocation(byteCount: 512, alignment: 1) { scratch in
            let name = NameBuffer(storage: scratch)
            switch shape {
            case .evtx:
                if let system = systemNode { emitSystem(system, name, body) }
                if let data = eventDataNode { emitData(data, body) }
                if let user = userDataNode {
                    // UserData holds one element named by the provider; its children are the fields.
                    view.forEachMember(user) { _, v in emitData(v, body) }
                }
            case .flat:
                emitFlat(root, name, 0, body)
            }
        }
    }

    private func emitSystem(_ system: Int, _ name: NameBuffer, _ body: (UnsafeRawBufferPointer, Int) -> Void) {
        view.forEachMember(system) { k, v in
            let key = view.raw(k)
            if view.kind(v) == .object {
                if let text = view.member(v, "#text") { body(key, text) }
                if let attributes = view.member(v, "#attributes") {
                    view.forEachMember(attributes) { ak, av in
                        var n = name
                        n.set(key)
                        n.append(UInt8(ascii: "_"))
                        n.append(view.raw(ak))
                        body(n.bytes, av)
                    }
                }
            } else {
                body(key, v)
            }
        }
    }

    private func emitData(_ data: Int, _ body: (UnsafeRawBufferPointer, Int) -> Void) {
        guard view.kind(data) == .object else { return }
        view.forEachMember(data) { k, v in
            if view.stringEquals(k, "#attributes") { return }
            body(view.raw(k), scalar(v))
        }
    }

    private func emitFlat(_ object: Int, _ name: NameBuffer, _ depth: Int, _ body: (UnsafeRawBufferPointer, Int) -> Void) {
        view.forEachMember(object) { k, v in
            var n = name
            if depth > 0 { n.append(UInt8(ascii: ".")) }
            n.append(view.raw(k))
            if view.kind(v) == .object && depth < 6 {
                if let text = view.member(v, "#text") { body(n.bytes, text) }
                emitFlat(v, n, depth + 1, body)
            } else {
                body(n.bytes, v)
            }
        }
    }

    // MARK: Common header fields, for reporting.

    private func systemValue(_ key: StaticString) -> Int? {
        guard let system = systemNode, let v = view.member(system, key) else { return nil }
        return scalar(v)
    }

    private func systemAttribute(_ element: StaticString, _ attribute: StaticString) -> Int? {
        guard let system = systemNode, let e = view.member(system, element), let a = view.member(e, "#attributes") else {
            return nil
        }
        return view.member(a, attribute)
    }

    /// The first of several flat keys present.
    private func flatValue(_ keys: [StaticString]) -> Int? {
        for key in keys { if let v = view.member(root, key) { return scalar(v) } }
        if let winlog = view.member(root, "winlog") {
            for key in keys { if let v = view.member(winlog, key) { return scalar(v) } }
        }
        return nil
    }

    /// Text of a scalar node: strings decoded, numbers and booleans as written.
    public func text(_ i: Int?) -> String? {
        guard let i else { return nil }
        switch view.kind(i) {
        case .string: return view.string(i)
        case .number, .bool: return String(decoding: view.raw(i), as: UTF8.self)
        default: return nil
        }
    }

    /// The node of the channel that wrote the event: `System/Channel` for EVTX, never a `Channel` in the event's
    /// data (event 104 names the cleared log there); for flat events `vigil_channel` (`vigil export`'s header
    /// column), `Channel`, `channel` or `log_name` at the top level or under `winlog`. Logsource checks read this, rule field tests read the fields.
    public var headerChannelNode: Int? {
        shape == .evtx ? systemValue("Channel") : flatValue(["vigil_channel", "Channel", "channel", "log_name"])
    }
    /// The node of the event ID from the same place as `headerChannelNode`.
    public var headerEventIDNode: Int? {
        shape == .evtx ? systemValue("EventID") : flatValue(["vigil_event_id", "EventID", "event_id", "EventId"])
    }

    public var channel: String? { text(headerChannelNode) }
    public var eventID: String? { text(headerEventIDNode) }
    public var computer: String? {
        text(
            shape == .evtx
                ? systemValue("Computer") : flatValue(["Computer", "Hostname", "computer_name", "host", "DeviceName", "HostName", "node"]))
    }
    public var recordID: String? {
        text(shape == .evtx ? systemValue("EventRecordID") : flatValue(["EventRecordID", "RecordNumber", "record_id"]))
    }
    public var timestamp: String? {
        text(
            shape == .evtx
                ? systemAttribute("TimeCreated", "SystemTime")
                : flatValue(["vigil_time", "@timestamp", "TimeCreated", "UtcTime", "timestamp"]))
    }

    /// All fields with decoded string values, for output. Allocates: use only for reported events.
    public func fields() -> [(name: String, value: String)] {
        var result: [(String, String)] = []
        forEachField { name, v in
            let key = JSONString.unescape(name)
            switch view.kind(v) {
            case .string, .number, .bool: result.append((key, text(v) ?? ""))
            case .null: result.append((key, ""))
            case .array:
                var parts: [String] = []
                view.forEachElement(v) { e in if let t = text(scalar(e)) { parts.append(t) } }
                result.append((key, parts.joined(separator: ", ")))
            case .object: break
            }
        }
        return result
    }
}

/// A bounded name under construction on a caller-provided buffer; names longer than the buffer are cut.
struct NameBuffer {
    let storage: UnsafeMutableRawBufferPointer
    var count = 0

    init(storage: UnsafeMutableRawBufferPointer) { self.storage = storage }

    mutating func set(_ bytes: UnsafeRawBufferPointer) {
        count = 0
        append(bytes)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let n = min(bytes.count, storage.count - count)
        if n > 0 { storage.baseAddress!.advanced(by: count).copyMemory(from: bytes.baseAddress!, byteCount: n) }
        count += n
    }

    mutating func append(_ byte: UInt8) {
        guard count < storage.count else { return }
        storage[count] = byte
        count += 1
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0..<count]) }
}

extension Event {
    /// The text of the last field whose name equals `name` ignoring ASCII case and spaces, or nil: as in
    /// matching, a field of the event's data (EventData/UserData, emitted after System) wins over System's.
    /// Walks every field: for reporting and correlation, not for the matching hot path.
    public func value(named name: String) -> String? {
        let wanted = Array(name.utf8).filter { $0 != 0x20 }.map { $0 &- 0x41 < 26 ? $0 | 0x20 : $0 }
        var found: Int?
        forEachField { key, v in
            var k = 0
            for b in key where b != 0x20 {
                guard k < wanted.count, (b &- 0x41 < 26 ? b | 0x20 : b) == wanted[k] else { return }
                k += 1
            }
            if k == wanted.count { found = v }
        }
        return text(found.map(scalar))
    }
}
