// The one output layer, checked against independent readers: Python's csv module (RFC 4180) and json module
// read back exactly the values written, hostile ones included.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite struct RecordWriterTests {
    static let keys = ["text", "number", "list", "pairs"]

    /// Values that break naive writers: separators, quotes, CR, LF, CRLF (one `Character`), NUL-free control
    /// characters, non-BMP scalars, a combining mark after a quote, leading/trailing spaces.
    static let hostile = [
        "plain", "a,b", "say \"hi\"", "line1\nline2", "line1\r\nline2", "cr\ronly", "\r\n", "\"\r\n\"", "tab\there", "esc\u{1B}[31m",
        "emoji 🦊 𝄞", "e\u{301}\"\u{301}", "  padded  ", "", "C:\\Windows\\System32\\cmd.exe /c \"echo ,\"",
    ]

    static func rows() -> [[RecordValue]] {
        hostile.enumerated().map { i, value in
            [.text(value), .number(i - 3), .list([value, "x"]), .pairs([("k\(i)", value), ("same", "v")])]
        }
    }

    static func written(_ format: RecordWriter.Format) -> String {
        var out = ""
        var writer = RecordWriter(format: format, keys: keys, emit: { out += $0 })
        writer.begin()
        for row in rows() { writer.write(row) }
        writer.end()
        return out
    }

    /// Runs `script` with python3, `input` on standard input; returns standard output.
    static func python(_ script: String, _ input: String) throws -> String { try ProcessRunner.python(script, input: input) }

    /// What a reader should get back, as JSON (so both sides compare as plain data).
    static func expected(csv: Bool) -> [[String: Any]] {
        rows().map { row in
            var o: [String: Any] = [:]
            for (key, value) in zip(keys, row) {
                switch value {
                case .text(let s): o[key] = s ?? (csv ? "" : NSNull())
                case .number(let n): o[key] = csv ? String(n) : n
                case .list(let items): o[key] = csv ? items.joined(separator: " ") : items
                case .pairs(let pairs):
                    o[key] =
                        csv
                        ? pairs.map { $0.name + "=" + $0.value }.joined(separator: "; ")
                        : Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
                }
            }
            return o
        }
    }

    static func same(_ a: Any, _ b: Any) -> Bool {
        NSDictionary(dictionary: ["v": a]).isEqual(to: ["v": b])
    }

    @Test func csvReadsBackWithPythonsCSVModule() throws {
        let csv = Self.written(.csv)
        // The bug this guards: "\r\n" inside a value is one Character, and a check by Character missed it.
        #expect(csv.contains("\"line1\r\nline2\""))
        let json = try Self.python(
            "import csv,sys,json; r=list(csv.DictReader(sys.stdin, strict=True)); print(json.dumps(r))",
            csv)
        let back = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
        let expected = Self.expected(csv: true)
        #expect(back.count == expected.count)
        for (a, b) in zip(back, expected) { #expect(Self.same(a, b), "\(a) != \(b)") }
        // Records end with CRLF (RFC 4180), and every physical line break outside quotes is one.
        #expect(csv.hasSuffix("\r\n"))
    }

    @Test func jsonAndJSONLinesReadBackWithPythonsJSONModule() throws {
        let array = try Self.python("import sys,json; print(json.dumps(json.load(sys.stdin)))", Self.written(.json))
        let lines = try Self.python(
            "import sys,json; print(json.dumps([json.loads(l) for l in sys.stdin.read().split('\\n') if l]))",
            Self.written(.jsonl))
        let expected = Self.expected(csv: false)
        for text in [array, lines] {
            let back = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
            #expect(back.count == expected.count)
            for (a, b) in zip(back, expected) { #expect(Self.same(a, b), "\(a) != \(b)") }
        }
        // An empty result is still one JSON document.
        var out = ""
        var writer = RecordWriter(format: .json, keys: Self.keys, emit: { out += $0 })
        writer.begin()
        writer.end()
        #expect(try Self.python("import sys,json; print(json.load(sys.stdin))", out) == "[]\n")
    }

    @Test func tableLinesStayOneLineAlignedAndFreeOfControlSequences() {
        var out = ""
        var writer = RecordWriter(
            format: .table, keys: Self.keys,
            table: [
                TableColumn("TEXT", key: "text", width: 12, limit: 12), TableColumn("N", key: "number", width: 3),
                TableColumn("LIST", key: "list"),
            ],
            emit: { out += $0 })
        writer.begin()
        for row in Self.rows() { writer.write(row) }
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == Self.hostile.count + 2)
        for line in lines {
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 })
            // Column N starts at the same place on every line: 12 + 2.
            #expect(line.count > 14)
        }
        let header = lines[0]
        #expect(header.hasPrefix("TEXT" + String(repeating: " ", count: 10) + "N    LIST"))
        for line in lines.dropFirst(2) {
            let n = line.dropFirst(14).prefix(3)
            #expect(Int(n.trimmingCharacters(in: .whitespaces)) != nil, "\(line)")
        }
    }
}

extension RecordWriterTests {
    /// A value wider than its fixed column is cut to the column, keeping its end where the column says so
    /// (a file name's line number), so the columns after it stay aligned.
    @Test func aLongValueIsCutToItsColumnAndTheNextColumnStaysInPlace() {
        var out = ""
        var writer = RecordWriter(
            format: .table, keys: ["file", "host", "what"],
            table: [
                TableColumn("FILE:LINE", key: "file", width: 10, keepsEnd: true), TableColumn("HOST", key: "host", width: 6),
                TableColumn("WHAT", key: "what"),
            ],
            emit: { out += $0 })
        writer.begin()
        writer.write([RecordValue.text("a-very-long-file-name.evtx:123"), .text("workstation-7"), .text("x")])
        writer.write([RecordValue.text("short:1"), .text("dc"), .text("y")])
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines[2] == "….evtx:123  works…  x")
        #expect(lines[3] == "short:1     dc      y")
        #expect(lines.dropFirst(2).allSatisfy { $0.count == lines[2].count })
    }
}
