import Testing
import VigilCore
import VigilTestSupport

@testable import VigilAttack

/// Figures checked against MITRE's data with an independent count (Python over the same files;
/// ../shared/attack/README.md lists them).
@Suite struct STIXLoaderTests {
    static func load(_ name: String) throws -> KnowledgeBase {
        try STIXLoader.load(path: try SharedData.path("attack/\(name)"))
    }

    @Test func enterprise18_1_stix21() throws {
        let kb = try Self.load("enterprise-attack-18.1.json.gz")
        let c = kb.counts
        #expect(kb.info.domain == .enterprise)
        #expect(kb.info.version == "18.1")
        #expect(kb.info.specVersion == "2.1")
        #expect(c.techniques == 216)
        #expect(c.subtechniques == 475)
        #expect(c.tactics == 14)
        #expect(c.groups == 172)
        #expect(c.groupsAll == 187)
        #expect(c.revokedTechniques == 132)
        #expect(c.deprecatedTechniques == 12)
        #expect(c.detects == 691)
        #expect(c.detectsFrom == ["detection-strategy": 691])
        #expect(c.software == 784)
        #expect(c.campaigns == 52)
        #expect(c.mitigations == 44)
        #expect(c.relationships == 20048)
        #expect(kb.objects.filter { $0.kind == .analytic }.count == 1739)
        #expect(kb.objects.filter { $0.kind == .detectionStrategy }.count == 691)
        #expect(kb.unknownTypes.isEmpty)
        #expect(kb.diagnostics.isEmpty, "\(kb.diagnostics.prefix(3))")
        // Matrix order, as on attack.mitre.org.
        let order = kb.tactics.compactMap { kb.objects[$0].tactics.first }
        #expect(order.first == "reconnaissance")
        #expect(order.last == "impact")
        #expect(order.count == 14)
    }

    @Test func enterprise18_1_stix20MatchesStix21() throws {
        let kb = try Self.load("enterprise-attack-18.1.stix20.json.gz")
        let c = kb.counts
        #expect(kb.info.version == "18.1")
        #expect(kb.info.specVersion == "2.0")
        #expect(c.techniques == 216 && c.subtechniques == 475 && c.tactics == 14 && c.groups == 172)
        #expect(c.revokedTechniques == 132 && c.deprecatedTechniques == 12 && c.detects == 691)
    }

    @Test func enterprise17_1_dataComponentModel() throws {
        let kb = try Self.load("enterprise-attack-17.1.stix20.json.gz")
        let c = kb.counts
        #expect(kb.info.version == "17.1")
        #expect(c.techniques == 211)
        #expect(c.subtechniques == 468)
        #expect(c.tactics == 14)
        #expect(c.groups == 166)
        #expect(c.revokedTechniques == 132 && c.deprecatedTechniques == 12)
        #expect(c.detects == 2116)
        #expect(c.detectsFrom == ["data-component": 2116])
        #expect(c.detectionStrategies == 0)
    }

    @Test func mobile18_1() throws {
        let kb = try Self.load("mobile-attack-18.1.json.gz")
        let c = kb.counts
        #expect(kb.info.domain == .mobile)
        #expect(c.techniques == 77)
        #expect(c.subtechniques == 47)
        #expect(c.tactics == 12)
        #expect(kb.objects.filter { $0.kind == .tactic }.count == 14)
        #expect(c.groups == 17)
        #expect(c.revokedTechniques == 53)
        #expect(c.deprecatedTechniques == 13)
        #expect(c.detects == 124)
        #expect(c.software == 122)
        #expect(c.detectionStrategies == 124)
        #expect(kb.tactics.count == 12)
    }

    @Test func ics18_1() throws {
        let kb = try Self.load("ics-attack-18.1.json.gz")
        let c = kb.counts
        #expect(kb.info.domain == .ics)
        #expect(c.techniques == 83)
        #expect(c.subtechniques == 0)
        #expect(c.tactics == 12)
        #expect(c.groups == 14 && c.groupsAll == 16)
        #expect(c.revokedTechniques == 0 && c.deprecatedTechniques == 12)
        #expect(c.detects == 83)
        #expect(c.assets == 18)
        #expect(kb.relationships.filter { $0.type == .targets }.count == 685)
    }

    @Test func techniqueDetails() throws {
        let kb = try Self.load("enterprise-attack-18.1.json.gz")
        let t = try #require(kb.objects(attackID: "T1059.001").first)
        #expect(kb.objects[t].name == "PowerShell")
        #expect(kb.objects[t].tactics == ["execution"])
        #expect(kb.objects[t].platforms == ["Windows"])
        let parent = try #require(kb.parent(of: t))
        #expect(kb.objects[parent].attackID == "T1059")
        #expect(kb.subtechniques(of: parent).count == 13)
        #expect(kb.description(of: t)?.contains("PowerShell") == true)
        // Revoked IDs are kept and point to their replacement.
        let old = try #require(kb.objects(attackID: "T1086", kind: .technique).first)
        #expect(kb.objects[old].revoked)
        #expect(kb.replacement(of: old).flatMap { kb.objects[$0].attackID } == "T1059.001")
    }
}
