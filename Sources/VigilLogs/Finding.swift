// What every finding reports about its event — detections, search hits, indicator hits and timeline rows
// alike: where the event is and the header values that name it.
import VigilCore

/// An event's place (file and line; EVTX: the EventRecordID) and its header: time, host, channel, event and
/// record IDs, as the event gives them.
public struct EventLocation: Sendable, Hashable {
    public var file: String
    /// Line of the event in its file (EVTX: the EventRecordID).
    public var line: Int
    public var timestamp: String?
    public var computer: String?
    public var channel: String?
    public var eventID: String?
    public var recordID: String?

    public init(
        file: String, line: Int, timestamp: String? = nil, computer: String? = nil, channel: String? = nil, eventID: String? = nil,
        recordID: String? = nil
    ) {
        self.file = file
        self.line = line
        self.timestamp = timestamp
        self.computer = computer
        self.channel = channel
        self.eventID = eventID
        self.recordID = recordID
    }

    /// The location of `event`, read from `origin` and its header.
    public init(_ event: Event, _ origin: EventOrigin) {
        self.init(
            file: origin.file, line: origin.line, timestamp: event.timestamp, computer: event.computer, channel: event.channel,
            eventID: event.eventID, recordID: event.recordID)
    }

    /// The file's last path component, for terminal tables.
    public var fileName: String { file.split(separator: "/").last.map(String.init) ?? file }
}

/// One rule (an index into the rule set that ran) firing on one event.
@dynamicMemberLookup
public struct Detection: Sendable {
    public var rule: Int
    public var location: EventLocation
    /// The event's fields (name, value), when collected.
    public var fields: [(name: String, value: String)]

    public init(rule: Int, location: EventLocation, fields: [(name: String, value: String)] = []) {
        self.rule = rule
        self.location = location
        self.fields = fields
    }

    public subscript<T>(dynamicMember path: KeyPath<EventLocation, T>) -> T { location[keyPath: path] }
}
