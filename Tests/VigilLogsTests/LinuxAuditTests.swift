import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilLogs

// The Linux audit reader: records joined into events, checked against a Python reading of the same shared files,
// and the auoms records of Sentinel's Syslog table against Python's reading of their JSON rows.

/// A decoded document as name → text (arrays joined by ", ", as `Event.fields()` gives them), with its line.
struct DecodedDocument {
    var line: Int
    var fields: [String: String]
    subscript(_ name: String) -> String? { fields[name] }
}

/// Reads `path` through `decoder` and parses every document with Vigil's JSON parser.
func decodeText(_ path: String, _ decoder: inout some LineDecoder) -> (docs: [DecodedDocument], report: LogReadReport, invalid: Int) {
    var report = LogReadReport()
    var docs: [DecodedDocument] = []
    var invalid = 0
    var tape = JSONTape()
    LogReader.readLines(path, decoder: &decoder, report: &report) { batch in
        batch.forEachEvent(tape: &tape, invalid: { _ in invalid += 1 }) { event, line in
            docs.append(DecodedDocument(line: line, fields: Dictionary(event.fields(), uniquingKeysWith: { _, last in last })))
        }
    }
    return (docs, report, invalid)
}

/// Decodes `text` written to a temporary file.
func decodeAudit(_ name: String, _ text: String) -> (docs: [DecodedDocument], report: LogReadReport, invalid: Int) {
    let path = temporaryFile(name, Array(text.utf8))
    var decoder = LinuxAuditDecoder(file: path)
    return decodeText(path, &decoder)
}

