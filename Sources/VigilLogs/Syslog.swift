// Syslog text (`/var/log/syslog`, `messages`, `auth.log`; RFC 3164 and RFC 5424 lines as collectors write them)
// becomes one flat JSON document a line, channel `linux/syslog`.
import VigilCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads syslog lines:
/// - RFC 3164: `[<PRI>]Mmm dd hh:mm:ss host program[pid]: message` (PRI is absent in files a local daemon writes);
///   the timestamp may also be RFC 3339 (`2023-10-11T22:14:15.003+02:00`, rsyslog's high-precision format).
/// - RFC 5424: `<PRI>1 2003-10-11T22:14:15.003Z host app procid msgid [structured-data] message`.
///
/// Fields: `facility` and `severity` (names, e.g. `authpriv`, `notice`; only with a PRI), `host`, `program`
/// (the tag or app-name), `pid`, `msgid`, `structured_data` (the raw `[…]` elements), `message`, and the header
/// fields. A field the line leaves out (`-` in RFC 5424) is absent. RFC 3164 timestamps have neither year nor zone:
/// the year is `year` (default: the current UTC year, so a file from December read in January is dated a year
/// late: pass the year) and the time is taken as UTC.
///
/// A message that is itself a Linux audit record (`[node=…] type=… msg=audit(…): …`, as audispd or the kernel's
/// `audit:` lines forward them) becomes a `linux/auditd` event through `LinuxAuditDecoder.writeRecord`, one
/// event per line (records are not joined across lines), with the syslog fields as `syslog_host`,
/// `syslog_program`, `syslog_pid`, `syslog_facility` and `syslog_severity` so that they do not mix with audit's
/// own `pid`. A message that is a Sysmon for Linux XML event becomes that Sysmon event (`SysmonXML`), with the
/// same `syslog_` fields.
public struct SyslogDecoder: LineDecoder {
    /// The `vigil_channel` of syslog events.
    public static let channel = "linux/syslog"
    static let facilities = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "security", "console",
        "solaris-cron", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ]
    static let severities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]

    let file: String
    /// The year of RFC 3164 timestamps.
    public let year: Int
    private var audit = AuditEventFields()

    /// A decoder for `file`; `year` dates RFC 3164 timestamps (nil: the current UTC year).
    public init(file: String, year: Int? = nil) {
        self.file = file
        self.year = year ?? CivilDate.date(days: Int(time(nil) / 86400)).year
    }

    public mutating func line(
        _ bytes: UnsafeRawBufferPointer, number: Int, into sink: inout DocumentSink, diagnostics: inout [Diagnostic], bad: inout Int
    ) {
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
        switch SyslogLine.parse(bytes, year: year) {
        case .success(let line):
            write(line, bytes, number: number, into: &sink)
        case .failure(let problem):
            diagnostics.append(
                Diagnostic(
                    SourceLocation(file: file, line: number, column: problem.column + 1), code: "syslog-malformed", problem.reason))
            bad += 1
        }
    }

    public mutating func finish(into sink: inout DocumentSink, diagnostics: inout [Diagnostic], bad: inout Int) {}

    /// One document: an audit event when the message is an audit record, else a syslog event.
    private mutating func write(_ line: SyslogLine, _ b: UnsafeRawBufferPointer, number: Int, into sink: inout DocumentSink) {
        sink.begin(line: number)
        if let start = line.auditRecordStart(b) {
            let record = UnsafeRawBufferPointer(rebasing: b[start..<line.message.upperBound])
            if LinuxAuditDecoder.writeRecord(bytes: record, into: &sink, fields: &audit) {
                line.writeSyslogFields(b, prefix: "syslog_", into: &sink)
                sink.end()
                return
            }
        }
        // Sysmon for Linux writes its events as XML messages: they become Sysmon events.
        let message = UnsafeRawBufferPointer(rebasing: b[line.message])
        if SysmonXML.isEvent(message), SysmonXML.write(message, into: &sink) {
            line.writeSyslogFields(b, prefix: "syslog_", into: &sink)
            sink.end()
            return
        }
        sink.string(HeaderField.channel, Self.channel)
        if let time = line.time { sink.string(HeaderField.time, LogTime.iso(seconds: time.seconds, micros: time.micros)) }
        line.writeSyslogFields(b, prefix: "", into: &sink)
        if let msgid = line.msgid { sink.string("msgid", bytes: UnsafeRawBufferPointer(rebasing: b[msgid])) }
        if let data = line.structuredData { sink.string("structured_data", bytes: UnsafeRawBufferPointer(rebasing: b[data])) }
        sink.string("message", bytes: UnsafeRawBufferPointer(rebasing: b[line.message]))
        sink.end()
    }
}

