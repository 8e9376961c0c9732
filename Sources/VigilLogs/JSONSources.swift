// Which source a JSON event comes from when it carries no Windows channel (CloudTrail, Azure AD and Microsoft 365
// as Sentinel exports them, Zeek's JSON, Sysmon for Linux inside Sentinel `Syslog` rows), and where its time is.
// The rules are data: the `event-sources` section of the logsource mapping file (`--mapping`), over the built-in one.
import VigilCore
import Yams

/// One way to recognise a source: conditions on an event's top-level fields, the channel it then gets, its time
/// field, and optionally a field holding a whole log line to decode in its place.
public struct JSONSourceRule: Sendable {
    /// Written as `vigil_channel`; `{field}` is replaced by that field's value, `{file}` by the file's name without
    /// extensions; empty keeps the event's own channel.
    public var channel: String
    /// Fields that must all be present.
    public var present: [String]
    /// Fields that must hold these values (exactly).
    public var equals: [(String, String)]
    /// The fields that may hold the event's time (ISO 8601 text or UNIX seconds), the first present wins.
    public var time: [String]
    /// The field that names what happened (CloudTrail's `eventName`), written as `vigil_event_id`.
    public var event: String? = nil
    /// A field holding a log line (Sysmon XML, a Linux audit record or plain syslog text) that becomes the event.
    public var message: String?
}

/// The recognition rules, checked in order: the first that fits an event tags it.
public struct JSONSources: Sendable {
    public var rules: [JSONSourceRule]

    /// The rules Vigil ships.
    public static let builtin: JSONSources = {
        do { return try JSONSources(yaml: builtinYAML, file: "<builtin event sources>") } catch {
            fatalError("built-in event sources are invalid: \(error)")
        }
    }()

    public init(rules: [JSONSourceRule]) { self.rules = rules }

    /// Reads the `event-sources` section of a mapping file (none: no rules).
    public init(yaml text: String, file: String) throws(Diagnostic) {
        let root: Node?
        do { root = try Yams.compose(yaml: text, .basic) } catch {
            throw Diagnostic(SourceLocation(file: file), code: "yaml-syntax", "\(error)")
        }
        var rules: [JSONSourceRule] = []
        if case .sequence(let items)? = root?["event-sources"] {
            for item in items {
                let line = item.mark?.line ?? 1
                guard case .mapping = item, let channel = item["channel"]?.string else {
                    throw Diagnostic(SourceLocation(file: file, line: line), code: "mapping-invalid", "an event source needs a channel")
                }
                let present = Self.strings(item["present"])
                var equals: [(String, String)] = []
                if case .mapping(let pairs)? = item["equals"] {
                    for (k, v) in pairs { if let k = k.string, let v = v.string { equals.append((k, v)) } }
                }
                if present.isEmpty && equals.isEmpty {
                    throw Diagnostic(
                        SourceLocation(file: file, line: line), code: "mapping-invalid",
                        "event source \(channel) has no condition (present or equals)")
                }
                rules.append(
                    JSONSourceRule(
                        channel: channel, present: present, equals: equals, time: Self.strings(item["time"]), event: item["event"]?.string,
                        message: item["message"]?.string))
            }
        }
        self.rules = rules
    }

    /// A YAML value as a list of texts: one text, or a sequence of them.
    static func strings(_ node: Node?) -> [String] {
        if case .sequence(let items)? = node { return items.compactMap(\.string) }
        return node?.string.map { [$0] } ?? []
    }

    /// A user file's rules come first.
    public func overlaid(with user: JSONSources) -> JSONSources { JSONSources(rules: user.rules + rules) }

