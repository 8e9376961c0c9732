// The history store: snapshots round-trip, references resolve, labels stay unique, migrations are
// versioned, and diffs explain colour changes by the rule and log-source changes behind them.

import Foundation
import Testing
import VigilCoverage

@testable import VigilStore

@Suite struct HistoryStoreTests {
    @Test func snapshotsRoundTrip() throws {
        let store = try HistoryStore(path: Fixtures.storePath())
        #expect(try store.schemaVersion == Schema.latestVersion)
        let report = Fixtures.report(Fixtures.rules, ratings: [4, 2, 4])
        let saved = try store.save(
            report: report, kb: Fixtures.kb, map: .builtIn(),
            inputs: SnapshotInputs(label: "sprint-1", sources: ["rules": "hand-made"], inventory: Fixtures.inventory))
        #expect(saved.id == 1)
        #expect(saved.counts.green == report.count(.green))
        #expect(saved.greenPercent == report.greenPercent)
        let back = try store.snapshot("sprint-1")
        #expect(back.techniques.count == report.techniques.count)
        #expect(back.technique("T1059.001")?.status == .green)
        #expect(back.technique("t1003.001")?.status == .yellow)
        #expect(back.rules.map(\.verdict.title) == report.rules.map(\.title))
        #expect(back.rules.allSatisfy { $0.contentHash.count == 64 && $0.hashOf == "fields" })
        #expect(back.logSources.map(\.name) == Fixtures.inventory.logSources.map(\.name))
        // Every layer but the validation layer, which only a run validated on attack simulations has, and the asset-risk
        // layer, which only a run with high-value assets has.
        #expect(Set(back.layers.keys) == Set(LayerKind.allCases.filter { $0 != .validation && $0 != .assetRisk }.map(\.rawValue)))
        #expect(back.plan?.counts["green"] == report.count(.green))
        // Per-tactic counts add up to the techniques listed under each tactic.
        let execution = try #require(saved.tactics.first { $0.tactic == "execution" })
        #expect(execution.counts.green >= 1)
        #expect(try store.check().isEmpty)
    }

    @Test func ruleFilesAreHashedByContent() throws {
        let folder = NSTemporaryDirectory() + "vigil-rules-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/rules", withIntermediateDirectories: true)
        try Data("title: ps\n".utf8).write(to: URL(fileURLWithPath: folder + "/rules/ps.yml"))
        let report = Fixtures.report(Fixtures.rules, ratings: [4, 2, 4])
        let snapshot = Snapshot(report: report, kb: Fixtures.kb, map: .builtIn(), inputs: SnapshotInputs(ruleRoots: [folder]))
        let ps = try #require(snapshot.rules.first { $0.verdict.id == "ps" })
        #expect(ps.hashOf == "file")
        #expect(ps.contentHash == SHA256.hex(Array("title: ps\n".utf8)))
        #expect(snapshot.rules.first { $0.verdict.id == "lsass" }?.hashOf == "fields")
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func referencesAndLabels() throws {
        let store = try HistoryStore(path: Fixtures.storePath())
        try store.save(Fixtures.snapshot(Fixtures.rules, ratings: [4, 2, 4], label: "before"))
        try store.save(Fixtures.snapshot(Fixtures.rules, ratings: [4, 4, 4]))
        #expect(try store.resolve("1") == 1)
        #expect(try store.resolve("#2") == 2)
        #expect(try store.resolve("before") == 1)
        #expect(try store.resolve("latest") == 2)
        #expect(try store.resolve("previous") == 1)
        #expect(throws: StoreError.self) { try store.resolve("nope") }
        #expect(throws: StoreError.self) { try store.resolve("3") }
        #expect(throws: StoreError.self) { try store.save(Fixtures.snapshot(Fixtures.rules, ratings: [1, 1, 1], label: "before")) }
        for bad in ["42", "latest", "#x", " "] {
            #expect(throws: StoreError.self) { try store.save(Fixtures.snapshot(Fixtures.rules, ratings: [1, 1, 1], label: bad)) }
        }
        // A refused save leaves nothing behind.
        #expect(try store.summaries().count == 2)
        #expect(try store.check().isEmpty)
    }

