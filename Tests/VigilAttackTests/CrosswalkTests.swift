import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilAttack

@Suite struct CrosswalkTests {
    static let kb = try! EmbeddedIndex.embedded(.enterprise)

    @Test(arguments: [
        ("T1059.001", "T1059.001", Resolution.Outcome.exact),
        ("attack.t1059.001", "T1059.001", .exact),
        ("T1086", "T1059.001", .revoked),  // revoked-by in v18.1
        ("T1685", "T1562.001", .crosswalk),  // v19 ID, same name on v18.1
        ("T1685.001", "T1562.002", .crosswalk),
        ("T1686", "T1562.004", .crosswalk),
        ("T1686.003", "T1562.004", .crosswalk),  // via its parent
        ("T1684.001", "T1656", .crosswalk),
        ("T1689", "T1562.010", .crosswalk),
    ])
    func resolvesAcrossVersions(input: String, expected: String, outcome: Resolution.Outcome) {
        let r = Self.kb.resolveTechnique(input)
        #expect(r.resolvedID == expected, "\(r)")
        #expect(r.outcome == outcome)
    }

    @Test func unresolvedIDsAreReportedNotDropped() {
        let r = Self.kb.resolveTechnique("T1687")
        #expect(r.outcome == .unknown && r.index == nil)
        #expect(r.note.contains("T1687"))
        #expect(Self.kb.resolveTechnique("T9999").outcome == .unknown)
        #expect(Self.kb.resolveTechnique("attack.execution").outcome == .invalid)
    }

    @Test func deprecatedTechniquesResolveWithAFlag() throws {
        let deprecated = try #require(Self.kb.objects.first { $0.kind == .technique && $0.deprecated && !$0.revoked })
        let r = Self.kb.resolveTechnique(deprecated.attackID!)
        #expect(r.outcome == .deprecated)
    }

    @Test func v19TacticsAreAliasesOfDefenseEvasionOnV18() throws {
        for name in ["stealth", "defense-impairment", "defense_evasion", "Defense Evasion", "TA0005"] {
            let i = try #require(Self.kb.resolveTactic(name), "\(name)")
            #expect(Self.kb.objects[i].tactics == ["defense-evasion"])
        }
        #expect(Self.kb.resolveTactic("no-such-tactic") == nil)
    }

    @Test func olderIDsOnNewerDataGoForward() throws {
        // A knowledge base that claims to be v19 resolves v18 IDs through the same crosswalk.
        var kb = Self.kb
        kb.info.version = "19"
        let r = kb.resolveTechnique("T1562.001", crosswalk: .builtIn())
        // T1562.001 still exists in this (v18 content) base, so it is exact; a removed one would go forward.
        #expect(r.outcome == .exact)
        let text = """
            format: 1
            crosswalks:
              - domain: enterprise
                from: "18.0"
                to: "18.1"
                revoked: {T1000: T1059.001}
            """
        let custom = try Crosswalk.parse(text, source: "custom.yaml")
        var kb181 = Self.kb
        kb181.info.version = "18.1"
        let forward = kb181.resolveTechnique("T1000", crosswalk: custom)
        #expect(forward.resolvedID == "T1059.001" && forward.outcome == .crosswalk)
    }

    @Test(arguments: [
        "format: 2\ncrosswalks: []", "crosswalks: []", "format: 1\ncrosswalks: {}",
        "format: 1\ncrosswalks:\n  - domain: nowhere\n    from: a\n    to: b",
        "format: 1\ncrosswalks:\n  - domain: enterprise\n    from: '1'\n    to: '2'\n    revoked: {Tx: T1}", "format: [1\n",
    ])
    func badCrosswalkFilesAreDiagnosed(_ text: String) {
        #expect(throws: Diagnostic.self) { try Crosswalk.parse(text, source: "bad.yaml") }
    }

    @Test func sharedCrosswalkFactsAreAllCarried() throws {
        // Every revoked/new fact of ../shared/attack/attack_v18_to_v19.yaml is in Vigil's built-in crosswalk.
        let text = String(decoding: try FileBytes.read(try SharedData.path("attack/attack_v18_to_v19.yaml")), as: UTF8.self)
        let entry = try #require(Crosswalk.builtIn().entries.first)
        var section = ""
        var checked = 0
        for line in text.split(separator: "\n") {
            if !line.hasPrefix(" ") && line.hasSuffix(":") { section = String(line.dropLast()) }
            let parts = line.split(separator: "#")[0].split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, TechniqueID(parts[0]) != nil else { continue }
            if section == "revoked" {
                #expect(entry.revoked[parts[0]] == parts[1], "\(parts[0])")
                checked += 1
            } else if section == "new" {
                #expect(entry.new[parts[0]] == parts[1], "\(parts[0])")
                checked += 1
            }
        }
        #expect(checked == 23)
    }
}