/// Why a line is not syslog, and where.
struct SyslogProblem: Error {
    var column: Int
    var reason: String
}

/// The parts of one syslog line, as ranges of its bytes.
struct SyslogLine {
    var priority: Int?
    var time: (seconds: Int64, micros: Int64)?
    var host: Range<Int>?
    var program: Range<Int>?
    var pid: Range<Int>?
    var msgid: Range<Int>?
    var structuredData: Range<Int>?
    var message: Range<Int>

    /// Parses an RFC 5424 line (a PRI then version `1`), else an RFC 3164 one.
    static func parse(_ b: UnsafeRawBufferPointer, year: Int) -> Result<SyslogLine, SyslogProblem> {
        var i = 0
        var priority: Int?
        if i < b.count, b[i] == UInt8(ascii: "<") {
            guard let (value, next) = parsePriority(b) else {
                return .failure(SyslogProblem(column: 0, reason: "`<` does not open a priority `<0>`…`<191>`"))
            }
            priority = value
            i = next
        }
        if priority != nil, i + 1 < b.count, b[i] == UInt8(ascii: "1"), b[i + 1] == UInt8(ascii: " ") {
            return parse5424(b, from: i + 2, priority: priority)
        }
        return parse3164(b, from: i, priority: priority, year: year)
    }

    /// `<PRI>`: its value and the offset after `>`.
    private static func parsePriority(_ b: UnsafeRawBufferPointer) -> (Int, Int)? {
        var i = 1
        var value = 0
        while i < b.count, i <= 4, b[i] &- 0x30 < 10 {
            value = value * 10 + Int(b[i] - 0x30)
            i += 1
        }
        guard i > 1, i < b.count, b[i] == UInt8(ascii: ">"), value <= 191 else { return nil }
        return (value, i + 1)
    }

    /// `TIMESTAMP HOST APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]` after `<PRI>1 `.
    private static func parse5424(_ b: UnsafeRawBufferPointer, from start: Int, priority: Int?) -> Result<SyslogLine, SyslogProblem> {
        var i = start
        var parts: [Range<Int>?] = []
        for _ in 0..<5 {
            guard i < b.count else { return .failure(SyslogProblem(column: i, reason: "an RFC 5424 header ends before its MSGID")) }
            let end = token(b, i)
            let isNil = end == i + 1 && b[i] == UInt8(ascii: "-")
            parts.append(isNil ? nil : i..<end)
            i = end + 1
        }
        var time: (Int64, Int64)?
        if let stamp = parts[0] {
            guard let parsed = SyslogTime.rfc3339(b, stamp) else {
                return .failure(
                    SyslogProblem(column: stamp.lowerBound, reason: "the RFC 5424 timestamp is not RFC 3339 (`2003-10-11T22:14:15.003Z`)"))
            }
            time = parsed
        }
        guard i <= b.count, let (data, next) = structuredData(b, from: min(i, b.count)) else {
            return .failure(
                SyslogProblem(column: min(i, b.count), reason: "the RFC 5424 structured data is neither `-` nor closed `[…]` elements"))
        }
        var message = min(next + 1, b.count)
        if message + 2 < b.count, b[message] == 0xEF, b[message + 1] == 0xBB, b[message + 2] == 0xBF { message += 3 }
        return .success(
            SyslogLine(
                priority: priority, time: time, host: parts[1], program: parts[2], pid: parts[3], msgid: parts[4], structuredData: data,
                message: message..<b.count))
    }

