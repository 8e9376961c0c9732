import Testing
import VigilCore
import VigilTestSupport

@testable import VigilAttack

#if canImport(Glibc)
    import Glibc
#endif

/// Unusable ATT&CK input gets a clear message naming the file and offset or object, never a crash.
@Suite struct BadInputTests {
    func load(_ text: String) throws(Diagnostic) -> KnowledgeBase {
        try STIXLoader.load(bytes: Array(text.utf8), source: "test.json")
    }

    func expectDiagnostic(_ text: String, code: String, offset: Int? = nil, line: Int? = nil) {
        do {
            _ = try load(text)
            Issue.record("expected \(code)")
        } catch {
            #expect(error.code == code, "\(error)")
            #expect(error.location.file == "test.json")
            if let offset { #expect(error.location.offset == offset, "\(error)") }
            if let line { #expect(error.location.line == line, "\(error)") }
        }
    }

    @Test func emptyFile() { expectDiagnostic("", code: "stix-empty", offset: 0) }
    @Test func whitespaceOnly() { expectDiagnostic("  \n ", code: "json-syntax") }
    @Test func truncatedJSON() {
        expectDiagnostic(
            "{\"type\": \"bundle\", \"objects\": [{\"type\": \"attack-pattern\", \"id\": \"x\", \"na", code: "json-syntax", line: 1)
    }
    @Test func jsonArrayIsNotABundle() { expectDiagnostic("[1, 2]", code: "stix-not-bundle") }
    @Test func objectWithoutObjects() { expectDiagnostic("{\"type\": \"bundle\"}", code: "stix-not-bundle") }
    @Test func wrongTopLevelType() { expectDiagnostic("{\"type\": \"report\", \"objects\": []}", code: "stix-not-bundle") }
    @Test func bundleWithoutAttackObjects() { expectDiagnostic("{\"type\": \"bundle\", \"objects\": []}", code: "stix-no-attack-objects") }

    @Test func objectsMissingFieldsAreReportedAndTheRestLoads() throws {
        let text = """
            {"type": "bundle", "id": "bundle--1", "objects": [
              {"type": "attack-pattern", "id": "attack-pattern--1", "name": "Good",
               "external_references": [{"source_name": "mitre-attack", "external_id": "T1001"}]},
              {"type": "attack-pattern", "id": "attack-pattern--2"},
              {"id": "attack-pattern--3", "name": "No type"},
              {"type": "relationship", "id": "relationship--1", "source_ref": "attack-pattern--1"},
              {"type": "relationship", "id": "relationship--2", "relationship_type": "uses", "source_ref": "intrusion-set--9", "target_ref": "attack-pattern--1"},
              {"type": "x-vendor-thing", "id": "x-vendor-thing--1", "name": "Unknown"},
              {"type": "x-vendor-thing", "id": "x-vendor-thing--2", "name": "Unknown"},
              42
            ]}
            """
        let kb = try load(text)
        #expect(kb.objects.count == 1)
        #expect(kb.unknownTypes == ["x-vendor-thing": 2])
        let codes = kb.diagnostics.map(\.code)
        #expect(codes.filter { $0 == "stix-missing-field" }.count == 3)
        #expect(codes.contains("stix-dangling-reference"))
        #expect(codes.contains("stix-not-object"))
        // Each names the object or, lacking an id, the byte offset of the object.
        let noName = try #require(kb.diagnostics.first { $0.location.item == "attack-pattern--2" })
        #expect(noName.message.contains("name"))
        let noType = try #require(kb.diagnostics.first { $0.message.contains("without \"type\"") })
        #expect(noType.location.offset.map { $0 > 0 } == true)
    }

    @Test func realBundleTruncatedAtSeveralOffsets() throws {
        let bytes = try FileBytes.readInflating(try SharedData.path("attack/ics-attack-18.1.json.gz"))
        for cut in [1, 100, bytes.count / 3, bytes.count / 2, bytes.count - 2] {
            do {
                _ = try STIXLoader.load(bytes: Array(bytes[..<cut]), source: "ics.json")
                Issue.record("truncated at \(cut) loaded")
            } catch {
                #expect(error.code == "json-syntax")
                #expect(error.location.offset.map { $0 <= cut } == true)
            }
        }
    }

    @Test func truncatedGzipIsReported() throws {
        let dir = try TempFolder()
        let raw = try FileBytes.read(try SharedData.path("attack/ics-attack-18.1.json.gz"))
        let path = dir.path + "/cut.json.gz"
        try FileBytes.writeAtomically(Array(raw[..<(raw.count / 2)]), to: path)
        #expect(throws: Diagnostic.self) { try STIXLoader.load(path: path) }
    }

    @Test func folderWithMixedFilesPicksTheDomainAndReportsTheRest() throws {
        let dir = try TempFolder()
        try FileBytes.writeAtomically(Array("not json".utf8), to: dir.path + "/junk.json")
        try FileBytes.writeAtomically(Array("{\"hello\": 1}".utf8), to: dir.path + "/other.json")
        try FileBytes.writeAtomically(Array("notes".utf8), to: dir.path + "/README.md")
        let ics = try FileBytes.read(try SharedData.path("attack/ics-attack-18.1.json.gz"))
        try FileBytes.writeAtomically(ics, to: dir.path + "/ics-attack-18.1.json.gz")
        let (kb, warnings) = try AttackSource.load(path: dir.path, domain: .ics)
        #expect(kb.info.domain == .ics && kb.info.hasProse)
        #expect(Set(warnings.map { $0.location.file.split(separator: "/").last! }) == ["junk.json", "other.json"])
        #expect(throws: Diagnostic.self) { try AttackSource.load(path: dir.path, domain: .mobile) }
        #expect(throws: Diagnostic.self) { try AttackSource.load(path: dir.path + "/nothing-here", domain: nil) }
    }

    @Test func bundleOfTheWrongDomainIsRefused() throws {
        let path = try SharedData.path("attack/ics-attack-18.1.json.gz")
        #expect(throws: Diagnostic.self) { try AttackSource.load(path: path, domain: .enterprise) }
    }

    @Test func importInstallsIntoTheDataFolder() throws {
        let dir = try TempFolder()
        let result = try AttackSource.importBundle(try SharedData.path("attack/mobile-attack-18.1.json.gz"), into: dir.path)
        #expect(result.path == dir.path + "/mobile-attack-18.1.json.gz")
        #expect(result.counts.techniques == 77)
        let (kb, _) = try AttackSource.load(path: dir.path, domain: .mobile)
        #expect(kb.info.version == "18.1")
        let bad = dir.path + "/bad.json"
        try FileBytes.writeAtomically(Array("{}".utf8), to: bad)
        #expect(throws: Diagnostic.self) { try AttackSource.importBundle(bad, into: dir.path + "/x") }
        #expect(!FileBytes.exists(dir.path + "/x"))
    }
}

/// A temporary folder removed when the value goes away.
final class TempFolder {
    let path: String
    init() throws {
        var template = Array("/tmp/vigil-test-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw Diagnostic(SourceLocation(file: "/tmp"), code: "io", "mkdtemp failed") }
        path = String(cString: p)
    }
    deinit {
        for file in FileBytes.files(under: path).reversed() { unlink(file) }
        var dirs: [String] = []
        var pending = [path]
        while let d = pending.popLast() {
            dirs.append(d)
            if let h = opendir(d) {
                while let e = readdir(h) {
                    let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                    if name != "." && name != ".." && FileBytes.isDirectory(d + "/" + name) { pending.append(d + "/" + name) }
                }
                closedir(h)
            }
        }
        for d in dirs.reversed() { rmdir(d) }
    }
}
