// Content-addressed storage gives back exactly what was saved: a snapshot read back, exported and imported
// again is the same snapshot, diffs are the same as over the snapshots in memory, a schema 1 store migrates
// with every row converted, and the pieces (id lists, layer entries, rule references) round-trip.

import Foundation
import GRDB
import Testing
import VigilCoverage

@testable import VigilStore

@Suite struct ContentAddressingTests {
    /// A snapshot as the store returns it: its id, and its techniques in id order (as schema 1 read them too).
    static func asStored(_ snapshot: Snapshot, id: Int64) -> Snapshot {
        var s = snapshot
        s.summary.id = id
        s.summary.ruleCount = s.rules.count
        s.summary.techniqueCount = s.techniques.count
        s.summary.logSourceCount = s.logSources.count
        s.techniques.sort { SnapshotStorage.byteOrder($0.id, $1.id) }
        return s
    }

    /// Bytes as `vigil history export` writes them.
    static func exported(_ snapshot: Snapshot) -> String { JSONText.encode(snapshot, pretty: true) }

    /// Hashed rule files, a re-rated rule, an inventory change: a pair of snapshots with something in every part.
    static func pair() throws -> (Snapshot, Snapshot) {
        let folder = NSTemporaryDirectory() + "vigil-rules-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/rules", withIntermediateDirectories: true)
        try Data("title: ps\n".utf8).write(to: URL(fileURLWithPath: folder + "/rules/ps.yml"))
        let first = Snapshot(
            report: Fixtures.report(Fixtures.rules, ratings: [4, 2, 4]), kb: Fixtures.kb, map: .builtIn(),
            inputs: SnapshotInputs(label: "before", sources: ["rules": folder], ruleRoots: [folder], inventory: Fixtures.inventory))
        var inventory = Fixtures.inventory
        inventory.logSources.removeAll { $0.name.lowercased().contains("powershell") }
        let rules = [Fixtures.rules[1], Fixtures.rules[2], Fixtures.sigma("task", ["T1053.005"], category: "process_creation")]
        let second = Snapshot(
            report: Fixtures.report(rules, ratings: [4, 4, 4], inventory: inventory), kb: Fixtures.kb, map: .builtIn(),
            inputs: SnapshotInputs(label: "after", sources: ["rules": folder], ruleRoots: [folder], inventory: inventory))
        return (first, second)
    }

    @Test func aSnapshotReadBackExportedAndReimportedIsTheSame() throws {
        let (snapshot, _) = try Self.pair()
        #expect(snapshot.rules.contains { $0.hashOf == "file" })
        let store = try HistoryStore(path: Fixtures.storePath())
        let saved = try store.save(snapshot)
        let back = try store.snapshot("before")
        #expect(Self.exported(back) == Self.exported(Self.asStored(snapshot, id: saved.id)))
        #expect(back.layers == snapshot.layers)
        for kind in LayerKind.allCases { #expect(try store.layer(kind, snapshot: "before") == snapshot.layers[kind.rawValue]) }

        // Export → import into another store → export again: the same bytes but for the id.
        let text = Self.exported(back)
        let other = try HistoryStore(path: Fixtures.storePath())
        try other.save(Fixtures.snapshot(Fixtures.rules, ratings: [1, 1, 1]))
        let decoded = try JSONDecoder().decode(Snapshot.self, from: Data(text.utf8))
        guard case .saved(let reimported) = try other.saveUnlessStored(decoded) else {
            Issue.record("a new store took the snapshot for one it had")
            return
        }
        #expect(reimported.id == 2)
        #expect(Self.exported(Self.asStored(try other.snapshot("2"), id: saved.id)) == text)
        // … and importing it again records nothing.
        #expect(try other.saveUnlessStored(decoded) == .alreadyStored(reimported))
        #expect(try store.saveUnlessStored(decoded) == .alreadyStored(saved))
        var relabelled = decoded
        relabelled.summary.label = "another-name"
        #expect(try store.saveUnlessStored(relabelled) == .alreadyStored(saved))
        #expect(try other.summaries().count == 2 && store.summaries().count == 1)
        #expect(try store.check().isEmpty && other.check().isEmpty)
    }

    @Test func diffsAreTheSameAsOverTheSnapshotsInMemory() throws {
        let (a, b) = try Self.pair()
        let store = try HistoryStore(path: Fixtures.storePath())
        let ida = try store.save(a).id
        let idb = try store.save(b).id
        let inMemory = SnapshotDiff(from: Self.asStored(a, id: ida), to: Self.asStored(b, id: idb))
        let stored = SnapshotDiff(from: try store.snapshot("before"), to: try store.snapshot("after"))
        #expect(!stored.isEmpty)
        #expect(JSONText.encode(stored) == JSONText.encode(inMemory))
        #expect(stored.text == inMemory.text)
        // Read in the other order and again (the decoded-blob cache at work): still the same.
        #expect(
            JSONText.encode(SnapshotDiff(from: try store.snapshot("before"), to: try store.snapshot("after"))) == JSONText.encode(inMemory))
        #expect(SnapshotDiff(from: try store.snapshot("after"), to: try store.snapshot("after")).isEmpty)
        // A technique's history comes from the blobs too.
        let history = try store.history(technique: "t1059.001")
        #expect(history.map(\.snapshot) == [ida, idb])
        #expect(history.map(\.status) == [a, b].map { $0.technique("T1059.001")!.status })
    }

    @Test func identicalRulesAreNamedByOccurrence() throws {
        // The same rule file twice (repositories hold the odd duplicate), the second one detecting PowerShell.
        var snapshot = Fixtures.snapshot(Fixtures.rules, ratings: [4, 2, 4])
        snapshot.rules += [snapshot.rules[0], snapshot.rules[0]]
        for i in snapshot.techniques.indices where snapshot.techniques[i].id == "T1059.001" {
            snapshot.techniques[i].detectingRules.append(4)
        }
        let store = try HistoryStore(path: Fixtures.storePath())
        let saved = try store.save(snapshot)
        #expect(try store.pool.read { db in try String.fetchOne(db, sql: "SELECT ruleRefs FROM snapshot") } == "blob")
        #expect(Self.exported(try store.snapshot("latest")) == Self.exported(Self.asStored(snapshot, id: saved.id)))
        #expect(RuleReferences.names([7, 9, 7, 7]) == [7, 9, 1 << 48 | 7, 2 << 48 | 7])
        #expect(RuleReferences.names([1 << 48]) == nil)
    }

    @Test func indicesOutOfRangeAreKeptAsTheyAre() throws {
        var snapshot = Fixtures.snapshot(Fixtures.rules, ratings: [4, 2, 4])
        for i in snapshot.techniques.indices where snapshot.techniques[i].id == "T1059.001" {
            snapshot.techniques[i].weakRules.append(99)
        }
        let store = try HistoryStore(path: Fixtures.storePath())
        let saved = try store.save(snapshot)
        #expect(try store.pool.read { db in try String.fetchOne(db, sql: "SELECT ruleRefs FROM snapshot") } == "position")
        #expect(Self.exported(try store.snapshot("latest")) == Self.exported(Self.asStored(snapshot, id: saved.id)))
    }

    @Test func aLayerThatCannotBeCutIsKeptWhole() throws {
        var snapshot = Fixtures.snapshot(Fixtures.rules, ratings: [4, 2, 4])
        snapshot.layers["status"] = "{ \"techniques\" : [ {\"a\": 1} , {\"b\": 2} ] }"
        snapshot.layers["detection"] = "not JSON at all"
        let store = try HistoryStore(path: Fixtures.storePath())
        try store.save(snapshot)
        #expect(try store.snapshot("latest").layers == snapshot.layers)
        #expect(try store.check().isEmpty)
    }

    @Test func layerPiecesJoinToTheSameBytes() throws {
        let snapshot = Fixtures.snapshot(Fixtures.rules, ratings: [4, 2, 4])
        for (kind, text) in snapshot.layers {
            let pieces = try #require(LayerPieces(layer: text), "\(kind)")
            #expect(pieces.text == text)
            #expect(pieces.entries.count == (try JSONDecoder().decode(NavigatorLayer.self, from: Data(text.utf8))).techniques.count)
        }
        for text in ["{\"techniques\":[]}", "{\"a\":{\"techniques\":1},\"techniques\":[{}],\"z\":\"]\"}", "{\"techniques\":[ {},{} ]}"] {
            #expect(LayerPieces(layer: text)?.text == text)
        }
        for text in [
            "{\"techniques\":[{},{}, {}]}", "{\"techniques\":[ {} ,{}]}", "{\"techniques\":[1,2]}", "[]", "{\"techniques\":{}}", "{", "",
        ] {
            #expect(LayerPieces(layer: text) == nil, "\(text)")
        }
    }

    @Test func idListsRoundTrip() {
        let lists: [[Int64]] = [[], [1], [1, 2, 3, 4], [900, 3, 1_000_000, 2, 2], [Int64.max, 0, Int64.min, -1]]
        for ids in lists { #expect(IDList.decode(IDList.encode(ids)) == ids) }
        #expect(IDList.encode(Array(1...1000)).count == 1000)
        #expect(IDList.decode([0x80]) == nil)
        #expect(IDList.decode([UInt8](repeating: 0xff, count: 11) + [0]) == nil)
    }

    // MARK: Migration from schema 1

    /// Writes `snapshot` as schema 1's `save` did.
    static func writeV1(_ snapshot: Snapshot, _ db: Database) throws {
        let s = snapshot.summary
        try db.execute(
            sql: """
                INSERT INTO snapshot (label, createdAt, attackDomain, attackVersion, inventoryName, threshold, actors, inputs,
                    greenPercent, green, yellow, red, white, ruleCount, techniqueCount, logSourceCount, tactics, plan)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                s.label, s.createdAt, s.attackDomain, s.attackVersion, s.inventoryName, s.threshold, JSONText.encode(s.actors),
                JSONText.encode(s.inputs), s.greenPercent, s.counts.green, s.counts.yellow, s.counts.red, s.counts.white,
                snapshot.rules.count, snapshot.techniques.count, snapshot.logSources.count, JSONText.encode(s.tactics),
                snapshot.plan.map { JSONText.encode($0) },
            ])
        let id = db.lastInsertedRowID
        for (i, r) in snapshot.rules.enumerated() {
            let v = r.verdict
            try db.execute(
                sql: """
                    INSERT INTO snapshotRule (snapshotId, position, ruleKey, source, ruleId, title, path, rating, severity,
                        logsCollected, contentHash, hashOf, verdict) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, i, r.key, v.source.rawValue, v.id, v.title, v.path, v.rating, v.severity?.rawValue, v.logsCollected, r.contentHash,
                    r.hashOf, JSONText.encode(v),
                ])
        }
        for (i, l) in snapshot.logSources.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO snapshotLogSource (snapshotId, position, name, products, systems, dataComponents, quality, available)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, i, l.name, JSONText.encode(l.products), JSONText.encode(l.systems), JSONText.encode(l.dataComponents), l.quality,
                    l.available,
                ])
        }
        for t in snapshot.techniques {
            try db.execute(
                sql: """
                    INSERT INTO snapshotTechnique (snapshotId, techniqueId, name, status, detectionScore, visibilityScore,
                        qualityScore, isSubtechnique, coverage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, t.id, t.name, t.status.rawValue, t.detectionScore, t.visibility?.score ?? 0, t.visibility?.qualityScore ?? 0,
                    t.isSubtechnique, JSONText.encode(t),
                ])
        }
        for (kind, json) in snapshot.layers {
            try db.execute(sql: "INSERT INTO snapshotLayer (snapshotId, kind, layer) VALUES (?, ?, ?)", arguments: [id, kind, json])
        }
    }

    @Test func aSchema1StoreMigratesWithEveryRowConverted() throws {
        let (a, b) = try Self.pair()
        let path = Fixtures.storePath()
        do {
            let pool = try DatabasePool(path: path)
            try pool.write { db in
                try Schema.migrations[0].apply(db)
                try db.execute(sql: "PRAGMA user_version = 1")
                try Self.writeV1(a, db)
                try Self.writeV1(b, db)
                try Self.writeV1(Fixtures.snapshot(Fixtures.rules, ratings: [1, 1, 1]), db)
                // Ids are not reused: #3 was deleted, so the next snapshot is #4.
                try db.execute(sql: "DELETE FROM snapshot WHERE id = 3")
            }
        }
        #expect(throws: StoreError.self) { _ = try HistoryStore(path: path, readOnly: true) }
        let store = try HistoryStore(path: path)
        #expect(try store.schemaVersion == Schema.latestVersion)
        #expect(try store.summaries().map(\.id) == [1, 2])
        #expect(Self.exported(try store.snapshot("before")) == Self.exported(Self.asStored(a, id: 1)))
        #expect(Self.exported(try store.snapshot("after")) == Self.exported(Self.asStored(b, id: 2)))
        #expect(try store.check().isEmpty)
        let tables = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        #expect(
            tables == ["blob", "hunt", "huntDetection", "huntEvent", "snapshot", "snapshotLayer", "snapshotValidation", "sqlite_sequence"])
        #expect(try store.save(Fixtures.snapshot(Fixtures.rules, ratings: [4, 2, 4])).id == 4)
    }
}