/// Python's reading of a raw audit log: records grouped by their audit(…) id, in order of first appearance.
let pythonAuditReader = #"""
    import json, re, sys
    events, bad = {}, 0
    for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if not line.strip(): continue
        m = re.match(r"(?:node=\S+ )?type=(\S+) msg=audit\(([\d.]+:\d+)\):\s?(.*)$", line)
        if not m: bad += 1; continue
        events.setdefault(m.group(2), []).append((m.group(1), m.group(3)))
    def value(v):
        if v.startswith('"') and v.endswith('"'): return v[1:-1]
        if re.fullmatch(r"(?:[0-9A-F]{2})+", v): return bytes.fromhex(v).replace(b"\0", b" ").decode("utf-8", "replace")
        return v
    out = []
    for id, records in events.items():
        e = {"id": id, "types": ", ".join(t for t, _ in records), "names": []}
        for t, body in records:
            pairs = dict(re.findall(r'([\w-]+)=("[^"]*"|\S*)', body))
            if t == "SYSCALL": e.update(exe=value(pairs["exe"]), comm=value(pairs["comm"]), syscall=pairs["syscall"])
            if t == "EXECVE": e["argv"] = " ".join(value(pairs["a%d" % i]) for i in range(int(pairs["argc"])))
            if t == "CWD": e["cwd"] = value(pairs["cwd"])
            if t == "PATH": e["names"].append(value(pairs["name"]))
            if t == "PROCTITLE": e["proctitle"] = value(pairs["proctitle"])
        out.append(e)
    print(json.dumps({"bad": bad, "events": out}))
    """#

@Suite struct LinuxAuditTests {
    static let auditFiles = ["sh_arp_cache_2020-11-10074812.log", "sh_binary_padding_dd_2020-11-10081941.log"]

    @Test(arguments: auditFiles)
    func sharedFileMatchesPython(_ name: String) throws {
        let path = try SharedData.path("logs/beyond-windows/linux-auditd/" + name)
        let python =
            try JSONSerialization.jsonObject(with: Data(try ProcessRunner.python(pythonAuditReader, [path]).utf8)) as! [String: Any]
        let expected = python["events"] as! [[String: Any]]
        var decoder = LinuxAuditDecoder(file: path)
        let r = decodeText(path, &decoder)
        #expect(python["bad"] as? Int == 0)
        #expect(r.report.badDocuments == 0 && r.report.diagnostics.isEmpty && r.invalid == 0)
        #expect(r.docs.count == expected.count && !expected.isEmpty)
        for (doc, e) in zip(r.docs, expected) {
            #expect(doc["audit_time"]! + ":" + doc["audit_serial"]! == e["id"] as? String)
            #expect(doc["type"] == e["types"] as? String)
            #expect(doc["exe"] == e["exe"] as? String)
            #expect(doc["comm"] == e["comm"] as? String)
            #expect(doc["syscall"] == e["syscall"] as? String)
            #expect(doc["cwd"] == e["cwd"] as? String)
            #expect(doc["proctitle"] == e["proctitle"] as? String)
            #expect(doc["name"] == (e["names"] as? [String])?.joined(separator: ", "))
            let argc = Int(doc["argc"] ?? "") ?? 0
            #expect((0..<argc).map { doc["a\($0)"] ?? "?" }.joined(separator: " ") == e["argv"] as? String)
            #expect(doc[HeaderField.channel] == "linux/auditd")
        }
    }

    @Test func sharedFigures() throws {
        // Events per file as Python counts them (sharedFileMatchesPython): 2 and 1.
        let counts = try Self.auditFiles.map { name in
            let path = try SharedData.path("logs/beyond-windows/linux-auditd/" + name)
            var decoder = LinuxAuditDecoder(file: path)
            return decodeText(path, &decoder).docs.count
        }
        #expect(counts == [2, 1])
    }

    @Test func joinedEventFields() {
        let text = """
            type=SYSCALL msg=audit(1604994496.155:92733): arch=c000003e syscall=59 success=yes exit=0 a0=558e251634a0 a1=558e25162a50 a2=558e25160800 a3=8 items=2 ppid=29002 pid=1631 comm="arp" exe="/usr/sbin/arp" key=(null)
            type=EXECVE msg=audit(1604994496.155:92733): argc=2 a0="arp" a1="-a"
            type=CWD msg=audit(1604994496.155:92733): cwd="/home/wardog"
            type=PATH msg=audit(1604994496.155:92733): item=0 name="/usr/sbin/arp" inode=13181 nametype=NORMAL
            type=PATH msg=audit(1604994496.155:92733): item=1 name="/lib64/ld-linux-x86-64.so.2" inode=29514 nametype=NORMAL
            type=PROCTITLE msg=audit(1604994496.155:92733): proctitle=617270002D61

            """
        let r = decodeAudit("joined.log", text)
        #expect(r.docs.count == 1 && r.report.badDocuments == 0 && r.invalid == 0)
        let e = r.docs[0]
        #expect(e.line == 1)
        #expect(e["type"] == "SYSCALL, EXECVE, CWD, PATH, PATH, PROCTITLE")
        #expect(e["a0"] == "arp" && e["a1"] == "-a" && e["syscall_a0"] == "558e251634a0" && e["syscall_a3"] == "8")
        #expect(e["proctitle"] == "arp -a")
        #expect(e["name"] == "/usr/sbin/arp, /lib64/ld-linux-x86-64.so.2" && e["nametype"] == "NORMAL, NORMAL")
        #expect(e["key"] == "" && e["exe"] == "/usr/sbin/arp" && e["cwd"] == "/home/wardog")
        #expect(e[HeaderField.time] == "2020-11-10T07:48:16.155000Z" && e["audit_serial"] == "92733")
    }

    @Test func nullIsJSONNullAndTypeIsAlwaysAnArray() {
        let path = temporaryFile("null.log", Array("type=SYSCALL msg=audit(1.5:7): syscall=59 key=(null)\n".utf8))
        var decoder = LinuxAuditDecoder(file: path)
        var report = LogReadReport()
        var text = ""
        LogReader.readLines(path, decoder: &decoder, report: &report) { batch in
            text += String(decoding: batch.bytes[batch.documents[0].start..<batch.documents[0].end], as: UTF8.self)
        }
        #expect(text.contains("\"key\":null") && text.contains("\"type\":[\"SYSCALL\"]"))
        #expect(text.contains("\"audit_serial\":7"))
    }

    @Test func registersAreArgumentsWhenThereIsNoArgv() {
        // lnx_auditd_disable_aslr_protection tests `SYSCALL: personality` with `a0: 40000`, a register.
        let r = decodeAudit(
            "personality.log",
            "type=SYSCALL msg=audit(1700000000.000:5): arch=c000003e syscall=135 a0=40000 a1=0 comm=\"setarch\"\n")
        #expect(r.docs.first?["a0"] == "40000" && r.docs.first?["syscall_a0"] == "40000")
    }

    @Test func quotedSpacesNestedMessageAndHex() {
        let text = """
            node=web1 type=USER_CMD msg=audit(1700000000.123:400): pid=2211 uid=0 auid=1000 ses=3 msg='cwd="/home/ann/my files" cmd=6C73202D6C61 exe="/usr/bin/sudo" terminal=pts/0 res=success'
            type=EXECVE msg=audit(1700000001.000:401): argc=3 a0="sh" a1="-c" a2=6563686F20226869220A
            type=AVC msg=audit(1700000002.000:402): avc:  denied  { read } for  pid=9 comm=2F746D702F782079 path="/etc/shadow" tclass=file

            """
        let r = decodeAudit("nested.log", text)
        #expect(r.docs.count == 3 && r.report.badDocuments == 0 && r.invalid == 0)
        let user = r.docs[0]
        #expect(user["node"] == "web1" && user["cwd"] == "/home/ann/my files" && user["cmd"] == "ls -la" && user["res"] == "success")
        #expect(user["exe"] == "/usr/bin/sudo" && user["type"] == "USER_CMD")
        #expect(r.docs[1]["a2"] == "echo \"hi\"\n")
        #expect(r.docs[2]["comm"] == "/tmp/x y" && r.docs[2]["text"] == "avc:, denied, {, read, }, for" && r.docs[2]["tclass"] == "file")
    }

    @Test func longArgumentPiecesAreJoined() {
        let text = "type=EXECVE msg=audit(1.0:1): argc=2 a0=\"cat\" a1_len=6 a1[0]=616263 a1[1]=\"def\"\n"
        let r = decodeAudit("pieces.log", text)
        #expect(r.docs.first?["a1"] == "abcdef" && r.docs.first?["a1_len"] == "6")
    }

    @Test func interleavedEventsAreJoinedByID() {
        let text = """
            type=SYSCALL msg=audit(1700000000.100:10): syscall=59 exe="/bin/a"
            type=SYSCALL msg=audit(1700000000.101:11): syscall=59 exe="/bin/b"
            type=EXECVE msg=audit(1700000000.100:10): argc=1 a0="a"
            type=EXECVE msg=audit(1700000000.101:11): argc=1 a0="b"
            type=EOE msg=audit(1700000000.101:11):
            type=CWD msg=audit(1700000000.100:10): cwd="/a"

            """
        let r = decodeAudit("interleaved.log", text)
        #expect(r.docs.count == 2)
        // Event 11 ends at its EOE; event 10 at the end of the file.
        #expect(r.docs.map { $0["exe"] } == ["/bin/b", "/bin/a"])
        #expect(r.docs.map { $0["a0"] } == ["b", "a"] && r.docs.map(\.line) == [2, 1])
        #expect(r.docs[1]["cwd"] == "/a" && r.docs[1]["type"] == "SYSCALL, EXECVE, CWD" && r.docs[0]["type"] == "SYSCALL, EXECVE")
    }

    @Test func tooManyOpenEventsEmitTheOldest() {
        var lines = (0...LinuxAuditDecoder.openEventLimit).map { "type=SYSCALL msg=audit(1.0:\($0)): exe=\"/bin/e\($0)\"" }
        lines.append("type=CWD msg=audit(1.0:1): cwd=\"/late\"")
        let r = decodeAudit("overflow.log", lines.joined(separator: "\n"))
        #expect(r.docs.count == LinuxAuditDecoder.openEventLimit + 1)
        #expect(r.docs.first?["exe"] == "/bin/e0" && r.docs.first { $0["exe"] == "/bin/e1" }?["cwd"] == "/late")
    }

    @Test func tornLinesAreReportedAndReadingGoesOn() {
        let text = """
            type=SYSCALL msg=audit(1700000000.100:10): syscall=59 exe="/bin/a"
            0 a1="-a"
            type=EXECVE msg=audit(1700000000.100:10): argc=2 a0="arp" a1="-
            type=CWD msg=audit(1700000000.100:10): cwd="/a"
            type=PATH msg=audit(oops): name="/x"
            """
        let r = decodeAudit("torn.log", text)
        #expect(r.docs.count == 1 && r.docs.first?["cwd"] == "/a" && r.docs.first?["exe"] == "/bin/a")
        #expect(r.report.badDocuments == 3)
        #expect(r.report.diagnostics.map(\.location.line) == [2, 3, 5])
        #expect(r.report.diagnostics.allSatisfy { $0.code == "audit-malformed" && $0.location.file.hasSuffix("torn.log") })
        #expect(r.report.diagnostics[1].message.contains("not closed"))
    }

    @Test func enrichedFieldsDoNotShadowRawOnes() {
        let text =
            "type=SYSCALL msg=audit(1.0:1): arch=c000003e syscall=59 euid=33 exe=\"/bin/sh\"\u{1D}ARCH=x86_64 SYSCALL=execve EUID=\"www-data\"\n"
        let r = decodeAudit("enriched.log", text)
        let e = r.docs.first
        #expect(e?["SYSCALL"] == "execve" && e?["euid"] == "33" && e?["EUID_name"] == "www-data" && e?["ARCH_name"] == "x86_64")
    }

    /// Python's reading of the Sentinel rows: the fields the auoms record text holds.
    static let pythonAuomsReader = #"""
        import json, re, sys
        out = []
        for line in open(sys.argv[1], encoding="utf-8"):
            m = json.loads(line)["SyslogMessage"]
            def q(k): return re.search(r'\b%s="([^"]*)"' % k, m).group(1)
            p = re.search(r" proctitle=(.*?) redactors=", m)
            c = re.search(r' argc=(\d+) cmdline="(.*)" redactors=', m)
            out.append({"serial": re.search(r"audit\([\d.]+:(\d+)\)", m).group(1), "exe": q("exe"), "cwd": q("cwd"), "name": q("name"),
                "key": re.search(r" key=(\S+)", m).group(1).replace(",", ", "), "proctitle": p.group(1) if p else None,
                "argc": int(c.group(1)) if c else None, "cmdline": c.group(2) if c else None,
                "path_name": ", ".join(json.loads(re.search(r" path_name=(\[.*?\]) ", m).group(1)))})
        print(json.dumps(out))
        """#

    @Test func auomsRecordsMatchPython() throws {
        let path = try SharedData.path(
            "logs/beyond-windows/sentinel-syslog/syslog_auoms_auditd_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json")
        let expected =
            try JSONSerialization.jsonObject(with: Data(try ProcessRunner.python(Self.pythonAuomsReader, [path]).utf8)) as! [[String: Any]]
        let docs = try Self.auomsDocuments(path)
        #expect(docs.count == expected.count && docs.count == 50)
        // 27 rows carry argv (`cmdline`), 23 are failed or argv-less execs with only a proctitle.
        #expect(docs.count { $0["cmdline"] != nil } == 27)
        for (doc, e) in zip(docs, expected) {
            #expect(doc["audit_serial"] == e["serial"] as? String)
            #expect(doc["exe"] == e["exe"] as? String && doc["cwd"] == e["cwd"] as? String && doc["name"] == e["name"] as? String)
            #expect(doc["key"] == e["key"] as? String && doc["path_name"] == e["path_name"] as? String)
            #expect(doc["proctitle"] == e["proctitle"] as? String)
            #expect(doc["cmdline"] == e["cmdline"] as? String)
            if let argc = e["argc"] as? Int {
                // The argv split from cmdline has as many arguments as auoms' own argc.
                #expect(doc["a\(argc - 1)"] != nil && doc["a\(argc)"] == nil && doc["syscall_a0"] != nil)
            }
            #expect(doc["type"] == (e["argc"] is Int ? "SYSCALL, EXECVE" : "SYSCALL"))
            #expect(doc["auoms_type"] == "AUOMS_EXECVE" && doc["SYSCALL"] == "execve")
            #expect(doc[HeaderField.channel] == "linux/auditd" && doc[HeaderField.time]?.hasPrefix("2022-05-11T18:") == true)
        }
        let reverseShell = docs.first { $0["a2"]?.hasPrefix("{echo,") == true }
        #expect(reverseShell?["a0"] == "bash" && reverseShell?["a1"] == "-c" && reverseShell?["a2"]?.hasSuffix("|{bash,-i}") == true)
    }

    /// Each row's SyslogMessage (read with Vigil's JSON) written by `writeRecord`, parsed back.
    /// The Sentinel rows as Vigil reads them: the JSON reader recognises Sentinel `Syslog` rows (JSONSources) and
    /// decodes each `SyslogMessage` through `LinuxAuditDecoder.writeRecord`.
    static func auomsDocuments(_ path: String) throws -> [DecodedDocument] {
        var report = LogReadReport()
        var tape = JSONTape()
        var docs: [DecodedDocument] = []
        LogReader.readJSON(path, report: &report) { batch in
            batch.forEachEvent(tape: &tape, invalid: { _ in Issue.record("invalid JSON") }) { event, line in
                docs.append(DecodedDocument(line: line, fields: Dictionary(event.fields(), uniquingKeysWith: { _, last in last })))
            }
        }
        #expect(report.badDocuments == 0)
        return docs
    }

    @Test func writeRecordRefusesOtherText() {
        var sink = DocumentSink()
        sink.begin(line: 1)
        #expect(!LinuxAuditDecoder.writeRecord("Oct 11 22:14:15 host sshd[1]: Accepted password", into: &sink))
        #expect(!LinuxAuditDecoder.writeRecord("type=SYSCALL msg=audit(1.0:1): comm=\"torn", into: &sink))
        sink.end()
        #expect(sink.bytes == Array("{}".utf8))
    }
}
