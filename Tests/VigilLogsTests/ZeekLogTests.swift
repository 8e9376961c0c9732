// The Zeek TSV reader: headers, value types and bad rows on small cases, and every shared Zeek log compared field by
// field with an independent reading of the same files in Python.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilLogs

/// One event a text decoder made, as Vigil's JSON reader reads it back.
struct DecodedEvent {
    var line: Int
    /// The document as written.
    var json: String
    /// `Event.fields()`: every field's value as text (null as "", arrays joined by ", ").
    var fields: [String: String]
    /// Each field's JSON kind: `null`, `bool`, `number`, `string` or `array`.
    var kinds: [String: String]

    /// Fields whose value is JSON null.
    var nulls: Set<String> { Set(kinds.filter { $0.value == "null" }.keys) }
}

/// Reads `path` through `decoder` with `LogReader.readLines`; every document must parse as JSON.
func decodeTextLog(_ path: String, _ decoder: inout some LineDecoder) -> (events: [DecodedEvent], report: LogReadReport) {
    var report = LogReadReport()
    var events: [DecodedEvent] = []
    var tape = JSONTape()
    LogReader.readLines(path, decoder: &decoder, report: &report) { batch in
        var spans = batch.documents.makeIterator()
        batch.forEachEvent(tape: &tape, invalid: { diagnostic in Issue.record("invalid JSON: \(diagnostic())") }) { event, line in
            let span = spans.next()!
            var kinds: [String: String] = [:]
            event.forEachField { name, v in kinds[JSONString.unescape(name)] = "\(event.view.kind(v))" }
            events.append(
                DecodedEvent(
                    line: line, json: String(decoding: batch.bytes[span.start..<span.end], as: UTF8.self),
                    fields: Dictionary(event.fields().map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }), kinds: kinds))
        }
    }
    return (events, report)
}

/// Writes `text` to a file named `name` in a folder of this test run's own (decoders read the name, e.g. Zeek's
/// channel without a `#path`).
func textLogFile(_ name: String, _ text: String) -> String { temporaryFile(name, Array(text.utf8)) }

/// Runs a Python 3 script with `arguments` and returns what it prints, read as JSON.
func python(_ script: String, _ arguments: [String]) throws -> Any? {
    try JSONSerialization.jsonObject(with: Data(try ProcessRunner.python(script, arguments).utf8))
}

@Suite struct ZeekLogTests {
    static func zeek(_ name: String, _ text: String) -> [DecodedEvent] { read(name, text).events }

    static func read(_ name: String, _ text: String) -> (events: [DecodedEvent], report: LogReadReport) {
        var decoder = ZeekTSVDecoder(file: name)
        return decodeTextLog(textLogFile(name, text), &decoder)
    }

    static let header = """
        #separator \\x09
        #set_separator\t,
        #empty_field\t(empty)
        #unset_field\t-
        #path\tconn
        #open\t2023-08-16-01-28-55
        #fields\tts\tuid\tid.orig_h\tid.orig_p\tduration\tlocal_orig\ttunnel_parents\tanswers\tservice
        #types\ttime\tstring\taddr\tport\tinterval\tbool\tset[string]\tvector[string]\tstring

        """

