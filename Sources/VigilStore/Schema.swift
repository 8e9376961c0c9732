// The store's schema as an ordered list of migrations. Each runs once, in the same IMMEDIATE
// transaction that reads and bumps `PRAGMA user_version`, so two processes opening a new store at
// once cannot both apply it, and a process killed mid-migration leaves the previous version intact.

import GRDB

struct Migration: Sendable {
    var version: Int
    var name: String
    var sql: String
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
                """)
    ]

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies the migrations the database lacks. Throws when the store is newer than this Vigil.
    static func migrate(_ db: Database, path: String) throws {
        let current = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if current > latestVersion {
            throw StoreError.newerSchema(path: path, version: current, known: latestVersion)
        }
        for migration in migrations where migration.version > current {
            try db.execute(sql: migration.sql)
            try db.execute(sql: "PRAGMA user_version = \(migration.version)")
        }
    }
}
