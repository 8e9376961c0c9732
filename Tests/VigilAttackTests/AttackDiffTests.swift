import Testing
import VigilCore
import VigilTestSupport

@testable import VigilAttack

@Suite struct AttackDiffTests {
    @Test func v17_1ToV18_1() throws {
        let old = try STIXLoader.load(path: try SharedData.path("attack/enterprise-attack-17.1.stix20.json.gz"))
        let new = try EmbeddedIndex.embedded(.enterprise)
        let diff = AttackDiff(old: old, new: new)
        let addedTechniques = diff.added.filter { $0.kind == "technique" || $0.kind == "sub-technique" }
        // 216 + 475 active now against 211 + 468 then; none were revoked or deprecated between them
        // (both have 132 revoked and 12 deprecated attack-patterns), so the difference is all new IDs.
        #expect(addedTechniques.count == (216 + 475) - (211 + 468))
        #expect(diff.revoked.filter { $0.kind.contains("technique") }.isEmpty)
        #expect(diff.removed.filter { $0.kind.contains("technique") }.isEmpty)
        // v18 replaced data components with detection strategies: every strategy is new.
        #expect(diff.added.filter { $0.kind == "detection strategy" }.count == 691)
        #expect(!diff.renamed.isEmpty)
        #expect(diff.added.allSatisfy { !$0.id.isEmpty })
    }

    @Test func identicalBasesHaveNoDiff() throws {
        let kb = try EmbeddedIndex.embedded(.ics)
        #expect(AttackDiff(old: kb, new: kb).isEmpty)
    }

    @Test func syntheticChangesAreClassified() throws {
        let old = try EmbeddedIndex.embedded(.enterprise)
        var new = old
        let t = try #require(new.objects(attackID: "T1059.001", kind: .technique).first)
        new.objects[t].name = "PowerShell (renamed)"
        new.objects[t].tactics.append("persistence")
        new.objects[t].platforms.append("Linux")
        let u = try #require(new.objects(attackID: "T1003", kind: .technique).first)
        new.objects[u].deprecated = true
        let diff = AttackDiff(old: old, new: new)
        #expect(diff.renamed.map(\.id) == ["T1059.001"])
        #expect(diff.movedTactics.map(\.id) == ["T1059.001"])
        #expect(diff.platformChanges.first?.detail == "+Linux")
        #expect(diff.deprecated.map(\.id) == ["T1003"])
    }
}
