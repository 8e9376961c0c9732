// Identical inputs give identical bytes: each command runs several times, each run a process of its own (Swift
// seeds Dictionary and Set hashing per process, so an order taken from one changes from run to run), and every
// output is compared byte for byte with the first run's.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite(.serialized) struct DeterminismTests {
    static let runs = 3

    /// Runs `arguments` `runs` times; each run returns its named outputs (standard output and files it wrote).
    static func expectSameBytes(_ what: String, _ run: (Int) throws -> [String: Data]) throws {
        let first = try run(0)
        #expect(!first.isEmpty)
        for n in 1..<runs {
            let again = try run(n)
            #expect(again.keys.sorted() == first.keys.sorted(), "\(what): outputs differ in run \(n + 1)")
            for (name, bytes) in first.sorted(by: { $0.key < $1.key }) {
                #expect(again[name] == bytes, "\(what): \(name) differs between run 1 and run \(n + 1)")
            }
        }
    }

    static func scratch() throws -> String {
        let folder = NSTemporaryDirectory() + "vigil-determinism-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static func file(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// `vigil coverage` over every shared repository, the DeTT&CT sample inventory and APT29: the text summary, the
    /// JSON summary, all six layers, the gap plan (Markdown and JSON) and the snapshot the history store records.
    @Test func coverageOverAllRepositories() throws {
        let rules = try SharedData.path("rules")
        let inventory = try SharedData.path("dettect/sample-data/data-sources-endpoints.yaml")
        let common = ["coverage", "--rules", rules, "--inventory", inventory, "--actors", "APT29", "--today", "2026-01-01"]
        var greens: Set<String> = []
        try Self.expectSameBytes("coverage") { _ in
            let out = try Self.scratch()
            defer { try? FileManager.default.removeItem(atPath: out) }
            let store = out + "/history.sqlite"
            let text = try VigilProcess.run(
                common + [
                    "--layers", out + "/layers", "--layer", out + "/status.json", "--report", out + "/plan.md", "--plan",
                    out + "/plan.json",
                    "--save", "--store", store,
                ])
            // Exit 1: the shared repositories hold rules the engine rejects (SigmaHQ's unsupported/ and placeholders).
            #expect(text.status == 1, "\(text.stderr)")
            let json = try VigilProcess.run(common + ["--json"])
            #expect(json.status == 1, "\(json.stderr)")
            let summary = try #require(json.json as? [String: Any])
            greens.insert("\((summary["techniques"] as? [String: Int])?["green"] ?? -1)")
            let exported = try VigilProcess.run(["history", "export", "latest", "--store", store])
            #expect(exported.status == 0, "\(exported.stderr)")
            // The snapshot's creation time is the one thing that may differ.
            let snapshot = exported.stdout.split(separator: "\n").filter { !$0.contains("\"createdAt\"") }.joined(separator: "\n")
            var outputs: [String: Data] = [
                "text": Data(text.stdout.utf8), "stderr": Data(text.stderr.replacingOccurrences(of: out, with: "<scratch>").utf8),
                "json": Data(json.stdout.utf8),
                "status layer": try Self.file(out + "/status.json"), "plan.md": try Self.file(out + "/plan.md"),
                "plan.json": try Self.file(out + "/plan.json"), "snapshot": Data(snapshot.utf8),
            ]
            for name in try FileManager.default.contentsOfDirectory(atPath: out + "/layers") {
                outputs["layers/" + name] = try Self.file(out + "/layers/" + name)
            }
            #expect(outputs.keys.count { $0.hasPrefix("layers/") } == 6)
            return outputs
        }
        #expect(greens.count == 1, "green counts: \(greens.sorted())")
    }

    static var hunted: [String] {
        get throws {
            // The logs before --rules: `--rules` takes every value up to the next option.
            [try SharedData.path("logs/evtx-attack-samples"), "--rules", try SharedData.path("rules/sigma/rules/windows")]
        }
    }

    @Test func huntJSONLines() throws {
        let arguments = ["hunt"] + (try Self.hunted) + ["--format", "jsonl"]
        try Self.expectSameBytes("hunt") { _ in
            let r = try VigilProcess.run(arguments)
            #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
            #expect(!r.stdout.isEmpty)
            return ["stdout": Data(r.stdout.utf8)]
        }
    }

    @Test func timelineJSONLines() throws {
        let arguments = ["timeline"] + (try Self.hunted) + ["--format", "jsonl"]
        try Self.expectSameBytes("timeline") { _ in
            let r = try VigilProcess.run(arguments)
            #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
            #expect(!r.stdout.isEmpty)
            return ["stdout": Data(r.stdout.utf8)]
        }
    }

    @Test func convertToSplunk() throws {
        let arguments = ["convert", try SharedData.path("rules/sigma/rules/windows"), "--target", "splunk"]
        try Self.expectSameBytes("convert") { _ in
            let r = try VigilProcess.run(arguments)
            #expect(r.status != 2, "\(r.stderr)")
            #expect(!r.stdout.isEmpty)
            return ["stdout": Data(r.stdout.utf8), "stderr": Data(r.stderr.utf8)]
        }
    }
}
