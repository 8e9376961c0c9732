import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilLogs

// The syslog reader: RFC 3164 and RFC 5424 lines checked against Python's own regex and datetime reading of the
// same lines, malformed lines reported by line, and audit records forwarded through syslog.

/// Python's reading of syslog lines (RFC 5424, else RFC 3164 in `year`, times as UTC) as JSON objects.
let pythonSyslogReader = #"""
    import json, re, sys
    from datetime import datetime, timezone
    F = ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "security",
         "console", "solaris-cron"] + ["local%d" % i for i in range(8)]
    S = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
    SD = r'-|(?:\[(?:[^\]"]|"(?:[^"\\]|\\.)*")*\])+'
    def iso(t): return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    out = []
    for line in sys.stdin.read().split("\n"):
        if not line: continue
        e = {}
        m = re.match(r"<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (%s) ?(.*)$" % SD, line)
        if m:
            pri, ts, host, app, pid, msgid, sd, msg = m.groups()
            e.update(time=iso(datetime.fromisoformat(ts)), host=host, program=app, pid=pid, msgid=msgid, structured_data=sd,
                     message=msg.lstrip("\ufeff"))
        else:
            m = re.match(r"(?:<(\d{1,3})>)?([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\S+) (\S+) (?:([^\s\[:]+)(?:\[(\d+)\])?: )?(.*)$", line)
            pri, ts, host, program, pid, msg = m.groups()
            t = datetime.fromisoformat(ts) if ts[0].isdigit() else datetime.strptime(sys.argv[1] + " " + ts, "%Y %b %d %H:%M:%S").replace(tzinfo=timezone.utc)
            e.update(time=iso(t), host=host, program=program, pid=pid, message=msg)
        if pri is not None: e.update(facility=F[int(pri) >> 3], severity=S[int(pri) & 7])
        out.append({k: v for k, v in e.items() if v is not None and v != "-"})
    print(json.dumps(out))
    """#

@Suite struct SyslogTests {
    static let lines = [
        "<38>Oct 11 22:14:15 mymachine su[2451]: 'su root' failed for lonvick on /dev/pts/8",
        "Nov  3 07:01:02 web1 sshd[31337]: Accepted publickey for ubuntu from 203.0.113.7 port 52144 ssh2: RSA SHA256:x1y2",
        "Nov  3 07:01:04 web1 CRON[4242]: (root) CMD (cd / && run-parts --report /etc/cron.hourly)",
        "Nov  3 07:01:05 web1 last message repeated 2 times",
        "<4>Feb 29 23:59:59 web1 kernel: [ 1234.567890] EXT4-fs (sda1): re-mounted. Opts: (null)",
        "2023-11-03T07:01:06.123456+01:00 web1 systemd[1]: Started Session 5 of user ubuntu.",
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\\]lication\" eventID=\"1011\"][examplePriority@32473 class=\"high\"] \u{FEFF}An application event log entry",
        "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
        "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
        "<86>1 2024-02-29T23:59:59Z - sshd - - -",
    ]

    static func decode(_ name: String, _ text: String, year: Int = 2024) -> (docs: [DecodedDocument], report: LogReadReport, invalid: Int) {
        let path = temporaryFile(name, Array(text.utf8))
        var decoder = SyslogDecoder(file: path, year: year)
        return decodeText(path, &decoder)
    }

    @Test func linesMatchPython() throws {
        let text = Self.lines.joined(separator: "\n") + "\n"
        let expected =
            try JSONSerialization.jsonObject(with: Data(try ProcessRunner.python(pythonSyslogReader, ["2024"], input: text).utf8))
            as! [[String: String]]
        let r = Self.decode("sample.log", text)
        #expect(r.report.badDocuments == 0 && r.invalid == 0 && r.docs.count == Self.lines.count && expected.count == Self.lines.count)
        for (doc, e) in zip(r.docs, expected) {
            var got = doc.fields
            #expect(got.removeValue(forKey: HeaderField.channel) == "linux/syslog")
            #expect(got.removeValue(forKey: HeaderField.time) == e["time"])
            var want = e
            want["time"] = nil
            if want["message"] == "" { want["message"] = nil }
            if got["message"] == "" { got["message"] = nil }
            #expect(got == want)
        }
    }

    @Test func priorityTimeAndTagOfOneLine() {
        let r = Self.decode("one.log", "<38>Oct 11 22:14:15 mymachine su[2451]: 'su root' failed\n", year: 2020)
        let e = r.docs.first
        #expect(e?["facility"] == "auth" && e?["severity"] == "info" && e?["host"] == "mymachine")
        #expect(e?["program"] == "su" && e?["pid"] == "2451" && e?["message"] == "'su root' failed")
        #expect(e?[HeaderField.time] == "2020-10-11T22:14:15.000000Z")
    }

    @Test func defaultYearIsTheCurrentUTCYear() {
        let year = CivilDate.date(days: Int(Date().timeIntervalSince1970 / 86400)).year
        #expect(SyslogDecoder(file: "x").year == year && SyslogDecoder(file: "x", year: 2019).year == 2019)
    }

    @Test func malformedLinesAreReportedAndReadingGoesOn() {
        let text = """
            Nov  3 07:01:02 web1 sshd[1]: ok
            this is not syslog
            <999>Nov  3 07:01:02 web1 sshd[1]: bad priority
            <13>1 2003-10-11 host app - - - bad timestamp
            <13>1 2003-10-11T22:14:15Z host app - - [unclosed
            Nov  3 07:01:03 web1 sshd[1]: still read
            """
        let r = Self.decode("bad.log", text)
        #expect(r.docs.map { $0["message"] } == ["ok", "still read"])
        #expect(r.report.badDocuments == 4 && r.report.diagnostics.map(\.location.line) == [2, 3, 4, 5])
        #expect(r.report.diagnostics.allSatisfy { $0.code == "syslog-malformed" && $0.location.file.hasSuffix("bad.log") })
    }

    @Test func auditRecordsInSyslogBecomeAuditEvents() {
        let text = """
            Nov  3 07:01:03 web1 audispd: node=web1 type=EXECVE msg=audit(1699000000.100:77): argc=2 a0="cat" a1="/etc/shadow"
            Nov  3 07:01:03 web1 kernel: [ 1234.567890] audit: type=1400 audit(1699000000.200:78): apparmor="DENIED" operation="open" name="/etc/shadow" pid=1 comm="cupsd"
            Nov  3 07:01:04 web1 myapp[9]: user typed type=foo in a form
            """
        let r = Self.decode("audit.log", text)
        #expect(r.docs.count == 3 && r.report.badDocuments == 0)
        let execve = r.docs[0]
        #expect(execve[HeaderField.channel] == "linux/auditd" && execve["type"] == "EXECVE" && execve["a1"] == "/etc/shadow")
        #expect(execve["node"] == "web1" && execve["syslog_host"] == "web1" && execve["syslog_program"] == "audispd")
        #expect(execve[HeaderField.time] == "2023-11-03T08:26:40.100000Z")
        #expect(r.docs[1]["apparmor"] == "DENIED" && r.docs[1]["pid"] == "1" && r.docs[1]["type"] == "1400")
        #expect(r.docs[2][HeaderField.channel] == "linux/syslog" && r.docs[2]["program"] == "myapp")
    }
}