    /// RFC 5424 STRUCTURED-DATA from `i`: its range (nil for `-`) and the offset after it; nil when malformed.
    private static func structuredData(_ b: UnsafeRawBufferPointer, from i: Int) -> (Range<Int>?, Int)? {
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "-") { return (nil, i + 1) }
        var j = i
        while j < b.count, b[j] == UInt8(ascii: "[") {
            var quoted = false
            j += 1
            while j < b.count, quoted || b[j] != UInt8(ascii: "]") {
                if b[j] == UInt8(ascii: "\\") {
                    j += 1
                } else if b[j] == UInt8(ascii: "\"") {
                    quoted.toggle()
                }
                j += 1
            }
            guard j < b.count else { return nil }
            j += 1
        }
        guard j > i, j == b.count || b[j] == UInt8(ascii: " ") else { return nil }
        return (i..<j, j)
    }

    /// `TIMESTAMP HOST TAG: MSG` (the tag optional), the timestamp `Mmm dd hh:mm:ss` or RFC 3339.
    private static func parse3164(_ b: UnsafeRawBufferPointer, from start: Int, priority: Int?, year: Int) -> Result<
        SyslogLine, SyslogProblem
    > {
        let parsed: (time: (Int64, Int64), end: Int)
        if let legacy = SyslogTime.bsd(b, from: start, year: year) {
            parsed = legacy
        } else {
            let end = token(b, start)
            guard let time = SyslogTime.rfc3339(b, start..<end) else {
                return .failure(
                    SyslogProblem(column: start, reason: "no syslog timestamp (`Oct 11 22:14:15` or RFC 3339) where the line should start"))
            }
            parsed = (time, end)
        }
        var i = parsed.end
        while i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
        let hostEnd = token(b, i)
        guard hostEnd > i else { return .failure(SyslogProblem(column: i, reason: "no host name after the timestamp")) }
        var line = SyslogLine(priority: priority, time: parsed.time, host: i..<hostEnd, message: b.count..<b.count)
        line.readTag(b, from: min(hostEnd + 1, b.count))
        return .success(line)
    }

    /// `program[pid]: message`, `program: message`, or a message without a tag.
    private mutating func readTag(_ b: UnsafeRawBufferPointer, from start: Int) {
        var i = start
        while i < b.count, b[i] != UInt8(ascii: "["), b[i] != UInt8(ascii: ":"), b[i] != UInt8(ascii: " ") { i += 1 }
        let name = start..<i
        var pidRange: Range<Int>?
        if i < b.count, b[i] == UInt8(ascii: "[") {
            let close = b[i...].firstIndex(of: UInt8(ascii: "]")) ?? b.count
            pidRange = i + 1..<close
            i = close + 1
        }
        guard !name.isEmpty, i < b.count, b[i] == UInt8(ascii: ":") else {
            message = start..<b.count
            return
        }
        program = name
        pid = pidRange
        i += 1
        if i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
        message = i..<b.count
    }

    /// Where the message holds a Linux audit record (`node=…`/`type=…` then `audit(`), if it seems to.
    func auditRecordStart(_ b: UnsafeRawBufferPointer) -> Int? {
        var i = message.lowerBound
        while i + 5 < message.upperBound {
            let atWord = i == message.lowerBound || b[i - 1] == UInt8(ascii: " ")
            if atWord && (AuditScanner.hasPrefix(b, at: i, "type=") || AuditScanner.hasPrefix(b, at: i, "node=")) {
                return i
            }
            i += 1
        }
        return nil
    }

    /// `facility`, `severity`, `host`, `program`, `pid` (those present), their names after `prefix`.
    func writeSyslogFields(_ b: UnsafeRawBufferPointer, prefix: String, into sink: inout DocumentSink) {
        if let priority {
            let facility = priority >> 3
            if facility < SyslogDecoder.facilities.count { sink.string(prefix + "facility", SyslogDecoder.facilities[facility]) }
            sink.string(prefix + "severity", SyslogDecoder.severities[priority & 7])
        }
        if let host { sink.string(prefix + "host", bytes: UnsafeRawBufferPointer(rebasing: b[host])) }
        if let program { sink.string(prefix + "program", bytes: UnsafeRawBufferPointer(rebasing: b[program])) }
        if let pid { sink.string(prefix + "pid", bytes: UnsafeRawBufferPointer(rebasing: b[pid])) }
    }

    /// The end of the token starting at `i` (the next space or the end).
    static func token(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int {
        var j = i
        while j < b.count, b[j] != UInt8(ascii: " ") { j += 1 }
        return j
    }
}