    @Test func valuesByType() {
        let events = Self.zeek(
            "types.log",
            Self.header + "1692161622.036086\tCnsu5\t192.168.1.41\t52605\t0.5\tT\ta,b\t(empty)\t(empty)\n"
                + "1692161623\tC2\t::1\t53\t-\tF\t-\tx\t-\n#close\t2023-08-16-01-28-55\n")
        #expect(
            events.map(\.json) == [
                #"{"vigil_channel":"zeek/conn","vigil_time":"2023-08-16T04:53:42.036086Z","ts":1692161622.036086,"uid":"Cnsu5","#
                    + #""id.orig_h":"192.168.1.41","id.orig_p":52605,"duration":0.5,"local_orig":true,"tunnel_parents":["a","b"],"#
                    + #""answers":[],"service":""}"#,
                #"{"vigil_channel":"zeek/conn","vigil_time":"2023-08-16T04:53:43.000000Z","ts":1692161623,"uid":"C2","#
                    + #""id.orig_h":"::1","id.orig_p":53,"local_orig":false,"answers":["x"]}"#,
            ])
        #expect(events.map(\.line) == [9, 10])
        // Unset fields are left out, as Zeek's JSON writer leaves them out.
        #expect(events[1].nulls.isEmpty && events[1].fields["duration"] == nil && events[1].fields["service"] == nil)
    }

    @Test func timesKeepMicrosecondsAndFallBackToLogTime() {
        let rows = ["1692161622.5", "1692161622.1234567", "1692161622", "1692161623.000001", "1.", "-", "x1", "-5.0"]
        let events = Self.zeek("times.log", "#fields\tts\n#types\ttime\n" + rows.joined(separator: "\n") + "\n")
        #expect(
            events.map { $0.fields["vigil_time"] } == [
                "2023-08-16T04:53:42.500000Z", "2023-08-16T04:53:42.123456Z", "2023-08-16T04:53:42.000000Z",
                "2023-08-16T04:53:43.000001Z", "1970-01-01T00:00:01.000000Z", nil, nil, nil,
            ])
        #expect(events.map { $0.kinds["ts"] } == ["number", "number", "number", "number", "string", nil, "string", "number"])
    }

    @Test func escapesAreDecoded() {
        let text = """
            #fields\tquery\tnames\tkind
            #types\tstring\tset[string]\tenum
            a\\x09b\\x2c\\x5cx\ty\\x2cz,w\t\\x2d
            caf\\xc3\\xa9\t\\xff\t\\x41\\x4
            -\t-\t\\x2d

            """
        let events = Self.zeek("escapes.log", text)
        #expect(events.count == 3)
        #expect(events[0].json.hasSuffix(#""query":"a\tb,\\x","names":["y,z","w"],"kind":"-"}"#))
        // Valid UTF-8 once decoded; a lone high byte stays as the text Zeek's JSON writer gives it; a cut escape stays.
        #expect(events[1].json.hasSuffix(#""query":"café","names":["\\xff"],"kind":"A\\x4"}"#))
        #expect(events[2].fields["query"] == nil && events[2].fields["names"] == nil && events[2].fields["kind"] == "-")
    }

    @Test func noPathNamesTheChannelByFile() {
        #expect(ZeekTSVDecoder.channel(path: "dns", file: "/x/y.log") == "zeek/dns")
        #expect(ZeekTSVDecoder.channel(path: nil, file: "/logs/conn.log.gz") == "zeek/conn")
        #expect(ZeekTSVDecoder.channel(path: "", file: "ssl.json") == "zeek/ssl")
        #expect(ZeekTSVDecoder.channel(path: nil, file: "/a/conn.00:00:00-01:00:00.log.gz") == "zeek/conn")
        #expect(ZeekTSVDecoder.channel(path: nil, file: "dns.2023-08-16-01-28-55.log") == "zeek/dns")
        let events = Self.zeek("weird_stuff.log.gz", "#fields\tname\n#types\tstring\nx\n")
        #expect(events.first?.fields["vigil_channel"] == "zeek/weird_stuff")
        #expect(events.first?.fields["vigil_time"] == nil)
    }

    @Test func aSecondHeaderBlockReplacesTheFirst() {
        let text = """
            #separator \\x09
            #path\tdns
            #fields\tts\tquery
            #types\ttime\tstring
            1.5\ta.example
            #close\tx
            #separator \\x7c
            #set_separator|;
            #unset_field|NONE
            #path|http
            #fields|ts|uri|tags|status_code
            #types|time|string|set[enum]|count
            2.25|/a|X;Y|NONE
            #separator \\x09
            #fields\ta
            #types\tcount
            -

            """
        let events = Self.zeek("multi.log", text)
        #expect(
            events.map(\.json) == [
                #"{"vigil_channel":"zeek/dns","vigil_time":"1970-01-01T00:00:01.500000Z","ts":1.5,"query":"a.example"}"#,
                #"{"vigil_channel":"zeek/http","vigil_time":"1970-01-01T00:00:02.250000Z","ts":2.25,"uri":"/a","tags":["X","Y"]}"#,
                // The third block has no #path: the channel comes from the file's name again; `-` is unset again.
                #"{"vigil_channel":"zeek/multi"}"#,
            ])
        #expect(events.map(\.line) == [5, 13, 17])
    }

    @Test func badRowsAreReportedAndReadingGoesOn() {
        let text = """
            1\t2
            #fields\tts\tuid
            #types\ttime\tstring
            1.0\tA
            2.0
            3.0\tC\textra
            4.0\tD
            #fields\ta\tb\tc
            #types\tcount\tcount
            5\tx\t7

            """
        let r = Self.read("bad.log", text)
        #expect(r.events.map { $0.fields["uid"] ?? $0.fields["b"] ?? "?" } == ["A", "D", "x"])
        #expect(r.events.last?.json.hasSuffix(#""a":"5","b":"x","c":"7"}"#) == true)
        #expect(r.report.badDocuments == 4)
        #expect(r.report.diagnostics.map(\.location.line) == [1, 5, 6, 9])
        #expect(r.report.diagnostics.allSatisfy { $0.code == "zeek-malformed" && $0.location.file.hasSuffix("bad.log") })
        #expect(r.report.diagnostics[0].message.contains("before any #fields"))
        #expect(r.report.diagnostics[1].message == "1 columns where #fields names 2")
        #expect(r.report.diagnostics[3].message.contains("#types has 2 entries where #fields has 3"))
    }

    /// Reads each shared Zeek file in Python (headers, split on the separator, types as Zeek defines them) and prints,
    /// per file, every row's line, its fields as `Event.fields()` shows them and the JSON kind each should have.
    static let independentReader = #"""
        import sys, json, re, datetime
        NUMBER = {"count", "int", "port", "double", "interval", "time"}
        def unescape(s):
            return re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), s.encode()).decode()
        def iso(ts):
            whole, _, frac = ts.partition(".")
            t = datetime.datetime.fromtimestamp(int(whole), datetime.timezone.utc)
            return t.strftime("%Y-%m-%dT%H:%M:%S.") + (frac + "000000")[:6] + "Z"
        out = {}
        for name in sys.argv[1:]:
            sep, setsep, empty, unset, path = "\t", ",", "(empty)", "-", None
            fields, types, rows = [], [], []
            for number, line in enumerate(open(name, encoding="utf-8", newline="\n").read().split("\n"), 1):
                if line.startswith("#separator "):
                    sep = unescape(line[len("#separator "):])
                    continue
                if line.startswith("#"):
                    key, _, value = line[1:].partition(sep)
                    if key == "set_separator": setsep = value
                    elif key == "empty_field": empty = value
                    elif key == "unset_field": unset = value
                    elif key == "path": path = value
                    elif key == "fields": fields = value.split(sep)
                    elif key == "types": types = value.split(sep)
                    continue
                if not line:
                    continue
                cells = line.split(sep)
                assert len(cells) == len(fields) == len(types), (name, number)
                shown = {"vigil_channel": "zeek/" + path}
                kinds = {"vigil_channel": "string"}
                for field, kind, cell in zip(fields, types, cells):
                    if cell == unset:
                        continue
                    elif kind.startswith(("set[", "vector[")):
                        elements = [] if cell == empty else [unescape(e) for e in cell.split(setsep)]
                        shown[field], kinds[field] = ", ".join(elements), "array"
                    elif cell == empty:
                        shown[field], kinds[field] = "", "string"
                    elif kind == "bool":
                        shown[field], kinds[field] = {"T": "true", "F": "false"}[cell], "bool"
                    elif kind in NUMBER:
                        float(cell)
                        shown[field], kinds[field] = cell, "number"
                    else:
                        shown[field], kinds[field] = unescape(cell), "string"
                if "ts" in fields and shown["ts"]:
                    shown["vigil_time"], kinds["vigil_time"] = iso(shown["ts"]), "string"
                rows.append({"line": number, "fields": shown, "kinds": kinds})
            out[name] = rows
        print(json.dumps(out))
        """#

    @Test func sharedZeekLogsMatchAnIndependentReader() throws {
        let root = try SharedData.path("logs/beyond-windows/zeek")
        let files = FileBytes.files(under: root).filter { $0.hasSuffix(".log") }.sorted()
        #expect(files.count == 24)
        let expected = try #require(try python(Self.independentReader, files) as? [String: [[String: Any]]])
        var rows = 0
        var bad = 0
        for file in files {
            var decoder = ZeekTSVDecoder(file: file)
            let r = decodeTextLog(file, &decoder)
            let want = try #require(expected[file])
            bad += r.report.badDocuments
            rows += r.events.count
            #expect(r.events.count == want.count, "\(file)")
            for (event, row) in zip(r.events, want) {
                #expect(event.line == row["line"] as? Int, "\(file)")
                #expect(event.fields == row["fields"] as? [String: String], "\(file):\(event.line)")
                #expect(event.kinds == row["kinds"] as? [String: String], "\(file):\(event.line)")
            }
        }
        // 4,303 lines in the 24 files, 24 of them headers and footers per file (9 each): 4,303 - 24 × 9 = 4,087 rows.
        #expect(rows == 4087)
        #expect(bad == 0)
    }
}
