// Search results against a brute-force scan of the same files with JSONSerialization and NSRegularExpression.
import Foundation
import Testing
import VigilCore
import VigilHunt
import VigilLogs
import VigilTestSupport

@Suite struct EventSearchTests {
    /// File and line of every hit.
    static func hits(_ files: [String], _ query: SearchQuery) -> [String] {
        let search = EventSearch(query)
        var report = EventStreamReport()
        var out: [String] = []
        EventStream.forEach(files, report: &report) { event, origin in
            if let hit = search.hit(event, at: origin, collectFields: false) { out.append("\(hit.file):\(hit.line)") }
        }
        #expect(report.bad == 0)
        return out
    }

    static func bruteForce(_ files: [String], _ keep: ([String: Any]) -> Bool) throws -> [String] {
        var out: [String] = []
        for file in files {
            for (line, record) in try Independent.numberedRecords(file) where keep(record) { out.append("\(file):\(line)") }
        }
        return out
    }

    static var files: [String] { get throws { try Independent.sysmonFiles.map { try SharedData.path($0) } } }

    @Test(arguments: ["bitsadmin", "LSASS", "WardoG", "0x1fffff", "théshire"])
    func textMatchesBruteForce(_ needle: String) throws {
        let files = try Self.files
        let expected = try Self.bruteForce(files) { record in
            record.values.contains { Independent.text($0)?.lowercased().contains(needle.lowercased()) ?? false }
        }
        if needle != "théshire" { #expect(!expected.isEmpty) }
        #expect(Self.hits(files, .text(needle)) == expected)
    }

    @Test(arguments: [#"(?i)\\lsass\.exe$"#, #"^0x[0-9a-f]{4}$"#, "Download"])
    func regexMatchesBruteForce(_ pattern: String) throws {
        let files = try Self.files
        let re = try NSRegularExpression(
            pattern: pattern.replacingOccurrences(of: "(?i)", with: ""),
            options: pattern.hasPrefix("(?i)") ? [.caseInsensitive, .anchorsMatchLines] : [.anchorsMatchLines])
        let expected = try Self.bruteForce(files) { record in
            record.values.contains { value in
                guard let text = Independent.text(value) else { return false }
                return re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            }
        }
        #expect(!expected.isEmpty)
        #expect(Self.hits(files, .regex(try Regex(pattern))) == expected)
    }

    @Test func whereMatchesBruteForce() throws {
        let files = try Self.files
        let expected = try Self.bruteForce(files) { record in
            Independent.text(record["EventID"]) == "4688"
                && ((record["NewProcessName"] as? String)?.lowercased().hasSuffix(#"\cmd.exe"#) ?? false)
        }
        #expect(!expected.isEmpty)
        #expect(Self.hits(files, .fields(try FieldFilter(parsing: #"EventID=4688 NewProcessName=*\cmd.exe"#))) == expected)
    }
}
