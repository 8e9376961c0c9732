// `vigil timeline`: Sigma detections, and optionally every event of chosen channels and event IDs, from many
// files and hosts in one time order, with ATT&CK columns and per-host and per-tactic summaries.
import VigilCore
import VigilLogs
import VigilSigma

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Plain events to put on the timeline besides detections: one channel, with all or some of its event IDs.
public struct EventSelector: Sendable, Hashable, CustomStringConvertible {
    /// The channel as given (compared ignoring ASCII case).
    public var channel: String
    /// Empty: every event of the channel.
    public var eventIDs: [String]
    private let folded: [UInt8]

    public init(channel: String, eventIDs: [String] = []) {
        self.channel = channel
        self.eventIDs = eventIDs
        folded = Array(channel.lowercased().utf8)
    }

    /// `Channel` or `Channel:ID,ID,…` (`Security:4624,4625`, `Microsoft-Windows-Sysmon/Operational:1`).
    /// The IDs follow the last colon, so a channel name may hold colons of its own.
    public init(parsing text: String) throws(EventSelectorError) {
        var channel = Substring(text)
        var ids: [String] = []
        if let colon = text.lastIndex(of: ":") {
            let tail = text[text.index(after: colon)...]
            let parts = tail.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
            guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else {
                throw EventSelectorError(description: "'\(text)': event IDs after ':' must be numbers separated by commas")
            }
            ids = parts.map(String.init)
            channel = text[..<colon]
        }
        let name = String(channel.trimmingSpaces)
        guard !name.isEmpty else { throw EventSelectorError(description: "'\(text)' names no channel") }
        self.init(channel: name, eventIDs: ids)
    }

    public var description: String { eventIDs.isEmpty ? channel : channel + ":" + eventIDs.joined(separator: ",") }

    func matches(channel: String, eventID: String?) -> Bool {
        guard channel.utf8.count == folded.count,
            zip(channel.utf8, folded).allSatisfy({ ($0 &- 0x41 < 26 ? $0 | 0x20 : $0) == $1 })
        else { return false }
        guard !eventIDs.isEmpty else { return true }
        guard let eventID else { return false }
        return eventIDs.contains(eventID)
    }
}

