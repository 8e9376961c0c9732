import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilAttack

@Suite struct EmbeddedIndexTests {
    /// The index in the binary is exactly what Vigil's generator makes from MITRE's v18.1 bundles.
    @Test(arguments: [
        (Domain.enterprise, "enterprise-attack-18.1.json.gz"), (.mobile, "mobile-attack-18.1.json.gz"), (.ics, "ics-attack-18.1.json.gz"),
    ])
    func embeddedIndexIsGeneratedFromTheBundle(domain: Domain, file: String) throws {
        let bundle = try STIXLoader.load(path: try SharedData.path("attack/\(file)"))
        let packed: String
        switch domain {
        case .enterprise: packed = EmbeddedIndexData.enterprise
        case .mobile: packed = EmbeddedIndexData.mobile
        case .ics: packed = EmbeddedIndexData.ics
        }
        let embeddedText = try EmbeddedIndex.unpack(packed, source: "embedded")
        #expect(
            embeddedText == EmbeddedIndex.encode(bundle),
            "regenerate with: vigil attack build-index <bundles> --swift Sources/VigilAttack/Generated/EmbeddedIndexData.swift")
        let embedded = try EmbeddedIndex.embedded(domain)
        #expect(embedded.counts == bundle.counts)
        #expect(embedded.info.version == "18.1")
        #expect(!embedded.info.hasProse)
    }

    @Test func indexAnswersLikeTheBundle() throws {
        let bundle = try STIXLoader.load(path: try SharedData.path("attack/enterprise-attack-18.1.json.gz"))
        let index = try EmbeddedIndex.embedded(.enterprise)
        for id in ["T1059.001", "G0016", "S0002", "C0024", "M1038", "DC0032", "TA0002"] {
            let a = try #require(bundle.objects(attackID: id).first)
            let b = try #require(index.objects(attackID: id).first)
            var da = bundle.detail(of: a)
            let db = index.detail(of: b)
            da.description = nil
            da.stixID = nil
            #expect(Output.same(da, db), "\(id)")
        }
        #expect(index.description(of: 0) == nil)
    }

    @Test(arguments: [
        "", "vigil-attack-index 2\n", "something else\n", "vigil-attack-index 1\nO\tT\n", "vigil-attack-index 1\nR\tu\t5\t9\t\n",
    ])
    func rejectsBrokenIndex(_ text: String) {
        #expect(throws: Diagnostic.self) { try EmbeddedIndex.decode(text, source: "test.idx") }
    }
}

/// Compares two Codable values by their JSON encoding.
enum Output {
    static func same<T: Encodable>(_ a: T, _ b: T) -> Bool {
        encode(a) == encode(b)
    }
    static func encode<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