/// Syslog timestamps as UNIX time (seconds, microseconds).
enum SyslogTime {
    static let months: [StaticString] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Mmm dd hh:mm:ss` (day space-padded or not) at `i`, in `year`, as UTC; and the offset after it.
    static func bsd(_ b: UnsafeRawBufferPointer, from i: Int, year: Int) -> ((Int64, Int64), Int)? {
        guard i + 14 <= b.count, let month = months.firstIndex(where: { AuditScanner.hasPrefix(b, at: i, $0) }),
            b[i + 3] == UInt8(ascii: " ")
        else { return nil }
        var j = i + 4
        if b[j] == UInt8(ascii: " ") { j += 1 }
        guard let day = number(b, j, digits: b[j + 1] == UInt8(ascii: " ") ? 1 : 2) else { return nil }
        j += b[j + 1] == UInt8(ascii: " ") ? 2 : 3
        guard let clock = clock(b, j), (1...31).contains(day) else { return nil }
        let days = Int64(CivilDate.days(year: year, month: month + 1, day: day))
        return ((days * 86400 + clock, 0), j + 8)
    }

    /// RFC 3339 (`2003-10-11T22:14:15.003Z`, `2003-08-24T05:14:15.000003-07:00`) in `range`, as UTC.
    static func rfc3339(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> (Int64, Int64)? {
        let i = range.lowerBound
        guard range.count >= 20, let y = number(b, i, digits: 4), b[i + 4] == UInt8(ascii: "-"), let m = number(b, i + 5, digits: 2),
            b[i + 7] == UInt8(ascii: "-"), let d = number(b, i + 8, digits: 2), b[i + 10] | 0x20 == UInt8(ascii: "t"),
            let clock = clock(b, i + 11), (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        var j = i + 19
        var micros: Int64 = 0
        if b[j] == UInt8(ascii: ".") {
            j += 1
            var scale: Int64 = 100_000
            while j < range.upperBound, b[j] &- 0x30 < 10 {
                micros += Int64(b[j] - 0x30) * scale
                scale /= 10
                j += 1
            }
        }
        guard let offset = zone(b, j..<range.upperBound) else { return nil }
        return (Int64(CivilDate.days(year: y, month: m, day: d)) * 86400 + clock - offset, micros)
    }

    /// `Z` or `±hh:mm` filling `range`: seconds east of UTC.
    private static func zone(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        let i = range.lowerBound
        if range.count == 1 && b[i] | 0x20 == UInt8(ascii: "z") { return 0 }
        guard range.count == 6, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), let h = number(b, i + 1, digits: 2),
            b[i + 3] == UInt8(ascii: ":"), let m = number(b, i + 4, digits: 2)
        else { return nil }
        return Int64(h * 3600 + m * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
    }

    /// `hh:mm:ss` at `i`: seconds into the day.
    private static func clock(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int64? {
        guard i + 8 <= b.count, let h = number(b, i, digits: 2), b[i + 2] == UInt8(ascii: ":"), let m = number(b, i + 3, digits: 2),
            b[i + 5] == UInt8(ascii: ":"), let s = number(b, i + 6, digits: 2), h < 24, m < 60, s <= 60
        else { return nil }
        return Int64(h * 3600 + m * 60 + s)
    }

    private static func number(_ b: UnsafeRawBufferPointer, _ i: Int, digits: Int) -> Int? {
        guard i + digits <= b.count else { return nil }
        var value = 0
        for k in i..<i + digits {
            guard b[k] &- 0x30 < 10 else { return nil }
            value = value * 10 + Int(b[k] - 0x30)
        }
        return value
    }
}