public struct EventSelectorError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Timestamps as the timeline keeps them: microseconds since 1970 UTC.
public enum TimelineTime {
    /// Microseconds of `2019-05-10T12:34:56.7890123Z` (EVTX SystemTime), `2019-05-10 12:34:56.789` (Sysmon
    /// UtcTime, which is UTC without saying so) or with an offset (`+02:00`, `-0500`, applied); nil when the
    /// text is not such a date. Digits beyond microseconds are cut, not rounded, so order is kept.
    public static func micros(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { u -> Int64? in
            func num(_ a: Int, _ b: Int) -> Int? {
                guard b <= u.count else { return nil }
                var v = 0
                for i in a..<b {
                    guard u[i] &- 0x30 < 10 else { return nil }
                    v = v * 10 + Int(u[i] &- 0x30)
                }
                return v
            }
            guard u.count >= 19, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
                u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: " ") || u[10] == UInt8(ascii: "t"),
                u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
                let year = num(0, 4), let month = num(5, 7), let day = num(8, 10), let hour = num(11, 13),
                let minute = num(14, 16), let second = num(17, 19),
                (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
            else { return nil }
            var i = 19
            var fraction = 0
            if i < u.count && (u[i] == UInt8(ascii: ".") || u[i] == UInt8(ascii: ",")) {
                i += 1
                var digits = 0
                while i < u.count, u[i] &- 0x30 < 10 {
                    if digits < 6 {
                        fraction = fraction * 10 + Int(u[i] &- 0x30)
                        digits += 1
                    }
                    i += 1
                }
                while digits < 6 {
                    fraction *= 10
                    digits += 1
                }
            }
            var offsetSeconds = 0
            if i < u.count {
                switch u[i] {
                case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                    i += 1
                case UInt8(ascii: "+"), UInt8(ascii: "-"):
                    let sign = u[i] == UInt8(ascii: "-") ? -1 : 1
                    guard let h = num(i + 1, i + 3) else { return nil }
                    var j = i + 3
                    if j < u.count && u[j] == UInt8(ascii: ":") { j += 1 }
                    let m = num(j, j + 2) ?? 0
                    if num(j, j + 2) != nil { j += 2 }
                    offsetSeconds = sign * (h * 3600 + m * 60)
                    i = j
                default:
                    return nil
                }
            }
            guard i == u.count else { return nil }
            let days = CivilDate.days(year: year, month: month, day: day)
            let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds
            return Int64(seconds) * 1_000_000 + Int64(fraction)
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`: fixed width, so that the text sorts as the time does.
    public static func iso(_ micros: Int64) -> String {
        let total = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = Int(micros - total * 1_000_000)
        let days = Int(total >= 0 ? total / 86400 : (total - 86399) / 86400)
        let secs = Int(total) - days * 86400
        let (y, m, d) = CivilDate.date(days: days)
        func digits(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(digits(y, 4))-\(digits(m, 2))-\(digits(d, 2))T\(digits(secs / 3600, 2)):\(digits(secs / 60 % 60, 2)):"
            + "\(digits(secs % 60, 2)).\(digits(fraction, 6))Z"
    }
}

/// What put an entry on the timeline.
public enum TimelineSource: Sendable, Hashable {
    /// A Sigma rule fired (index into the rule set's `rules`).
    case rule(Int32)
    /// A correlation rule fired (index into the rule set's `correlations`).
    case correlation(Int32)
    /// A plain event of a selected channel and event ID.
    case event
}

/// One row of the timeline, kept small: header values are interned (`Timeline.symbols`), rule details are
/// looked up in the rule set when printed, and the event itself is not kept, only a short message.
public struct TimelineEntry: Sendable {
    /// `time` of an entry whose event has no readable timestamp: sorts after every real time.
    public static let noTime = Int64.max
    /// Microseconds since 1970 UTC, or `noTime`.
    public var time: Int64
    public var source: TimelineSource
    /// Indexes into `Timeline.symbols`; -1 when the event has none.
    public var host: Int32
    public var channel: Int32
    public var eventID: Int32
    /// -1 when the event has none (or it is not a number).
    public var recordID: Int64
    /// Index into `Timeline.files`; -1 for correlation hits, which span events.
    public var file: Int32
    /// Line in the file (EVTX: the EventRecordID).
    public var line: Int
    /// A few telling fields of the event (`Field=value; …`), at most `Timeline.messageLimit` characters.
    public var message: String

    public var hasTime: Bool { time != Self.noTime }
}

/// Per-host or per-tactic figures of a timeline.
public struct TimelineSummaryRow: Sendable {
    public var key: String
    /// Entries of any kind (for a tactic: detections carrying it).
    public var entries: Int
    /// Entries from rules and correlations.
    public var detections: Int
    /// Earliest and latest time among the entries that have one.
    public var first: Int64?
    public var last: Int64?
    /// Rule titles by detections, most first (ties by title), at most `TimelineSummary.topRules`.
    public var topRules: [(title: String, count: Int)]
}

public struct TimelineSummary: Sendable {
    public static let topRules = 3
    /// Hosts by entries, most first; "-" holds entries without a host.
    public var hosts: [TimelineSummaryRow]
    /// ATT&CK tactics by detections, most first; "-" holds detections of rules without a tactic tag.
    public var tactics: [TimelineSummaryRow]
}

/// A finished timeline: entries sorted by time across all files, with what is needed to print them.
///
/// Memory: the input is streamed (about `threads + 1` batches at a time, see `EventStream.fold`); what stays
/// is one `TimelineEntry` per detection or selected event — about 64 bytes plus a message of at most
/// `messageLimit` characters — and one copy of each distinct host, channel, event ID and file name.
/// Detections are few; `--events` over a large log is what grows it, linearly and by nothing else.
public struct Timeline: Sendable {
    public static let messageLimit = 200

    public let ruleSet: RuleSet?
    public let selectors: [EventSelector]
    public private(set) var entries: [TimelineEntry] = []
    public private(set) var files: [String] = []
    /// Interned hosts, channels and event IDs.
    public private(set) var symbols: [String] = []
    private var symbolIndex: [String: Int32] = [:]
    private var fileIndex: [String: Int32] = [:]
    /// Rules that met no event of their logsource, by logsource.
    public private(set) var logsourcesWithoutEvents: [(logsource: SigmaLogsource, rules: [Int])] = []

    init(ruleSet: RuleSet?, selectors: [EventSelector]) {
        self.ruleSet = ruleSet
        self.selectors = selectors
    }

    /// Runs `ruleSet` (when given) over `files` and keeps its detections and correlation hits, and every event
    /// that one of `selectors` picks; then sorts by time (stable: equal times keep file and record order;
    /// entries without a time last).
    public static func build(
        _ files: [String], ruleSet: RuleSet?, events selectors: [EventSelector] = [], threads: Int = 2,
        sources: JSONSources = .builtin, report: inout EventStreamReport, onProgress: ((EventStreamProgress) -> Void)? = nil
    ) -> Timeline {
        var timeline = Timeline(ruleSet: ruleSet, selectors: selectors)
        let correlator = ruleSet.map { Correlator(correlations: $0.correlations, rules: $0.rules, mapping: $0.mapping) }
        let contexts = ruleSet.map { MatchContextPool(ruleSet: $0) }
        EventStream.fold(
            files, threads: threads, sources: sources, report: &report,
            partial: { TimelineBatch(context: contexts?.take()) },
            add: { batch, event, origin in
                batch.add(event, origin, ruleSet: ruleSet, correlator: correlator, selectors: selectors)
            },
            merge: { batch in
                if let context = batch.context { contexts?.give(context) }
                for raw in batch.entries { timeline.append(raw) }
            }, onProgress: onProgress)
        if let ruleSet, let contexts { timeline.logsourcesWithoutEvents = ruleSet.logsourcesWithoutEvents(contexts.contexts) }
        if let ruleSet, let correlator {
            for hit in correlator.evaluate() {
                let time = hit.lastTimestamp == 0 ? TimelineEntry.noTime : Int64((hit.lastTimestamp * 1_000_000).rounded(.down))
                let c = ruleSet.correlations[hit.correlation]
                timeline.append(
                    RawEntry(
                        time: time, source: .correlation(Int32(hit.correlation)), host: hit.group.joined(separator: ","),
                        channel: nil, eventID: nil, recordID: nil, file: nil, line: 0,
                        message: "\(c.type.rawValue) = \(hit.value)"))
            }
        }
        // The standard library's sort is stable, so equal times keep the input order (file, then record).
        timeline.entries.sort { $0.time < $1.time }
        return timeline
    }

    private mutating func intern(_ s: String?) -> Int32 {
        guard let s else { return -1 }
        if let i = symbolIndex[s] { return i }
        let i = Int32(symbols.count)
        symbols.append(s)
        symbolIndex[s] = i
        return i
    }

    private mutating func append(_ raw: RawEntry) {
        var file: Int32 = -1
        if let name = raw.file {
            if let i = fileIndex[name] {
                file = i
            } else {
                file = Int32(files.count)
                files.append(name)
                fileIndex[name] = file
            }
        }
        entries.append(
            TimelineEntry(
                time: raw.time, source: raw.source, host: intern(raw.host), channel: intern(raw.channel),
                eventID: intern(raw.eventID), recordID: raw.recordID.flatMap { Int64($0) } ?? -1, file: file, line: raw.line,
                message: raw.message))
    }

    // MARK: Reading entries

    public func symbol(_ i: Int32) -> String? { i >= 0 ? symbols[Int(i)] : nil }
    public func host(_ e: TimelineEntry) -> String? { symbol(e.host) }
    public func channel(_ e: TimelineEntry) -> String? { symbol(e.channel) }
    public func eventID(_ e: TimelineEntry) -> String? { symbol(e.eventID) }
    public func file(_ e: TimelineEntry) -> String? { e.file >= 0 ? files[Int(e.file)] : nil }

    /// Entries from rules and correlations (not plain events).
    public var detections: Int { entries.count(where: { $0.source != .event }) }

    /// Title, id, level, techniques and tactics of what put `e` on the timeline; nil fields for plain events.
    public func rule(of e: TimelineEntry) -> (title: String, id: String?, level: Severity?, techniques: [String], tactics: [String]) {
        switch e.source {
        case .rule(let i):
            let r = ruleSet!.rules[Int(i)]
            return (r.title, r.id, r.level ?? .medium, r.techniques.map(\.description), r.tactics)
        case .correlation(let i):
            let c = ruleSet!.correlations[Int(i)]
            return (
                c.title, c.id, c.level ?? .medium, c.tags.compactMap { TechniqueID($0)?.description }, SigmaRule.tactics(in: c.tags)
            )
        case .event:
            return ("", nil, nil, [], [])
        }
    }

    /// Per-host and per-tactic figures.
    public func summary() -> TimelineSummary {
        struct Tally {
            var entries = 0
            var detections = 0
            var first: Int64?
            var last: Int64?
            var rules: [String: Int] = [:]

            mutating func add(_ e: TimelineEntry, title: String?) {
                entries += 1
                if e.hasTime {
                    first = min(first ?? e.time, e.time)
                    last = max(last ?? e.time, e.time)
                }
                if let title {
                    detections += 1
                    rules[title, default: 0] += 1
                }
            }

            func row(_ key: String) -> TimelineSummaryRow {
                let top = rules.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(TimelineSummary.topRules)
                return TimelineSummaryRow(
                    key: key, entries: entries, detections: detections, first: first, last: last,
                    topRules: top.map { ($0.key, $0.value) })
            }
        }
        var hosts: [String: Tally] = [:]
        var tactics: [String: Tally] = [:]
        for e in entries {
            let rule = e.source == .event ? nil : self.rule(of: e)
            hosts[host(e) ?? "-", default: Tally()].add(e, title: rule?.title)
            if let rule {
                for tactic in rule.tactics.isEmpty ? ["-"] : rule.tactics { tactics[tactic, default: Tally()].add(e, title: rule.title) }
            }
        }
        func rows(_ tallies: [String: Tally]) -> [TimelineSummaryRow] {
            tallies.map { $0.value.row($0.key) }.sorted { $0.entries != $1.entries ? $0.entries > $1.entries : $0.key < $1.key }
        }
        return TimelineSummary(hosts: rows(hosts), tactics: rows(tactics))
    }
}

/// An entry as a worker finds it, before its strings are interned on the calling thread.
struct RawEntry {
    var time: Int64
    var source: TimelineSource
    var host: String?
    var channel: String?
    var eventID: String?
    var recordID: String?
    var file: String?
    var line: Int
    var message: String
}

/// The entries of one batch. Unchecked because of the `MatchContext` (a non-Sendable class): a batch is used
/// by one thread at a time, first the worker that fills it, then the caller that merges it.
struct TimelineBatch: @unchecked Sendable {
    let context: MatchContext?
    var entries: [RawEntry] = []

    init(context: MatchContext?) { self.context = context }

    mutating func add(
        _ event: Event, _ origin: EventOrigin, ruleSet: RuleSet?, correlator: Correlator?, selectors: [EventSelector]
    ) {
        var firing: [Int] = []
        if let ruleSet, let context, let correlator {
            ruleSet.detect(event, context: context, correlator: correlator) { rule in
                firing.append(rule)
            }
        }
        var selected = false
        if !selectors.isEmpty, let channel = event.channel {
            let id = event.eventID
            selected = selectors.contains { $0.matches(channel: channel, eventID: id) }
        }
        guard !firing.isEmpty || selected else { return }
        // Only events that made it onto the timeline pay for strings.
        let timestamp = event.timestamp
        let time = timestamp.flatMap(TimelineTime.micros) ?? TimelineEntry.noTime
        let base = RawEntry(
            time: time, source: .event, host: event.computer, channel: event.channel, eventID: event.eventID,
            recordID: event.recordID, file: origin.file, line: origin.line, message: Self.message(event))
        for rule in firing {
            var entry = base
            entry.source = .rule(Int32(rule))
            entries.append(entry)
        }
        if selected { entries.append(base) }
    }

    /// Fields that tell a hunter what happened, in this order of preference.
    static let telling: [String] = [
        "CommandLine", "Image", "ParentImage", "TargetFilename", "TargetObject", "Details", "QueryName", "DestinationIp",
        "DestinationPort", "SourceImage", "TargetImage", "GrantedAccess", "ImageLoaded", "PipeName", "TargetUserName",
        "SubjectUserName", "LogonType", "IpAddress", "WorkstationName", "ServiceName", "ImagePath", "TaskName", "ShareName",
        "RelativeTargetName", "ObjectName", "NewProcessName", "ProcessName", "ScriptBlockText", "Payload", "param1", "param2",
        // Beyond Windows: CloudTrail, Azure AD/Microsoft 365, Linux audit, Zeek.
        "eventName", "eventSource", "sourceIPAddress", "OperationName", "Operation", "UserId", "proctitle", "exe", "cwd",
        "query", "uri", "user_agent", "orig_h", "resp_h", "resp_p",
    ]
    static let rank: [String: Int] = Dictionary(uniqueKeysWithValues: telling.enumerated().map { ($0.element.lowercased(), $0.offset) })
    /// Header fields of flat exports, never worth a place in the message.
    static let header: Set<String> = [
        "sourcename", "providerguid", "level", "keywords", "channel", "hostname", "computer", "timecreated", "@timestamp",
        "eventid", "task", "opcode", "message", "rulename", "utctime", "eventrecordid", "recordnumber", "version",
        "executionprocessid", "executionthreadid", "processguid", "parentprocessguid", "logonguid", "severity", "eventtype",
        "category", "sourcemodulename", "sourcemoduletype", "eventreceivedtime", "accountname", "domain", "accounttype",
        "userid", "severityvalue", "threadid", "processid", "@version", "tags", "hashes", "eventid_qualifiers",
    ]
    /// EVTX `System` attributes come out as `Element_Attribute`; flat exports may nest them under `System.`.
    static let systemPrefixes = ["system.", "provider_", "timecreated_", "correlation_", "execution_", "security_"]

    /// Up to four telling fields (`Field=value; …`), or the first three non-header fields when none of them is
    /// there, or else the first line of a flat export's `Message`; cut at `Timeline.messageLimit` characters.
    static func message(_ event: Event) -> String {
        var chosen: [(rank: Int, text: String)] = []
        var fallback: [String] = []
        var described: String?
        event.forEachField { rawName, v in
            let name = JSONString.unescape(rawName)
            let leaf = name.split(separator: ".").last.map(String.init) ?? name
            let lower = leaf.lowercased()
            let kind = event.view.kind(v)
            guard kind == .string || kind == .number || kind == .bool, !name.hasPrefix("vigil_"), var value = event.text(v), !value.isEmpty
            else { return }
            if value.utf8.count > Timeline.messageLimit { value = String(value.prefix(Timeline.messageLimit)) }
            if lower == "message" {
                // Flat exports carry the rendered text; its first line stands in when no field tells more.
                described = value.split(whereSeparator: \.isNewline).first.map(String.init)
            } else if let r = rank[lower] {
                chosen.append((r, leaf + "=" + value))
            } else if fallback.count < 3, !header.contains(lower), !systemPrefixes.contains(where: lower.hasPrefix) {
                fallback.append(leaf + "=" + value)
            }
        }
        var parts = chosen.isEmpty ? fallback : chosen.sorted { $0.rank < $1.rank }.prefix(4).map(\.text)
        if parts.isEmpty, let described { parts = [described] }
        var text = parts.joined(separator: "; ")
        text = String(text.map { $0 == "\r" || $0 == "\n" || $0 == "\t" ? " " : $0 })
        return text.count > Timeline.messageLimit ? String(text.prefix(Timeline.messageLimit - 1)) + "…" : text
    }
}

/// Match contexts for the workers, reused across batches so that lazily compiled regexes are compiled once per
/// context rather than once per batch. About `threads + 1` exist at a time.
