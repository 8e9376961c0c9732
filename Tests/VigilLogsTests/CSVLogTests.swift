// The CSV reader: RFC 4180 quoting across lines, header names, times and bad records on small cases, and the shared
// S3 honey-bucket log compared value by value with Python's csv.DictReader.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilLogs

@Suite struct CSVLogTests {
    static func read(_ name: String, _ text: String, limit: Int? = nil) -> (events: [DecodedEvent], report: LogReadReport) {
        var decoder = CSVDecoder(file: name)
        if let limit { decoder.recordLimit = limit }
        return decodeTextLog(textLogFile(name, text), &decoder)
    }

    @Test func quotedSeparatorsQuotesAndLineBreaks() {
        let text = "\u{FEFF}id,text,n\n1,\"a, \"\"b\"\"\",x\n2,\"line one\nline two\n\",\"\"\n3,plain \"q\" ,\"ab\"cd\n"
        let r = Self.read("quoted.csv", text)
        #expect(
            r.events.map(\.json) == [
                #"{"id":"1","text":"a, \"b\"","n":"x"}"#,
                #"{"id":"2","text":"line one\nline two\n","n":""}"#,
                // As in Python's csv: a quote inside an unquoted cell and text after a closing quote are kept.
                #"{"id":"3","text":"plain \"q\" ","n":"abcd"}"#,
            ])
        #expect(r.events.map(\.line) == [2, 3, 6])
        #expect(r.report.badDocuments == 0)
    }

    @Test func crlfLinesAndBlankLines() {
        let r = Self.read("crlf.csv", "a;b,c\r\n1;2,3\r\n\r\n\"x\r\ny\",4\r\n")
        #expect(r.events.map(\.json) == [#"{"a;b":"1;2","c":"3"}"#, #"{"a;b":"x\ny","c":"4"}"#])
        #expect(r.events.map(\.line) == [2, 4])
        var semicolon = CSVDecoder(file: "semi.csv", separator: UInt8(ascii: ";"))
        let s = decodeTextLog(textLogFile("semi.csv", "a;b\n\"1;2\";3\n"), &semicolon)
        #expect(s.events.map(\.json) == [#"{"a":"1;2","b":"3"}"#])
    }

    @Test func headerNamesAreMadeUnique() {
        let r = Self.read("names.csv", "name,,name,name,\nw,x,y,z,\n")
        #expect(r.events.map(\.json) == [#"{"name":"w","column_2":"x","name_2":"y","name_3":"z","column_5":""}"#])
    }

    @Test func raggedRecordsAreReportedAndSkipped() {
        let r = Self.read("ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n\"multi\nline\",10\n11,12,13\n")
        #expect(r.events.map { $0.fields["a"] } == ["1", "11"])
        #expect(r.events.map(\.line) == [2, 7])
        #expect(r.report.badDocuments == 3)
        #expect(r.report.diagnostics.map(\.location.line) == [3, 4, 5])
        #expect(r.report.diagnostics.allSatisfy { $0.code == "csv-malformed" && $0.location.file.hasSuffix("ragged.csv") })
        #expect(r.report.diagnostics.map(\.message).first == "2 cells where the header has 3")
    }

    @Test func anUnclosedQuoteIsReportedWhereTheRecordBegan() {
        let r = Self.read("unclosed.csv", "a,b\n1,2\n3,\"never closed\n4,5\n6,7\n")
        #expect(r.events.map(\.line) == [2])
        #expect(r.report.badDocuments == 1)
        #expect(r.report.diagnostics.map(\.location.line) == [3])
        #expect(r.report.diagnostics.first?.message.contains("never closed") == true)
    }

    @Test func aRunawayRecordIsCutAtTheLimit() {
        let long = String(repeating: "x", count: 100)
        let text = "a,b\n1,\"\(long)\n2,ok\n3,\"\(long.prefix(30))\n\(long.prefix(30))\n\(long.prefix(30))\n4,ok\n"
        let r = Self.read("runaway.csv", text, limit: 64)
        // Line 2 alone passes the limit; the record from line 4 passes it on line 6; reading resumes after each.
        #expect(r.events.map { $0.fields["a"] } == ["2", "4"])
        #expect(r.events.map(\.line) == [3, 7])
        #expect(r.report.diagnostics.map(\.location.line) == [2, 4])
        #expect(r.report.diagnostics.allSatisfy { $0.message.contains("longer than 64 bytes") })
    }

    @Test func timeColumnsBecomeUTC() {
        let r = Self.read(
            "times.csv",
            "Date,Event Time,x\n2022-01-01,2022-02-18T19:34:57.5+02:00,1\n2022-01-01,1645205697,2\n,2022-02-18 17:34:57,3\n,soon,4\n")
        #expect(
            r.events.map { $0.fields["vigil_time"] } == [
                "2022-02-18T17:34:57.500000Z", "2022-02-18T17:34:57.000000Z", "2022-02-18T17:34:57.000000Z", nil,
            ])
        #expect(r.events.first?.json.hasPrefix(#"{"vigil_time":"2022-02-18T17:34:57.500000Z","Date":"#) == true)
        #expect(r.events.allSatisfy { $0.fields["vigil_channel"] == nil })
    }

    @Test(arguments: [
        ("2022-02-18T17:34:57Z", "2022-02-18T17:34:57.000000Z"),
        ("2022-02-18t17:34:57.1234567z", "2022-02-18T17:34:57.123456Z"),
        ("2022-02-18T12:04:57-0530", "2022-02-18T17:34:57.000000Z"),
        ("2022-02-19T02:34:57+09", "2022-02-18T17:34:57.000000Z"),
        ("2022-02-18T17:34", "2022-02-18T17:34:00.000000Z"),
        ("2022-02-18", "2022-02-18T00:00:00.000000Z"),
        ("1645205697.25", "2022-02-18T17:34:57.250000Z"),
        ("1645205697123", "2022-02-18T17:34:57.123000Z"),
    ])
    func isoTimes(_ text: String, _ iso: String) {
        #expect(LogTime.iso(text: Array(text.utf8)) == iso)
    }

    @Test(arguments: ["", "soon", "2022-13-01", "2022-02-18T25:00:00Z", "2022-02-18T17:34:57+", "18/02/2022", "2022-02-18T17:34:57Zx"])
    func notTimes(_ text: String) {
        #expect(LogTime.iso(text: Array(text.utf8)) == nil)
    }

    /// Python's csv.DictReader reads the file; prints each row's first line, values, and the ISO 8601 UTC time of
    /// its time column.
    static let independentReader = #"""
        import sys, csv, json, datetime
        TIME = ["@timestamp", "timestamp", "eventtime", "event time", "event datetime", "timegenerated", "datetime", "time", "date"]
        with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            names = reader.fieldnames
            lowered = [n.lower() for n in names]
            column = next((names[lowered.index(t)] for t in TIME if t in lowered), None)
            rows, previous = [], reader.line_num
            for row in reader:
                fields = dict(row)
                if column and fields[column]:
                    t = datetime.datetime.fromisoformat(fields[column].replace("Z", "+00:00"))
                    fields["vigil_time"] = t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                rows.append({"line": previous + 1, "fields": fields})
                previous = reader.line_num
        print(json.dumps(rows))
        """#

    @Test func honeyBucketLogMatchesPythonsCSVReader() throws {
        let file = try SharedData.path("logs/beyond-windows/s3-access/AWS_S3_HoneyBucketLogs.csv")
        let expected = try #require(try python(Self.independentReader, [file]) as? [[String: Any]])
        var decoder = CSVDecoder(file: file)
        let r = decodeTextLog(file, &decoder)
        #expect(expected.count == 301)
        #expect(r.events.count == expected.count)
        #expect(r.report.badDocuments == 0 && r.report.diagnostics.isEmpty)
        for (event, row) in zip(r.events, expected) {
            #expect(event.line == row["line"] as? Int)
            #expect(event.fields == row["fields"] as? [String: String], "line \(event.line)")
        }
        #expect(expected.allSatisfy { ($0["fields"] as? [String: String])?["vigil_time"] != nil })
    }
}
