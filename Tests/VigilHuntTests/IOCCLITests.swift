// `vigil ioc` run as a user runs it: exit codes, JSONL and CSV that parse, and hit counts that agree with
// an independent scan of the same log.
import Foundation
import Testing
import VigilCore
import VigilHunt
import VigilTestSupport

@Suite struct IOCCLITests {
    static var log: String { get throws { try SharedData.path("logs/sysmon-json/aptsimulator_cobaltstrike_2021-06-11T21081492.json.gz") } }

    /// Events of the log with the digest in any value, by JSONSerialization.
    static func eventsWith(_ digest: String) throws -> Int {
        try Independent.records(try log).count { record in
            IndependentIOC.strings(record).contains { $0.1.uppercased().contains(digest.uppercased()) }
        }
    }

    @Test func jsonlAndCSVCarryEveryHit() throws {
        let iocs = try IOCFixture.file("iocs.txt", "sha256:\(IOCFixture.sha256)\nimphash:\(IOCFixture.imphash)\nnot an indicator\n")
        let expected = try Self.eventsWith(IOCFixture.sha256) + Self.eventsWith(IOCFixture.imphash)
        #expect(expected == 16)

        let jsonl = try ProcessRunner.vigil(["ioc", "--file", iocs, try Self.log, "--format", "jsonl"])
        #expect(jsonl.status == 1)
        let rows = try jsonl.stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(rows.count == expected)
        for row in rows {
            #expect(row["pyramid_level"] as? String == "hash")
            #expect(row["field"] as? String == "Hashes")
            #expect((row["value"] as? String)?.contains("IMPHASH=") ?? false)
            #expect(row["computer"] is String && row["event_id"] is String && row["line"] is Int)
            #expect((row["indicator_source"] as? String)?.hasPrefix(iocs + ":") ?? false)
        }
        #expect(rows.count { $0["indicator_type"] as? String == "sha256" } == (try Self.eventsWith(IOCFixture.sha256)))
        // The bad line is reported with its line number; the summary goes to standard error.
        #expect(jsonl.stderr.contains("iocs.txt:3: error:"))
        #expect(jsonl.stderr.contains("hits: \(expected) in"))

        let csv = try ProcessRunner.vigil(["ioc", "--file", iocs, try Self.log, "--format", "csv", "--threads", "1"])
        #expect(csv.status == 1)
        // CSV records end with CRLF (RFC 4180): one Character, so split on newlines of either kind.
        let lines = csv.stdout.split(whereSeparator: \.isNewline)
        #expect(lines.first?.hasPrefix("timestamp,computer,channel,event_id,record_id,file,line,field,value,indicator,") ?? false)
        #expect(lines.count == expected + 1)

        let table = try ProcessRunner.vigil(["ioc", "--file", iocs, try Self.log])
        #expect(table.status == 1)
        #expect(table.stdout.contains("hits: \(expected) in"))
        #expect(table.stdout.contains("hash values"))
    }

    @Test func exitCodes() throws {
        let absent = try IOCFixture.file("absent.txt", "198.51.100.200\nno-such-domain.example\n")
        #expect(try ProcessRunner.vigil(["ioc", "--file", absent, try Self.log]).status == 0)
        let bad = try IOCFixture.file("bad.txt", "md5:123\nnot an indicator\n")
        let noIndicators = try ProcessRunner.vigil(["ioc", "--file", bad, try Self.log])
        #expect(noIndicators.status == 2)
        #expect(noIndicators.stderr.contains("bad.txt:1: error:") && noIndicators.stderr.contains("bad.txt:2: error:"))
        #expect(try ProcessRunner.vigil(["ioc", try Self.log]).status == 2)
        #expect(try ProcessRunner.vigil(["ioc", "--file", "/nonexistent/iocs.txt", try Self.log]).status == 2)
        #expect(try ProcessRunner.vigil(["ioc", "--file", absent, "/nonexistent-vigil-logs"]).status == 2)
    }
}
