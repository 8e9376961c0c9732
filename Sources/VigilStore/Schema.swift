// The store's schema as an ordered list of migrations. Each runs once, in the same IMMEDIATE
// transaction that reads and bumps `PRAGMA user_version`, so two processes opening a new store at
// once cannot both apply it, and a process killed mid-migration leaves the previous version intact.

import Foundation
import GRDB
import VigilCoverage

struct Migration: Sendable {
    var version: Int
    var name: String
    /// Runs inside the migration's transaction.
    var apply: @Sendable (Database) throws -> Void

    init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        apply = { db in try db.execute(sql: sql) }
    }

    init(version: Int, name: String, apply: @escaping @Sendable (Database) throws -> Void) {
        self.version = version
        self.name = name
        self.apply = apply
    }
}

enum Schema {
    /// Never edit a released migration: append a new one.
    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "snapshots",
            sql: """
                CREATE TABLE snapshot (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    label TEXT UNIQUE,
                    createdAt TEXT NOT NULL,
                    attackDomain TEXT NOT NULL,
                    attackVersion TEXT NOT NULL,
                    inventoryName TEXT NOT NULL,
                    threshold INTEGER NOT NULL,
                    actors TEXT NOT NULL,
                    inputs TEXT NOT NULL,
                    greenPercent REAL NOT NULL,
                    green INTEGER NOT NULL,
                    yellow INTEGER NOT NULL,
                    red INTEGER NOT NULL,
                    white INTEGER NOT NULL,
                    ruleCount INTEGER NOT NULL,
                    techniqueCount INTEGER NOT NULL,
                    logSourceCount INTEGER NOT NULL,
                    tactics TEXT NOT NULL,
                    plan TEXT
                );
                CREATE TABLE snapshotRule (
                    snapshotId INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    ruleKey TEXT NOT NULL,
                    source TEXT NOT NULL,
                    ruleId TEXT NOT NULL,
                    title TEXT NOT NULL,
                    path TEXT NOT NULL,
                    rating INTEGER NOT NULL,
                    severity TEXT,
                    logsCollected INTEGER NOT NULL,
                    contentHash TEXT NOT NULL,
                    hashOf TEXT NOT NULL,
                    verdict TEXT NOT NULL,
                    PRIMARY KEY (snapshotId, position)
                );
                CREATE INDEX snapshotRule_key ON snapshotRule(ruleKey, snapshotId);
                CREATE TABLE snapshotLogSource (
                    snapshotId INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    products TEXT NOT NULL,
                    systems TEXT NOT NULL,
                    dataComponents TEXT NOT NULL,
                    quality REAL,
                    available INTEGER NOT NULL,
                    PRIMARY KEY (snapshotId, position)
                );
                CREATE TABLE snapshotTechnique (
                    snapshotId INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
                    techniqueId TEXT NOT NULL,
                    name TEXT NOT NULL,
                    status TEXT NOT NULL,
                    detectionScore INTEGER NOT NULL,
                    visibilityScore INTEGER NOT NULL,
                    qualityScore REAL NOT NULL,
                    isSubtechnique INTEGER NOT NULL,
                    coverage TEXT NOT NULL,
                    PRIMARY KEY (snapshotId, techniqueId)
                );
                CREATE INDEX snapshotTechnique_history ON snapshotTechnique(techniqueId, snapshotId);
                CREATE TABLE snapshotLayer (
                    snapshotId INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    layer TEXT NOT NULL,
                    PRIMARY KEY (snapshotId, kind)
                );
                """),
        Migration(version: 2, name: "content-addressed blobs", apply: ContentAddressing.migrate),
        Migration(
            version: 3, name: "validation counts",
            sql: """
                CREATE TABLE snapshotValidation (
                    snapshotId INTEGER PRIMARY KEY REFERENCES snapshot(id) ON DELETE CASCADE,
                    counts TEXT NOT NULL
                );
                """),
        Migration(version: 4, name: "hunts", sql: HuntSchema.tables),
    ]

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies the migrations the database lacks. Throws when the store is newer than this Vigil. Returns the
    /// version the store had.
    @discardableResult
    static func migrate(_ db: Database, path: String) throws -> Int {
        let current = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if current > latestVersion {
            throw StoreError.newerSchema(path: path, version: current, known: latestVersion)
        }
        for migration in migrations where migration.version > current {
            try migration.apply(db)
            try db.execute(sql: "PRAGMA user_version = \(migration.version)")
        }
        return current
    }
}

