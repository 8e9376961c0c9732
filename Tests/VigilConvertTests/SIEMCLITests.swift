// `vigil convert` for the SIEM targets, run as a user runs it: one comment line and one query line per
// converted rule, refusals on stderr with the rule's file and the reason, and the exit status saying whether
// any rule was refused.
import Foundation
import Testing
import VigilTestSupport

@Suite struct SIEMCLITests {
    /// Two rules: one every target converts, one with a keyword (Lucene and ES|QL have no keyword search).
    static func rulesFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "vigil-siem-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let plain = """
            title: Cmd
            id: 11111111-1111-1111-1111-111111111111
            logsource: {product: windows, category: process_creation}
            detection:
              s:
                Image|endswith: '\\cmd.exe'
              condition: s
            """
        let keyword = """
            title: Keyword
            id: 22222222-2222-2222-2222-222222222222
            logsource: {product: windows, service: sysmon}
            detection:
              k:
                - 'mimikatz'
              condition: k
            """
        try plain.write(toFile: folder + "/plain.yml", atomically: true, encoding: .utf8)
        try keyword.write(toFile: folder + "/keyword.yml", atomically: true, encoding: .utf8)
        return folder
    }

    @Test func splunkConvertsBothRules() throws {
        let folder = try Self.rulesFolder()
        let run = try ProcessRunner.vigil(["convert", "--target", "splunk", folder])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines.contains("``` 11111111-1111-1111-1111-111111111111 Cmd ```"))
        #expect(
            lines.contains(
                #"(Channel="Microsoft-Windows-Sysmon/Operational" EventID=1 Image="*\\cmd.exe") OR (Channel="Security" EventID=4688 NewProcessName="*\\cmd.exe")"#
            ))
        #expect(lines.contains("Channel=\"Microsoft-Windows-Sysmon/Operational\" \"*mimikatz*\""))
        #expect(run.stderr.contains("2 rules converted to splunk, 0 refused"))
    }

    @Test func esqlRefusesTheKeywordRuleWithItsFileAndReason() throws {
        let folder = try Self.rulesFolder()
        let run = try ProcessRunner.vigil(["convert", "--target", "esql", "--table", "winlogbeat-*", folder])
        #expect(run.status == 1, "some rules refused")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first == "// 11111111-1111-1111-1111-111111111111 Cmd")
        #expect(lines.last?.hasPrefix("FROM winlogbeat-* | WHERE ") == true)
        #expect(run.stderr.contains("keyword.yml"))
        #expect(run.stderr.contains("ES|QL has no test over every field of an event"))
    }

    @Test func kqlJSONListsEveryRule() throws {
        let folder = try Self.rulesFolder()
        let run = try ProcessRunner.vigil(["convert", "--target", "kql", "--table", "SecurityEvent", "--format", "json", folder])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["converted"] as? Int == 2)
        #expect(object?["refused"] as? Int == 0)
        let queries = (object?["rules"] as? [[String: Any]])?.compactMap { $0["query"] as? String } ?? []
        #expect(queries.count == 2 && queries.allSatisfy { $0.hasPrefix("SecurityEvent | where ") })
    }
}
