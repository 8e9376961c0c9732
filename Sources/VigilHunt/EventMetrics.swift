// `vigil metrics`: how many events of which channel, event ID and host a set of logs holds, and who logged
// on from where (Security 4624/4625/4648/4778/4779, RDP 1149/21/25), successful or not.
import VigilCore

/// The kind of logon an event records.
public enum LogonKind: String, Sendable, Codable, CaseIterable {
    /// 4624, RDP 1149 (authentication), RDP 21 (session logon), RDP 25 (session reconnection).
    case success
    /// 4625.
    case failure
    /// 4648: a logon with explicit credentials (runas, remote tools).
    case explicit
    /// 4778: a session reconnected.
    case reconnect
    /// 4779: a session disconnected.
    case disconnect

    /// Which event IDs of which channels count, and where each keeps its user and source address.
    static func classify(channel: String, eventID: String) -> (LogonKind, user: String, source: String)? {
        switch channel.lowercased() {
        case "security":
            switch eventID {
            case "4624": return (.success, "TargetUserName", "IpAddress")
            case "4625": return (.failure, "TargetUserName", "IpAddress")
            case "4648": return (.explicit, "TargetUserName", "IpAddress")
            case "4778": return (.reconnect, "AccountName", "ClientAddress")
            case "4779": return (.disconnect, "AccountName", "ClientAddress")
            default: return nil
            }
        case "microsoft-windows-terminalservices-remoteconnectionmanager/operational":
            return eventID == "1149" ? (.success, "Param1", "Param3") : nil
        case "microsoft-windows-terminalservices-localsessionmanager/operational":
            return eventID == "21" || eventID == "25" ? (.success, "User", "Address") : nil
        default: return nil
        }
    }
}

/// A user and the address a logon came from; "-" where the event has none.
public struct LogonKey: Hashable, Sendable, Codable {
    public var user: String
    public var source: String

    public init(user: String, source: String) {
        self.user = user
        self.source = source
    }
}

/// Counts per logon kind for one user and source.
public struct LogonCounts: Sendable, Codable, Equatable {
    public var success = 0
    public var failure = 0
    public var explicit = 0
    public var reconnect = 0
    public var disconnect = 0

    public init(success: Int = 0, failure: Int = 0, explicit: Int = 0, reconnect: Int = 0, disconnect: Int = 0) {
        self.success = success
        self.failure = failure
        self.explicit = explicit
        self.reconnect = reconnect
        self.disconnect = disconnect
    }

    mutating func add(_ kind: LogonKind) {
        switch kind {
        case .success: success += 1
        case .failure: failure += 1
        case .explicit: explicit += 1
        case .reconnect: reconnect += 1
        case .disconnect: disconnect += 1
        }
    }
}

/// A channel and an event ID within it.
public struct ChannelEvent: Hashable, Sendable, Codable {
    public var channel: String
    public var eventID: String

    public init(channel: String, eventID: String) {
        self.channel = channel
        self.eventID = eventID
    }
}

/// Running totals; memory grows with the number of distinct channels, IDs, hosts and logon pairs, not events.
public struct EventMetrics: Sendable {
    public private(set) var events = 0
    public private(set) var byChannel: [String: Int] = [:]
    public private(set) var byEventID: [ChannelEvent: Int] = [:]
    public private(set) var byHost: [String: Int] = [:]
    public private(set) var logons: [LogonKey: LogonCounts] = [:]

    public init() {}

    public mutating func add(_ event: Event) {
        events += 1
        let channel = event.channel ?? "-"
        let eventID = event.eventID ?? "-"
        byChannel[channel, default: 0] += 1
        byEventID[ChannelEvent(channel: channel, eventID: eventID), default: 0] += 1
        byHost[event.computer ?? "-", default: 0] += 1
        guard let (kind, userField, sourceField) = LogonKind.classify(channel: channel, eventID: eventID) else { return }
        let key = LogonKey(user: Self.user(event.value(named: userField)), source: Self.clean(event.value(named: sourceField)))
        logons[key, default: LogonCounts()].add(kind)
    }

    /// Adds the counts of `other` (a fold of other events).
    public mutating func merge(_ other: EventMetrics) {
        events += other.events
        byChannel.merge(other.byChannel, uniquingKeysWith: +)
        byEventID.merge(other.byEventID, uniquingKeysWith: +)
        byHost.merge(other.byHost, uniquingKeysWith: +)
        logons.merge(other.logons) { a, b in
            LogonCounts(
                success: a.success + b.success, failure: a.failure + b.failure, explicit: a.explicit + b.explicit,
                reconnect: a.reconnect + b.reconnect, disconnect: a.disconnect + b.disconnect)
        }
    }

    /// RDP 21/25 write `DOMAIN\user` where the Security log writes the name alone; keep the name so both meet.
    static func user(_ raw: String?) -> String {
        let name = clean(raw)
        if let slash = name.lastIndex(of: "\\") { return clean(String(name[name.index(after: slash)...])) }
        return name
    }

    static func clean(_ raw: String?) -> String {
        guard let raw, !raw.isEmpty else { return "-" }
        return raw
    }

    /// Sorted, encodable tables: counts descending, then by name.
    public func summary() -> MetricsSummary {
        func rows<K>(_ d: [K: Int], _ name: (K) -> String) -> [(K, Int)] {
            d.sorted { $0.value != $1.value ? $0.value > $1.value : name($0.key) < name($1.key) }.map { ($0.key, $0.value) }
        }
        return MetricsSummary(
            events: events,
            channels: rows(byChannel, { $0 }).map { .init(channel: $0.0, count: $0.1) },
            eventIDs: rows(byEventID, { $0.channel + "\u{0}" + $0.eventID }).map {
                .init(channel: $0.0.channel, eventID: $0.0.eventID, count: $0.1)
            },
            hosts: rows(byHost, { $0 }).map { .init(host: $0.0, count: $0.1) },
            logons: logons.sorted {
                let a = $0.value.success + $0.value.failure
                let b = $1.value.success + $1.value.failure
                return a != b ? a > b : ($0.key.user, $0.key.source) < ($1.key.user, $1.key.source)
            }.map {
                .init(
                    user: $0.key.user, source: $0.key.source, success: $0.value.success, failure: $0.value.failure,
                    explicit: $0.value.explicit, reconnect: $0.value.reconnect, disconnect: $0.value.disconnect)
            })
    }
}

/// What `vigil metrics --json` prints.
public struct MetricsSummary: Sendable, Codable {
    public struct Channel: Sendable, Codable {
        public var channel: String
        public var count: Int
    }
    public struct EventID: Sendable, Codable {
        public var channel: String
        public var eventID: String
        public var count: Int
    }
    public struct Host: Sendable, Codable {
        public var host: String
        public var count: Int
    }
    public struct Logon: Sendable, Codable {
        public var user: String
        public var source: String
        public var success: Int
        public var failure: Int
        public var explicit: Int
        public var reconnect: Int
        public var disconnect: Int
    }

    public var events: Int
    public var channels: [Channel]
    public var eventIDs: [EventID]
    public var hosts: [Host]
    public var logons: [Logon]
}
