import Testing
import VigilAttack
import VigilCore
import VigilTestSupport

@testable import VigilCoverage

/// SigmaHQ's rules already carry ATT&CK v19 IDs that v18.1 lacks: all of them resolve through the
/// crosswalk, and the few that resolve nowhere are reported by name.
@Suite struct CrosswalkOnSigmaTests {
    @Test func sigmaHQTechniqueTagsResolveOnV18() throws {
        let kb = try EmbeddedIndex.embedded(.enterprise)
        let sigma = RuleRepositories.read([try SharedData.path("rules/sigma")], as: .sigma)
        var v19 = 0
        var unresolved: Set<String> = []
        for rule in sigma.rules {
            for id in rule.techniqueIDs {
                let r = kb.resolveTechnique(id)
                if id.uppercased().hasPrefix("T1685") {
                    v19 += 1
                    // T1685 and most sub-techniques come from T1562; .005 and .006 from T1070.001/.002.
                    let expected = ["T1562", "T1070.001", "T1070.002"]
                    #expect(r.outcome == .crosswalk && expected.contains { r.resolvedID?.hasPrefix($0) == true }, "\(id): \(r)")
                }
                if r.index == nil { unresolved.insert(r.input.uppercased()) }
            }
        }
        // `grep -rhoi 'attack\.t1685[.0-9]*' rules*/ deprecated/ unsupported/ | wc -l` over the snapshot.
        #expect(v19 >= 208)
        // T1690 is a v19 ID no crosswalk source names; T1660 is a Mobile technique tagged on Enterprise rules.
        #expect(unresolved.isSubset(of: ["T1690", "T1660"]), "\(unresolved.sorted())")
    }
}
