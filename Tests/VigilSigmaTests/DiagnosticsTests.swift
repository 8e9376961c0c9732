// Bad rules get a diagnostic with their location and a stable code; good documents next to them still load.
import Testing
import VigilCore
import VigilSigma
import VigilTestSupport

@Suite struct DiagnosticsTests {
    func diagnose(_ yaml: String) -> [Diagnostic] {
        RuleParser().parse(bytes: Array(yaml.utf8), file: "r.yml").diagnostics
    }

    @Test func invalidYAMLHasLineAndColumn() {
        let d = diagnose("title: x\ndetection: [unclosed\n")
        #expect(d.first?.code == "yaml-syntax")
        #expect(d.first?.location.line != nil)
    }

    @Test func unknownModifierPointsAtTheKey() {
        let d = diagnose("title: t\nlogsource: {product: windows}\ndetection:\n  s:\n    F|bogus: 1\n  condition: s\n")
        #expect(d.map(\.code) == ["unknown-modifier"])
        #expect(d.first?.location.line == 5)
        #expect(d.first?.location.column == 5)
    }

    @Test func conditionNamingAMissingIdentifier() {
        let d = diagnose("title: t\nlogsource: {product: windows}\ndetection:\n  s:\n    F: 1\n  condition: s and missing\n")
        #expect(d.map(\.code) == ["condition-unknown-identifier"])
        #expect(d.first?.location.line == 6)
    }

    @Test func conditionSyntax() {
        #expect(
            diagnose("title: t\nlogsource: {}\ndetection:\n  s:\n    F: 1\n  condition: s and (s\n").map(\.code) == ["condition-syntax"])
        #expect(
            diagnose("title: t\nlogsource: {}\ndetection:\n  s:\n    F: 1\n  condition: s | count() > 5\n").map(\.code) == [
                "legacy-aggregation"
            ])
    }

    @Test func malformedCorrelation() {
        let d = diagnose("title: c\ncorrelation:\n  type: event_count\n  rules: [x]\n  timespan: 5 minutes\n")
        #expect(d.map(\.code) == ["correlation-invalid"])
        let unknownType = diagnose("title: c\ncorrelation:\n  type: nope\n  rules: [x]\n  timespan: 5m\n")
        #expect(unknownType.map(\.code) == ["correlation-invalid"])
    }

    @Test func binaryFile() {
        let d = RuleParser().parse(bytes: [0x7f, 0x45, 0x4c, 0x46, 0, 1, 2], file: "a.out").diagnostics
        #expect(d.map(\.code) == ["not-text"])
    }

    @Test func hugeValueListLoads() {
        var yaml = "title: t\nlogsource: {product: windows}\ndetection:\n  s:\n    F:\n"
        for i in 0..<100_000 { yaml += "      - v\(i)\n" }
        yaml += "  condition: s\n"
        let (set, diagnostics) = Fixtures.ruleSet(yaml)
        #expect(diagnostics.isEmpty)
        #expect(Fixtures.matches(set, json: #"{"Channel":"X","F":"v99999"}"#) == [[0]])
    }

    @Test func goodDocumentsNextToBadOnesLoad() {
        let yaml =
            "title: bad\nlogsource: {}\ndetection:\n  condition: nothing\n---\ntitle: good\nlogsource: {product: windows}\ndetection:\n  s:\n    F: 1\n  condition: s\n"
        let (documents, diagnostics) = RuleParser().parse(bytes: Array(yaml.utf8), file: "m.yml")
        #expect(documents.count == 1)
        #expect(diagnostics.count == 1)
    }

    @Test func correlationsParse() {
        let yaml = """
            title: base
            name: failed_logon
            logsource: {product: windows, service: security}
            detection:
              s:
                EventID: 4625
              condition: s
            ---
            title: many failed logons
            correlation:
              type: event_count
              rules: [failed_logon]
              group-by: [TargetUserName]
              timespan: 1h
              condition:
                gte: 10
            """
        let (documents, diagnostics) = RuleParser().parse(bytes: Array(yaml.utf8), file: "c.yml")
        #expect(diagnostics.isEmpty)
        guard case .correlation(let c)? = documents.last else {
            Issue.record("no correlation")
            return
        }
        #expect(c.type == .eventCount && c.timespan == 3600 && c.groupBy == ["TargetUserName"])
    }

    @Test func everySigmaHQRuleLoads() throws {
        let root = try SharedData.path("rules/sigma")
        let collection = RuleLoader.load(
            ["rules", "rules-emerging-threats", "rules-threat-hunting", "rules-compliance", "rules-dfir"].map { root + "/" + $0 }.filter(
                FileBytes.exists))
        #expect(collection.diagnostics.isEmpty, Comment(rawValue: collection.diagnostics.map(\.description).joined(separator: "\n")))
        #expect(collection.rules.count >= 3700)
        let set = RuleSet(rules: collection.rules)
        #expect(set.diagnostics.filter { $0.severity == .error }.isEmpty)
        // Placeholders without values are rejected, as the specification requires.
        let placeholders = RuleLoader.load([root + "/rules-placeholder"])
        #expect(placeholders.diagnostics.allSatisfy { $0.code == "placeholder-without-values" })
    }
}