/// Schema 2: rules, technique assessments, layer entries and frames, inventories and gap plans become blobs
/// kept once by SHA-256 (ContentStore); a snapshot row holds the summary and blob ids. Snapshots of schema 1
/// are read as schema 1 wrote them and written again, keeping their ids and labels.
enum ContentAddressing {
    static let tables = """
        CREATE TABLE blob (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            hash BLOB NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            size INTEGER NOT NULL,
            compressed INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        CREATE TABLE snapshot (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            label TEXT UNIQUE,
            createdAt TEXT NOT NULL,
            attackDomain TEXT NOT NULL,
            attackVersion TEXT NOT NULL,
            inventoryName TEXT NOT NULL,
            threshold INTEGER NOT NULL,
            actors TEXT NOT NULL,
            inputs TEXT NOT NULL,
            greenPercent REAL NOT NULL,
            green INTEGER NOT NULL,
            yellow INTEGER NOT NULL,
            red INTEGER NOT NULL,
            white INTEGER NOT NULL,
            ruleCount INTEGER NOT NULL,
            techniqueCount INTEGER NOT NULL,
            logSourceCount INTEGER NOT NULL,
            tactics TEXT NOT NULL,
            identity BLOB NOT NULL,
            rules INTEGER NOT NULL REFERENCES blob(id),
            ruleRefs TEXT NOT NULL,
            techniqueIDs INTEGER NOT NULL REFERENCES blob(id),
            techniques INTEGER NOT NULL REFERENCES blob(id),
            logSources INTEGER NOT NULL REFERENCES blob(id),
            plan INTEGER REFERENCES blob(id)
        );
        CREATE INDEX snapshot_identity ON snapshot(identity);
        CREATE TABLE snapshotLayer (
            snapshotId INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            frame INTEGER NOT NULL REFERENCES blob(id),
            entriesAt INTEGER,
            entries INTEGER REFERENCES blob(id),
            PRIMARY KEY (snapshotId, kind)
        ) WITHOUT ROWID;
        """

    static let v1Tables = ["snapshotLayer", "snapshotTechnique", "snapshotLogSource", "snapshotRule", "snapshot"]

    @Sendable static func migrate(_ db: Database) throws {
        for table in v1Tables { try db.execute(sql: "ALTER TABLE \(table) RENAME TO \(table)_v1") }
        try db.execute(sql: tables)
        for id in try Int64.fetchAll(db, sql: "SELECT id FROM snapshot_v1 ORDER BY id") {
            _ = try SnapshotStorage.write(try readV1(id, db), db, id: id)
        }
        // Ids are never reused: the new table goes on counting where the old one stopped.
        if let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'snapshot_v1'") {
            try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'snapshot'")
            let highest = try Int64.fetchOne(db, sql: "SELECT max(id) FROM snapshot") ?? 0
            try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('snapshot', ?)", arguments: [max(seq, highest)])
        }
        for table in v1Tables { try db.execute(sql: "DROP TABLE \(table)_v1") }
    }

    /// A snapshot as schema 1 stored it (the reader of that schema, kept for this migration only).
    static func readV1(_ id: Int64, _ db: Database) throws -> Snapshot {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT \(SnapshotStorage.summaryColumnsV1), plan FROM snapshot_v1 WHERE id = ?", arguments: [id])
        else { throw StoreError.unknownSnapshot("#\(id)") }
        let decoder = JSONDecoder()
        func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
            do { return try decoder.decode(type, from: Data(text.utf8)) } catch {
                throw StoreError.corrupt("snapshot #\(id): \(error)")
            }
        }
        let summary = try SnapshotStorage.summary(row)
        let plan = try (row["plan"] as String?).map { try decode(GapPlan.self, $0) }
        let rules = try Row.fetchAll(
            db, sql: "SELECT contentHash, hashOf, verdict FROM snapshotRule_v1 WHERE snapshotId = ? ORDER BY position", arguments: [id]
        ).map { r in StoredRule(verdict: try decode(RuleVerdict.self, r["verdict"]), contentHash: r["contentHash"], hashOf: r["hashOf"]) }
        let techniques = try String.fetchAll(
            db, sql: "SELECT coverage FROM snapshotTechnique_v1 WHERE snapshotId = ? ORDER BY techniqueId", arguments: [id]
        ).map { try decode(TechniqueCoverage.self, $0) }
        let sources = try Row.fetchAll(
            db, sql: "SELECT * FROM snapshotLogSource_v1 WHERE snapshotId = ? ORDER BY position", arguments: [id]
        )
        .map { l in
            StoredLogSource(
                name: l["name"], products: try decode([String].self, l["products"]), systems: try decode([String].self, l["systems"]),
                dataComponents: try decode([String].self, l["dataComponents"]), quality: l["quality"], available: l["available"])
        }
        var layers: [String: String] = [:]
        for l in try Row.fetchAll(db, sql: "SELECT kind, layer FROM snapshotLayer_v1 WHERE snapshotId = ?", arguments: [id]) {
            layers[l["kind"]] = l["layer"]
        }
        return Snapshot(summary: summary, techniques: techniques, rules: rules, logSources: sources, plan: plan, layers: layers)
    }
}