    static let builtinYAML = """
        # How Vigil tells the source of a JSON event without a Windows channel. Looked for in the first event of
        # each JSON file; when one fits, every event of the file is recognised (the first rule that fits wins) and
        # gets vigil_channel (the channel the logsource mapping routes rules by) and vigil_time.
        #   channel: the source; {field} is that field's value, {file} the file's name; "" keeps the event's own
        #   present: fields that must be there; equals: fields with these values
        #   time: the time field or fields, first present wins (ISO 8601 or UNIX seconds); event: the field naming what happened (vigil_event_id)
        #   message: a field holding a log line that becomes the event
        event-sources:
          - {channel: aws/cloudtrail, present: [eventSource, eventName, awsRegion], time: [eventTime, "@timestamp"],
              event: eventName}
          - {channel: azure/signinlogs, equals: {Type: SigninLogs}, time: TimeGenerated}
          - {channel: azure/signinlogs, equals: {Type: AADNonInteractiveUserSignInLogs}, time: TimeGenerated}
          - {channel: azure/activitylogs, equals: {Type: AzureActivity}, time: TimeGenerated}
          - {channel: azure/riskdetection, equals: {Type: AADUserRiskEvents}, time: TimeGenerated}
          # Sentinel's AuditLogs rows (their Type may be the audited object's, e.g. Application).
          - {channel: azure/auditlogs, equals: {SourceSystem: Azure AD}, present: [OperationName, Category], time: TimeGenerated,
              event: OperationName}
          - {channel: m365/audit, equals: {Type: OfficeActivity}, time: TimeGenerated, event: Operation}
          # The Office 365 Management Activity API's own form.
          - {channel: m365/audit, present: [CreationTime, Operation, RecordType, Workload], time: CreationTime, event: Operation}
          # Microsoft 365 Defender advanced hunting rows.
          - {channel: m365/defender, present: [Timestamp, DeviceName, ActionType], time: Timestamp, event: ActionType}
          # Sentinel Syslog rows: the message is the event (Sysmon for Linux XML, an auoms audit record, or syslog text).
          - {channel: linux/syslog, equals: {Type: Syslog}, time: TimeGenerated, message: SyslogMessage}
          # Windows events as Sentinel's SecurityEvent and Event tables: their own channel, Sentinel's time.
          - {channel: "", equals: {Type: SecurityEvent}, time: TimeGenerated}
          - {channel: "{EventLog}", equals: {Type: Event}, present: [EventLog], time: TimeGenerated}
          # Zeek's JSON logs: the log type from _path, else from the file's name (conn.log → zeek/conn).
          - {channel: "zeek/{_path}", present: [ts, uid, _path], time: ts}
          - {channel: "zeek/{file}", present: [ts, uid, id.orig_h], time: ts}
          - {channel: "zeek/{file}", present: [ts, id.orig_h, id.resp_h], time: ts}
        """
}

/// Applies the recognition rules to the documents of one JSON file, rewriting each recognised event with its
/// header fields (and, for a message field, as the decoded line). A file whose first event fits no rule is
/// handed on untouched.
struct JSONSourceTagger {
    let sources: JSONSources
    let file: String
    let fileStem: String
    /// nil until the first document is seen; then whether the file's events are recognised.
    private var active: Bool?
    private var tape = JSONTape()

    init(sources: JSONSources, file: String) {
        self.sources = sources
        self.file = file
        fileStem = LogFile.stem(file)
    }

    mutating func tag(_ batch: EventBatch) -> EventBatch {
        if active == nil {
            active = batch.documents.first.map { recognised(batch, $0) != nil } ?? nil
        }
        guard active == true else { return batch }
        var sink = DocumentSink()
        batch.bytes.withUnsafeBytes { all in
            for span in batch.documents {
                let document = UnsafeRawBufferPointer(rebasing: all[span.start..<span.end])
                rewrite(document, line: span.line, into: &sink)
            }
        }
        return sink.take(file: batch.file) ?? EventBatch(file: batch.file, bytes: [], documents: [])
    }

    /// The rule that fits a document, or nil.
    private mutating func recognised(_ batch: EventBatch, _ span: DocumentSpan) -> Int? {
        batch.bytes.withUnsafeBytes { all in
            let document = UnsafeRawBufferPointer(rebasing: all[span.start..<span.end])
            guard (try? tape.parseDocument(document)) != nil else { return nil }
            return tape.nodes.withUnsafeBufferPointer { nodes in rule(for: JSONView(tape: nodes, bytes: document)) }
        }
    }

    private func rule(for view: JSONView) -> Int? {
        guard view.kind(0) == .object else { return nil }
        return sources.rules.firstIndex { rule in
            rule.present.allSatisfy { Self.member(view, $0) != nil }
                && rule.equals.allSatisfy { name, value in Self.member(view, name).flatMap(view.string) == value }
        }
    }

