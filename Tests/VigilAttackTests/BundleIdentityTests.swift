// How a bundle in a folder is identified (domain, version, STIX version) and installed, on hand-made bundles whose
// identifying objects lie where the old 1 MiB head scan could not see them.
import Foundation
import Testing
import VigilCore

@testable import VigilAttack

@Suite struct BundleIdentityTests {
    /// `count` relationships of about 400 bytes each: padding that carries no `x_mitre_domains`.
    static func relationships(_ count: Int) -> [String] {
        (0..<count).map { i in
            """
            {"type": "relationship", "id": "relationship--\(i)", "created": "2020-01-01T00:00:00.000Z", \
            "modified": "2020-01-01T00:00:00.000Z", "relationship_type": "uses", "description": "\(String(repeating: "x", count: 250))", \
            "source_ref": "intrusion-set--0", "target_ref": "attack-pattern--0"}
            """
        }
    }

    static func technique(_ n: Int, domain: String) -> String {
        """
        {"type": "attack-pattern", "id": "attack-pattern--\(n)", "name": "Technique \(n)", "x_mitre_domains": ["\(domain)"], \
        "external_references": [{"source_name": "mitre-attack", "external_id": "T\(1000 + n)"}]}
        """
    }

    static func bundle(_ objects: [String], spec: String? = nil) -> [UInt8] {
        let head = spec.map { "\"spec_version\": \"\($0)\", " } ?? ""
        return Array("{\"type\": \"bundle\", \"id\": \"bundle--1\", \(head)\"objects\": [\n\(objects.joined(separator: ",\n"))\n]}".utf8)
    }

    /// STIX 2.0 (no collection): the domain most objects name, as the loader decides it, even when the first
    /// `x_mitre_domains` is past 1 MiB and names another domain.
    @Test func aStix20BundleIsTheDomainMostObjectsName() throws {
        let dir = try TempFolder()
        let objects =
            Self.relationships(3000) + [
                Self.technique(0, domain: "enterprise-attack"), Self.technique(1, domain: "mobile-attack"),
                Self.technique(2, domain: "mobile-attack"),
            ]
        let bytes = Self.bundle(objects, spec: "2.0")
        let firstDomains = try #require(bytes.firstRange(of: Array("x_mitre_domains".utf8)))
        #expect(firstDomains.lowerBound > 1 << 20)
        try FileBytes.writeAtomically(bytes, to: dir.path + "/mobile-attack-3.0.json")
        let (kb, warnings) = try AttackSource.load(path: dir.path, domain: .mobile)
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(kb.info.domain == .mobile)
        #expect(kb.info.version == "3.0")
        #expect(kb.info.specVersion == "2.0")
        #expect(throws: Diagnostic.self) { try AttackSource.load(path: dir.path, domain: .enterprise) }
    }

    /// STIX 2.1: the collection decides, wherever it is; the scan stops there.
    @Test func aStix21CollectionIsFoundPastTheFirstMebibyte() throws {
        let dir = try TempFolder()
        let collection = """
            {"type": "x-mitre-collection", "id": "x-mitre-collection--1", "spec_version": "2.1", "name": "ICS ATT&CK", \
            "x_mitre_version": "7.2", "modified": "2026-01-01T00:00:00.000Z"}
            """
        let bytes = Self.bundle(Self.relationships(3000) + [collection, Self.technique(0, domain: "ics-attack")])
        try FileBytes.writeAtomically(Gzip.deflate(bytes), to: dir.path + "/whatever.json.gz")
        var warnings: [Diagnostic] = []
        let found = AttackSource.scan(dir.path, warnings: &warnings)
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(found.map(\.domain) == [.ics])
        #expect(found.map(\.version) == ["7.2"])
        #expect(found.map(\.specVersion) == ["2.1"])
        let (kb, _) = try AttackSource.load(path: dir.path, domain: .ics)
        #expect(kb.info.version == "7.2" && kb.info.domain == .ics)
    }

    /// A version is part of the installed file's name: one that could climb out of the data folder is refused.
    @Test func aVersionThatIsNoFileNameIsRefused() throws {
        let dir = try TempFolder()
        let collection = """
            {"type": "x-mitre-collection", "id": "x-mitre-collection--1", "spec_version": "2.1", "name": "Enterprise ATT&CK", \
            "x_mitre_version": "../../../escaped"}
            """
        let source = dir.path + "/bundle.json"
        try FileBytes.writeAtomically(Self.bundle([collection, Self.technique(0, domain: "enterprise-attack")]), to: source)
        do {
            _ = try AttackSource.importBundle(source, into: dir.path + "/data/vigil/attack")
            Issue.record("imported a bundle whose version is ../../../escaped")
        } catch {
            #expect(error.code == "attack-bad-version")
        }
        #expect(FileBytes.files(under: dir.path) == [source])
    }

    /// The bundle a folder gives: the highest version, then STIX 2.1 over 2.0, then the first path by name; a
    /// version that is not numbers is the oldest.
    @Test func theNewestBundleIsChosenThisWay() {
        func c(_ path: String, _ version: String, _ spec: String = "2.1", _ domain: Domain = .enterprise) -> AttackSource.Candidate {
            AttackSource.Candidate(path: path, domain: domain, version: version, specVersion: spec)
        }
        #expect(AttackSource.newest([c("a", "9.1"), c("b", "10.0"), c("c", "unknown")], domain: .enterprise)?.path == "b")
        #expect(AttackSource.newest([c("a", "unknown"), c("b", "1.0")], domain: .enterprise)?.path == "b")
        #expect(AttackSource.newest([c("a", "18.1", "2.0"), c("b", "18.1", "2.1")], domain: .enterprise)?.path == "b")
        #expect(AttackSource.newest([c("b", "18.1"), c("a", "18.1")], domain: .enterprise)?.path == "a")
        #expect(AttackSource.newest([c("a", "18.1", "2.1", .mobile)], domain: .enterprise) == nil)
    }
}
