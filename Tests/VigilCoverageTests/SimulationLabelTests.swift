// Simulation labels: which techniques each shared log file simulates, read from Security-Datasets metadata, names
// and manifests, checked against the data set's own manifest (MANIFEST.tsv, written by its curator from the
// metadata) and against a reading of the names in Python.
import Foundation
import Testing
import VigilAttack
import VigilCore
import VigilTestSupport

@testable import VigilCoverage

@Suite struct SimulationLabelTests {
    static let kb = try! EmbeddedIndex.embedded(.enterprise)

    static func files(_ folder: String, suffix: String) throws -> [String] {
        let root = try SharedData.path(folder)
        let names = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { root + "/" + $0 }
    }

    @Test func securityDatasetsMetadataLabelsEverySysmonJSONSetAsItsManifestSays() throws {
        let manifest = try String(contentsOfFile: try SharedData.path("logs/sysmon-json/MANIFEST.tsv"), encoding: .utf8)
        let rows = manifest.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(rows.first)
        let file = try #require(header.firstIndex(of: "file"))
        let technique = try #require(header.firstIndex(of: "attack_technique"))
        var expected: [String: Set<String>] = [:]
        for row in rows.dropFirst() where row.count > technique {
            expected[row[file]] = Set(row[technique].split(separator: ";").map(String.init))
        }
        #expect(expected.count == 40)
        var labeler = SimulationLabeler(kb: Self.kb)
        let files = try Self.files("logs/sysmon-json", suffix: ".json.gz")
        #expect(files.count == 40)
        for path in files {
            let label = labeler.label(path)
            let name = (path as NSString).lastPathComponent
            #expect(Set(label.techniques) == expected[name], "\(name): \(label.techniques) \(label.origins)")
            #expect(label.origins.allSatisfy { $0.hasPrefix("metadata SDWIN-") }, "\(name): \(label.origins)")
        }
        #expect(labeler.diagnostics.isEmpty, "\(labeler.diagnostics.prefix(3))")
    }

    @Test func idsInNamesLabelTheirFilesThroughRevocationsAndTheRestAreSaidToBeUnlabelled() throws {
        let files = try Self.files("logs/evtx-attack-samples", suffix: ".evtx")
        // Python's reading of the names: T or t, four digits, optionally .ddd, not inside a word or a number.
        let listing = try ProcessRunner.python(
            """
            import re, sys
            for path in sys.stdin.read().splitlines():
                ids = re.findall(r"(?<![A-Za-z0-9])[Tt](\\d{4}(?:\\.\\d{3})?)(?!\\d)", path)
                print(path + "\\t" + ",".join("T" + i for i in ids))
            """, [], input: files.joined(separator: "\n"))
        var written: [String: [String]] = [:]
        for line in listing.split(separator: "\n") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            written[String(parts[0])] = parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : []
        }
        var labeler = SimulationLabeler(kb: Self.kb)
        var labelled = 0
        for path in files {
            let label = labeler.label(path)
            let ids = written[path] ?? []
            #expect(SimulationLabeler.techniqueIDs(inPath: path) == ids, "\(path)")
            if ids.isEmpty {
                #expect(label.techniques.isEmpty)
            } else {
                labelled += 1
                #expect(label.techniques.count == ids.count, "\(path): \(label)")
                #expect(label.origins == ["file name"])
            }
        }
        #expect(labelled == 3)
        // T1186 (Process Doppelgänging) and T1178 (SID-History Injection) are revoked: their replacements label them.
        let doppelganging = try #require(files.first { $0.hasSuffix("Win_4985_T1186_Process_Doppelganging.evtx") })
        #expect(labeler.label(doppelganging).techniques == ["T1055.013"])
        let sidHistory = try #require(files.first { $0.hasSuffix("4765_sidhistory_add_t1178.evtx") })
        #expect(labeler.label(sidHistory).techniques == ["T1134.005"])
        #expect(labeler.label(sidHistory).remapped.first?.contains("revoked") == true)
        let unlabelled = labeler.diagnostics.filter { $0.code == "simulation-unlabelled" }
        #expect(unlabelled.count == files.count - 3)
    }

    @Test func manifestsInYAMLAndCSVWithTheirProblemsReportedByLine() throws {
        let folder = try ScratchFolder(text: [
            "logs/a/one.evtx": "x", "logs/a/two.evtx": "x", "logs/b/three.json": "x",
            "sims.yaml": """
            simulations:
              - path: logs/a/*.evtx
                techniques: [T1003.001, T1059]
              - path: three.json
                techniques: T1110.003
              - path: logs/missing.evtx
                techniques: [T1047]
              - path: logs/b/*.nothing
                techniques: [T1047]
              - path: logs/a/one.evtx
                techniques: [T9999]
            """,
            "sims.csv": "path,techniques\nlogs/b/three.json,T1021.002;T1570\n,T1\n",
        ])
        defer { folder.remove() }
        var labeler = SimulationLabeler(kb: Self.kb, manifests: [folder.path + "/sims.yaml", folder.path + "/sims.csv"])
        let one = labeler.label(folder.path + "/logs/a/one.evtx")
        #expect(one.techniques == ["T1003.001", "T1059"])
        #expect(one.origins == ["manifest \(folder.path)/sims.yaml:2"])
        #expect(labeler.label(folder.path + "/logs/a/two.evtx").techniques == ["T1003.001", "T1059"])
        #expect(labeler.label(folder.path + "/logs/b/three.json").techniques == ["T1110.003", "T1021.002", "T1570"])
        func line(_ code: String) -> [Int] { labeler.diagnostics.filter { $0.code == code }.compactMap(\.location.line).sorted() }
        #expect(line("simulation-manifest-missing") == [6])
        #expect(line("simulation-label-unresolved") == [10])
        #expect(line("simulation-manifest") == [3])
        let unused = labeler.unusedManifestEntries().compactMap(\.location.line)
        #expect(unused.sorted() == [6, 8])
    }
}

extension SimulationLabelTests {
    /// The manifest shipped for EVTX-ATTACK-SAMPLES: every entry labels a file, every ID resolves, and the files it
    /// labels are the ones Python's fnmatch finds for its patterns.
    @Test func theShippedManifestLabelsTheFilesItNames() throws {
        let manifest = SharedData.packageRoot() + "/Examples/simulations/evtx-attack-samples.yaml"
        let files = try Self.files("logs/evtx-attack-samples", suffix: ".evtx")
        var labeler = SimulationLabeler(kb: Self.kb, manifests: [manifest])
        var labelled: Set<String> = []
        for path in files where labeler.label(path).origins.contains(where: { $0.hasPrefix("manifest ") }) { labelled.insert(path) }
        #expect(labeler.diagnostics.filter { $0.code != "simulation-unlabelled" }.isEmpty, "\(labeler.diagnostics.prefix(5))")
        #expect(labeler.unusedManifestEntries().isEmpty)
        let python = try ProcessRunner.python(
            """
            import fnmatch, os, re, sys
            patterns = re.findall(r'^  - path: "?(.*?)"?$', open(sys.argv[1]).read(), re.M)
            for path in sys.stdin.read().splitlines():
                if any(fnmatch.fnmatchcase(os.path.basename(path), p) for p in patterns): print(path)
            """, [manifest], input: files.joined(separator: "\n"))
        #expect(Set(python.split(separator: "\n").map(String.init)) == labelled)
        #expect(labelled.count > 200)
    }
}
