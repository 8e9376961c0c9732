// The full SigmaHQ rule set over the OTRF Sysmon/Security JSON exports: pinned counts checked with an
// independent script (Python over the same files), and rules that must stay silent.
import Testing
import VigilCore
import VigilSigma
import VigilTestSupport

@Suite struct SysmonJSONTests {
    @Test func pinnedRulesAndLogsourceDiscipline() throws {
        let root = try SharedData.path("logs/sysmon-json")
        let set = Fixtures.fullRuleSet
        var hits: [String: Int] = [:]
        var events = 0
        for file in FileBytes.files(under: root) where file.hasSuffix(".json.gz") {
            let bytes = try FileBytes.readInflating(file)
            for fired in Fixtures.matches(set, bytes: bytes) {
                events += 1
                for r in fired { hits[set.rules[r].id ?? "", default: 0] += 1 }
            }
        }
        #expect(events == 80_939)
        // Counted independently: EventID 1102/517 with the Eventlog/Security provider on the Security channel.
        #expect(hits["d99b79d2-0a6f-4f46-ad8b-260b6e17f982"] == 16, "Security Eventlog Cleared")
        // Sysmon 17/18 with Cobalt Strike pipe names.
        #expect(hits["d5601f8c-b26f-4ab0-9035-69e11a8d4ad2"] == 4, "CobaltStrike Named Pipe")
        // Must not fire: no Linux/macOS/cloud rule on Windows events.
        let foreign = set.rules.enumerated().filter {
            ["linux", "macos", "aws", "azure", "gcp", "okta"].contains($0.element.logsource.product ?? "")
        }
        #expect(foreign.allSatisfy { hits[$0.element.id ?? ""] == nil })
        #expect(hits.count > 150)
    }
}