    /// A top-level member by name (the name's own UTF-8 storage, no copy per lookup).
    static func member(_ view: JSONView, _ name: String) -> Int? {
        var name = name
        return name.withUTF8 { key in
            var found: Int?
            view.forEachMember(0) { k, value in
                if found == nil, view.stringEquals(k, UnsafeRawBufferPointer(key)) { found = value }
            }
            return found
        }
    }

    private func text(_ view: JSONView, _ node: Int) -> String? {
        switch view.kind(node) {
        case .string: return view.string(node)
        case .number: return String(decoding: view.raw(node), as: UTF8.self)
        default: return nil
        }
    }

    /// The document with its header fields, or as its decoded message; unchanged when it is not valid JSON (the
    /// parser reports it later) or fits no rule.
    private mutating func rewrite(_ document: UnsafeRawBufferPointer, line: Int, into sink: inout DocumentSink) {
        guard (try? tape.parseDocument(document)) != nil else {
            sink.append(document: document, line: line)
            return
        }
        let nodes = tape.nodes
        nodes.withUnsafeBufferPointer { nodes in
            let view = JSONView(tape: nodes, bytes: document)
            guard let index = rule(for: view) else {
                sink.append(document: document, line: line)
                return
            }
            let rule = sources.rules[index]
            let time = rule.time.lazy.compactMap { Self.member(view, $0) }.first.flatMap { text(view, $0) }.map(Self.isoTime)
            if let field = rule.message, let node = Self.member(view, field), let message = view.string(node),
                decode(message, view: view, time: time, line: line, into: &sink)
            {
                return
            }
            sink.begin(line: line)
            let channel = expand(rule.channel, view)
            if !channel.isEmpty { sink.string(HeaderField.channel, channel) }
            if let time { sink.string(HeaderField.time, time) }
            if let field = rule.event, let node = Self.member(view, field), let name = text(view, node) {
                sink.string(HeaderField.event, name)
            }
            sink.members(of: document)
            sink.end()
        }
    }

    /// A message field that is a Sysmon XML event or a Linux audit record (auoms) becomes that event, with the
    /// row's host fields.
    private func decode(_ message: String, view: JSONView, time: String?, line: Int, into sink: inout DocumentSink) -> Bool {
        var bytes = Array(message.utf8)
        return bytes.withUnsafeMutableBytes { raw in
            let text = UnsafeRawBufferPointer(raw)
            sink.begin(line: line)
            let decoded =
                SysmonXML.isEvent(text) ? SysmonXML.write(text, into: &sink) : LinuxAuditDecoder.writeRecord(message, into: &sink)
            guard decoded else {
                sink.cancel()
                return false
            }
            for host in ["HostName", "HostIP"] {
                if let node = Self.member(view, host), let value = self.text(view, node) { sink.string(host, value) }
            }
            sink.end()
            return true
        }
    }

    private func expand(_ template: String, _ view: JSONView) -> String {
        guard let open = template.firstIndex(of: "{"), let close = template.firstIndex(of: "}"), open < close else { return template }
        let name = String(template[template.index(after: open)..<close])
        let value = name == "file" ? fileStem : Self.member(view, name).flatMap { text(view, $0) } ?? ""
        return template[..<open] + value + template[template.index(after: close)...]
    }

    /// ISO 8601 UTC of an ISO 8601 time or UNIX seconds (`1692161622.036086`); other text as given.
    static func isoTime(_ value: String) -> String { LogTime.iso(text: Array(value.utf8)) ?? value }
}

extension DocumentSink {
    /// The members of a JSON object document (its bytes between the braces) appended to the open document.
    mutating func members(of document: UnsafeRawBufferPointer) {
        guard let open = document.firstIndex(of: UInt8(ascii: "{")), let close = document.lastIndex(of: UInt8(ascii: "}")),
            open < close
        else { return }
        let inner = UnsafeRawBufferPointer(rebasing: document[(open + 1)..<close])
        guard inner.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else { return }
        appendMembers(inner)
    }
}