    @Test func migrationsAreVersionedAndANewerStoreIsRefused() throws {
        let path = Fixtures.storePath()
        do {
            let store = try HistoryStore(path: path)
            try store.save(Fixtures.snapshot(Fixtures.rules, ratings: [4, 2, 4]))
        }
        // Opening again applies nothing and keeps the data.
        let again = try HistoryStore(path: path)
        #expect(try again.summaries().count == 1)
        #expect(Schema.migrations.map(\.version) == Array(1...Schema.latestVersion))
        try again.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 99") }
        #expect {
            _ = try HistoryStore(path: path)
        } throws: { error in
            guard case .newerSchema(_, let version, _) = error as? StoreError else { return false }
            return version == 99
        }
        #expect(throws: StoreError.self) { _ = try HistoryStore(path: path, readOnly: true) }
        #expect(throws: StoreError.self) { _ = try HistoryStore(path: Fixtures.storePath() + "-absent", readOnly: true) }
    }

    @Test func diffSaysWhichTechniquesChangedColourAndWhy() throws {
        let store = try HistoryStore(path: Fixtures.storePath())
        try store.save(Fixtures.snapshot(Fixtures.rules, ratings: [4, 2, 4], label: "before"))
        // Re-rate lsass (yellow → green), drop the PowerShell rule, add a scheduled-task rule, and stop
        // collecting PowerShell script block logs.
        var inventory = Fixtures.inventory
        let dropped = try #require(inventory.logSources.first { $0.name.lowercased().contains("powershell") })
        inventory.logSources.removeAll { $0.name == dropped.name }
        let rules = [Fixtures.rules[1], Fixtures.rules[2], Fixtures.sigma("task", ["T1053.005"], category: "process_creation")]
        try store.save(Fixtures.snapshot(rules, ratings: [4, 4, 4], label: "after", inventory: inventory))
        let diff = SnapshotDiff(from: try store.snapshot("before"), to: try store.snapshot("after"))
        #expect(diff.attackUpgrade == nil)
        #expect(diff.rulesAdded.map(\.key) == ["sigma:task"])
        #expect(diff.rulesRemoved.map(\.key) == ["sigma:ps"])
        #expect(diff.rules.contains { $0.key == "sigma:lsass" && $0.change == "re-rated" && $0.detail == "rating 2 → 4" })
        #expect(diff.logSources.map(\.name) == [dropped.name] && diff.logSources.first?.change == "removed")
        let lsass = try #require(diff.techniques.first { $0.id == "T1003.001" })
        #expect(lsass.from == .yellow && lsass.to == .green)
        #expect(lsass.why.first?.contains("re-rated") == true)
        let task = try #require(diff.techniques.first { $0.id == "T1053.005" })
        #expect(task.to == .green && task.why.first?.contains("rule added") == true)
        let ps = try #require(diff.techniques.first { $0.id == "T1059.001" })
        #expect(ps.from == .green && ps.to != .green)
        #expect(ps.why.contains { $0.contains("rule removed") })
        #expect(ps.why.contains { $0.contains("log source removed: \(dropped.name)") })
        #expect(diff.statusDelta.values.reduce(0, +) == 0)
        #expect(diff.text.contains("T1003.001"))
    }

    @Test func anATTACKUpgradeIsNamed() throws {
        var a = Fixtures.snapshot(Fixtures.rules, ratings: [4, 2, 4])
        let b = Fixtures.snapshot(Fixtures.rules, ratings: [4, 2, 4])
        a.summary.attackVersion = "17.1"
        a.techniques.removeAll { $0.id == "T1059.001" }
        let diff = SnapshotDiff(from: a, to: b)
        #expect(diff.attackUpgrade == "ATT&CK 17.1 → \(b.summary.attackVersion)")
        let ps = try #require(diff.techniques.first { $0.id == "T1059.001" })
        #expect(ps.from == nil && ps.why.first?.hasPrefix("new in ATT&CK 17.1 →") == true)
    }

    @Test func twoWritersInOneProcessBothLand() async throws {
        let path = Fixtures.storePath()
        let snapshot = Fixtures.snapshot(Fixtures.rules, ratings: [4, 2, 4])
        // Two stores on one file are two connections with their own locks, as two processes would be.
        let first = try HistoryStore(path: path)
        let second = try HistoryStore(path: path)
        await withTaskGroup(of: Void.self) { group in
            for store in [first, second] {
                group.addTask {
                    for _ in 0..<5 { _ = try? store.save(snapshot) }
                }
            }
        }
        #expect(try first.summaries().count == 10)
        #expect(try second.check().isEmpty)
    }
}
