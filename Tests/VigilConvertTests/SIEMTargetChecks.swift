// The checks every SIEM target (Splunk, Lucene, KQL, ES|QL) runs, each with that target's own expected texts:
// one suite for the checks, so each target's suite holds only its texts and what differs per target.
import Testing
import VigilConvert

/// What one SIEM target is expected to write in the checks every target runs; each target's suite holds its own.
struct SIEMTargetExpectations: Sendable, CustomTestStringConvertible {
    var target: ConversionTarget
    /// The query (or "refused: " and the reason) for every SIEMCases form, by name.
    var expected: [String: String]
    /// A process_creation rule under the Windows logsource mapping.
    var logsource: String
    /// The same tests in the nested EVTX-as-JSON layout and in Winlogbeat's ECS layout.
    var evtx: String
    var ecs: String
    /// The target's query for "false" (a value test on a column the table lacks).
    var alwaysFalse: String
    /// The plain test of some hostile values, by "<name> exact".
    var hostileExact: [String: String]

    var testDescription: String { target.rawValue }
}

/// The checks every SIEM target (Splunk, Lucene, KQL, ES|QL) runs, each with that target's expected texts.
@Suite struct SIEMTargetTests {
    static let targets = [SplunkTests.expectations, LuceneTests.expectations, KQLTests.expectations, ESQLTests.expectations]

    /// The expectation table names exactly the SIEMCases forms: none is missing, none is stale.
    @Test(arguments: targets)
    func everyCaseHasAnExpectation(_ t: SIEMTargetExpectations) {
        #expect(Set(t.expected.keys) == Set(SIEM.allCases.map(\.name)))
    }

    @Test(arguments: targets, SIEM.allCases)
    func exactQuery(_ t: SIEMTargetExpectations, _ c: (name: String, detection: String)) {
        #expect(SIEM.text(t.target, c.detection) == t.expected[c.name], "\(c.name)")
    }

    /// process_creation maps to Sysmon 1 and Security 4688; Security renames Image and maps IntegrityLevel values.
    @Test(arguments: targets)
    func logsourceRenamesAndValueMaps(_ t: SIEMTargetExpectations) {
        let d = "s:\n  Image|endswith: '\\cmd.exe'\n  IntegrityLevel: High\ncondition: s"
        #expect(SIEM.text(t.target, d, logsource: "{product: windows, category: process_creation}") == t.logsource)
    }

    @Test(arguments: targets)
    func nestedLayouts(_ t: SIEMTargetExpectations) {
        let d = "s:\n  EventID: 1\n  Provider_Name: 'x'\n  Image: y\ncondition: s"
        #expect(SIEM.text(t.target, d, layout: "evtx") == t.evtx)
        #expect(SIEM.text(t.target, d, layout: "ecs") == t.ecs)
    }

    /// With a column list, names match ignoring case and a field the table lacks is absent: a value test on it is
    /// false (so `not` of it is true) and `null` on it is true.
    @Test(arguments: targets)
    func columnListResolvesAbsentFields(_ t: SIEMTargetExpectations) {
        let d = "s:\n  image: y\nf:\n  Missing: x\nn:\n  Gone: null\ncondition: s and n and not f"
        let whole = SIEM.text(t.target, d, columns: ["Image", "Other"])
        #expect(whole == SIEM.text(t.target, "s:\n  Image: y\ncondition: s"))
        #expect(SIEM.text(t.target, "s:\n  Missing: x\ncondition: s", columns: ["Image"]) == t.alwaysFalse)
    }

    @Test(arguments: targets)
    func hostileValuesEscapedExactly(_ t: SIEMTargetExpectations) {
        #expect(!t.hostileExact.isEmpty)
        for (name, value) in SIEMCases.hostile where t.hostileExact[name + " exact"] != nil {
            #expect(SIEM.text(t.target, SIEM.hostileDetection(value, "")) == t.hostileExact[name + " exact"], "\(name)")
        }
    }
}

extension SIEM {
    /// Every modifier and condition form of SIEMCases.
    static let allCases = SIEMCases.modifiers + SIEMCases.conditions

    /// Converts the hostile value with each of `hostileModifiers`. A refusal must give a reason; a query must be
    /// one line, and read by `split` (the target's lexer) it must leave no payload fragment outside its value
    /// tokens and hold exactly one value. `check` then gets the modifier, the query, its skeleton and that value.
    static func forEachHostileQuery(
        _ target: ConversionTarget, _ h: (name: String, value: String), split: (String) -> (String, [String]),
        sourceLocation: SourceLocation = #_sourceLocation,
        _ check: (_ modifier: String, _ query: String, _ skeleton: String, _ values: [String]) -> Void
    ) {
        for modifier in hostileModifiers {
            let c = convert(target, hostileDetection(h.value, modifier))
            guard let q = c.query else {
                #expect(c.refusal?.isEmpty == false, "\(h.name)\(modifier) refused without a reason", sourceLocation: sourceLocation)
                continue
            }
            #expect(!q.contains("\n"), "\(h.name)\(modifier): the query spans lines", sourceLocation: sourceLocation)
            let (skeleton, values) = split(q)
            for marker in payloadMarkers {
                #expect(!skeleton.contains(marker), "\(h.name)\(modifier): '\(marker)' escaped: \(q)", sourceLocation: sourceLocation)
            }
            #expect(values.count == 1, "\(h.name)\(modifier): \(q)", sourceLocation: sourceLocation)
            guard values.count == 1 else { continue }
            check(modifier, q, skeleton, values)
        }
    }
}
