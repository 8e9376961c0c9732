// The checks every SIEM target's suite (Splunk, Lucene, KQL, ES|QL) runs, each with that target's own expected
// texts: one place for the rules and how they are checked, so the suites hold only what differs per target.
import Testing
import VigilConvert

extension SIEM {
    /// Every modifier and condition form of SIEMCases, each target's `exactQuery` arguments.
    static let allCases = SIEMCases.modifiers + SIEMCases.conditions

    /// The expectation table names exactly the SIEMCases forms: none is missing, none is stale.
    static func expectEveryCaseHasAnExpectation(_ expected: [String: String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Set(expected.keys) == Set(allCases.map(\.name)), sourceLocation: sourceLocation)
    }

    static func expectExactQuery(
        _ target: ConversionTarget, _ c: (name: String, detection: String), _ expected: [String: String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(text(target, c.detection) == expected[c.name], "\(c.name)", sourceLocation: sourceLocation)
    }

    /// process_creation maps to Sysmon 1 and Security 4688; Security renames Image and maps IntegrityLevel values.
    static func expectLogsourceRenamesAndValueMaps(
        _ target: ConversionTarget, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let d = "s:\n  Image|endswith: '\\cmd.exe'\n  IntegrityLevel: High\ncondition: s"
        #expect(text(target, d, logsource: "{product: windows, category: process_creation}") == expected, sourceLocation: sourceLocation)
    }

    /// The same three tests in the nested EVTX-as-JSON layout and in Winlogbeat's ECS layout.
    static func expectNestedLayouts(
        _ target: ConversionTarget, evtx: String, ecs: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let d = "s:\n  EventID: 1\n  Provider_Name: 'x'\n  Image: y\ncondition: s"
        #expect(text(target, d, layout: "evtx") == evtx, sourceLocation: sourceLocation)
        #expect(text(target, d, layout: "ecs") == ecs, sourceLocation: sourceLocation)
    }

    /// With a column list, names match ignoring case and a field the table lacks is absent: a value test on it is
    /// false (so `not` of it is true) and `null` on it is true. `alwaysFalse` is the target's query for false.
    static func expectColumnListResolvesAbsentFields(
        _ target: ConversionTarget, alwaysFalse: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let d = "s:\n  image: y\nf:\n  Missing: x\nn:\n  Gone: null\ncondition: s and n and not f"
        let whole = text(target, d, columns: ["Image", "Other"])
        #expect(whole == text(target, "s:\n  Image: y\ncondition: s"), sourceLocation: sourceLocation)
        #expect(text(target, "s:\n  Missing: x\ncondition: s", columns: ["Image"]) == alwaysFalse, sourceLocation: sourceLocation)
    }

    /// The exact query for the plain (no modifier) test of each hostile value named in `expected` as "<name> exact".
    static func expectHostileValuesEscapedExactly(
        _ target: ConversionTarget, _ expected: [String: String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (name, value) in SIEMCases.hostile where expected[name + " exact"] != nil {
            #expect(text(target, hostileDetection(value, "")) == expected[name + " exact"], "\(name)", sourceLocation: sourceLocation)
        }
    }

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
