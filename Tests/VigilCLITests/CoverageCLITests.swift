import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite struct CoverageCLITests {
    static let examples = SharedData.packageRoot() + "/Examples"

    @Test func exampleRunWritesLayersAndPlan() throws {
        let out = NSTemporaryDirectory() + "vigil-coverage-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try VigilProcess.run([
            "coverage", "--rules", Self.examples + "/rules", "--inventory", Self.examples + "/inventory.yaml", "--accept",
            Self.examples + "/accepted-risks.yaml", "--actors", "APT29", "FIN7", "--layers", out, "--report", out + "/plan.md", "--plan",
            out + "/plan.json", "--today", "2026-11-29", "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(r.json as? [String: Any])
        #expect((summary["rulesBySource"] as? [String: Int])?["sigma"] == 15)
        #expect(((summary["techniques"] as? [String: Int])?["green"] ?? 0) > 0)
        for kind in ["status", "detection", "visibility", "overlay", "actors", "actor-coverage"] {
            #expect(FileManager.default.fileExists(atPath: out + "/vigil-\(kind).json"), "\(kind)")
        }
        let plan = try String(contentsOfFile: out + "/plan.md", encoding: .utf8)
        #expect(plan.contains("## Pyramid of Pain"))
        #expect(plan.contains("T1542.003") && plan.contains("**EXPIRED**"))
    }

    @Test func failUnderIsAGate() throws {
        let r = try VigilProcess.run([
            "coverage", "--rules", Self.examples + "/rules", "--inventory", Self.examples + "/inventory.yaml", "--fail-under", "90",
        ])
        #expect(r.status == 1)
        #expect(r.stderr.contains("coverage gate missed"))
    }

    /// An unknown actor is named, the run goes on with the others, and the exit status is 2.
    @Test func unknownActorExitsTwo() throws {
        let r = try VigilProcess.run([
            "coverage", "--rules", Self.examples + "/rules", "--inventory", Self.examples + "/inventory.yaml", "--actors", "APT29",
            "NOSUCHGROUP", "--json",
        ])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("NOSUCHGROUP"))
        let summary = try #require(r.json as? [String: Any])
        #expect(((summary["techniques"] as? [String: Int])?["green"] ?? 0) > 0)
    }

    @Test func unusableInputsExitTwo() throws {
        let missing = try VigilProcess.run(["coverage", "--rules", Self.examples + "/rules", "--inventory", "/no/such/inventory.yaml"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/no/such/inventory.yaml"))
        let norules = try VigilProcess.run(["coverage", "--rules", "/no/such/rules", "--inventory", Self.examples + "/inventory.yaml"])
        #expect(norules.status == 2)
        let threshold = try VigilProcess.run(["coverage", "--inventory", Self.examples + "/inventory.yaml", "--threshold", "9"])
        #expect(threshold.status == 2)
    }
}

@Suite struct CoverageSaveCLITests {
    @Test func savedRunsShowUpInHistory() throws {
        let store = NSTemporaryDirectory() + "vigil-history-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store + suffix) } }
        let examples = SharedData.packageRoot() + "/Examples"
        let base = ["coverage", "--rules", examples + "/rules", "--inventory", examples + "/inventory.yaml", "--store", store, "--save"]
        #expect(try VigilProcess.run(base + ["--label", "before"]).status == 0)
        #expect(try VigilProcess.run(base + ["--label", "stricter", "--threshold", "5"]).status == 0)
        let list = try VigilProcess.run(["history", "--store", store, "--json"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("\"before\"") && list.stdout.contains("\"stricter\""))
        let diff = try VigilProcess.run(["history", "diff", "before", "stricter", "--store", store])
        #expect(diff.stdout.contains("T1059.001"), "\(diff.stdout.prefix(800))")
    }
}
