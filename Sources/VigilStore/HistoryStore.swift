// The history store: an embedded SQLite database (GRDB, WAL) of coverage snapshots. Each save is one
// IMMEDIATE transaction, so a second writer waits its turn (busy timeout) and a process killed in the
// middle of a save leaves the store exactly as it was before that save. What snapshots share is stored
// once (SnapshotStorage, ContentStore), so a year of daily snapshots costs about what changed in it.

import Foundation
import GRDB
import VigilAttack
import VigilCore
import VigilCoverage

public enum StoreError: Error, CustomStringConvertible, Sendable {
    case open(path: String, reason: String)
    case newerSchema(path: String, version: Int, known: Int)
    case missing(path: String)
    case unknownSnapshot(String)
    case labelTaken(String)
    case badLabel(String)
    case corrupt(String)
    case invalidSnapshot(String)

    public var code: String {
        switch self {
        case .open: "store-open"
        case .newerSchema: "store-newer-schema"
        case .missing: "store-missing"
        case .unknownSnapshot: "store-unknown-snapshot"
        case .labelTaken: "store-label-taken"
        case .badLabel: "store-bad-label"
        case .corrupt: "store-corrupt"
        case .invalidSnapshot: "store-invalid-snapshot"
        }
    }

    public var description: String {
        switch self {
        case .open(let path, let reason): "cannot open the history store \(path): \(reason)"
        case .newerSchema(let path, let version, let known):
            "the history store \(path) has schema version \(version), newer than this Vigil's \(known): upgrade Vigil"
        case .missing(let path): "no history store at \(path): record a snapshot first with `vigil coverage --save`"
        case .unknownSnapshot(let ref): "no snapshot \"\(ref)\": give an id, a label, `latest` or `previous` (see `vigil history`)"
        case .labelTaken(let label): "a snapshot is already labelled \"\(label)\""
        case .badLabel(let label): "label \"\(label)\" would be read as an id or a keyword: use letters too"
        case .corrupt(let reason): "the history store holds a damaged row: \(reason)"
        case .invalidSnapshot(let reason): "not a valid snapshot: \(reason)"
        }
    }
}

/// One technique in one snapshot, for its history chart.
public struct TechniqueHistoryPoint: Sendable, Codable, Equatable {
    public var snapshot: Int64
    public var label: String?
    public var createdAt: String
    public var status: CoverageStatus
    public var detectionScore: Int
    public var visibilityScore: Int
}

public final class HistoryStore: Sendable {
    public let path: String
    let pool: DatabasePool
    let decoded = DecodedBlobs()

    /// `$XDG_DATA_HOME/vigil/history.sqlite`.
    public static var defaultPath: String { AttackSource.dataFolder() + "/history.sqlite" }

    /// Opens the store at `path`, migrating it to this Vigil's schema unless `readOnly`. A store that does not
    /// exist is created only when `create` (and not `readOnly`); otherwise it is `StoreError.missing`.
    public init(path: String = HistoryStore.defaultPath, readOnly: Bool = false, create: Bool = true) throws {
        self.path = path
        var config = Configuration()
        // Another `vigil coverage --save` may hold the write lock for a moment: wait rather than fail.
        config.busyMode = .timeout(15)
        config.readonly = readOnly
        config.foreignKeysEnabled = true
        if readOnly || !create {
            guard FileManager.default.fileExists(atPath: path) else { throw StoreError.missing(path: path) }
        }
        if !readOnly {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StoreError.open(path: path, reason: "\(error)")
        }
        if readOnly {
            let version = try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
            if version > Schema.latestVersion {
                throw StoreError.newerSchema(path: path, version: version, known: Schema.latestVersion)
            }
            if version < Schema.latestVersion {
                throw StoreError.open(path: path, reason: "schema version \(version) needs upgrading: run `vigil history` once")
            }
        } else {
            let before = try immediate { db in try Schema.migrate(db, path: path) }
            // Converting schema 1 rows frees most of the file's pages: give them back to the disk. Best effort, as a
            // reader in another process keeps VACUUM from running; the pages are reused by later saves anyway.
            if before == 1 { try? pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") } }
        }
    }

    /// Runs `body` in one IMMEDIATE transaction: the write lock is taken up front, so the busy timeout
    /// applies and two writers never deadlock upgrading a read lock.
    func immediate<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    public var schemaVersion: Int {
        get throws { try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 } }
    }

    // MARK: Saving

    /// Records a coverage run. Returns the saved snapshot's summary (with its id).
    @discardableResult
    public func save(report: CoverageReport, kb: KnowledgeBase, map: LogSourceMap, inputs: SnapshotInputs) throws -> SnapshotSummary {
        try save(Snapshot(report: report, kb: kb, map: map, inputs: inputs))
    }

    /// Records a snapshot as it is (an import, or one built by the caller). Its id is assigned anew.
    @discardableResult
    public func save(_ snapshot: Snapshot) throws -> SnapshotSummary {
        if let label = snapshot.summary.label { try Self.validate(label: label) }
        return try immediate { db in try SnapshotStorage.write(snapshot, db).summary }
    }

    /// Records a snapshot unless the store holds one with the same content already (an export imported twice):
    /// then it records nothing and returns the one it has. The label does not count as content.
    public func saveUnlessStored(_ snapshot: Snapshot) throws -> SaveOutcome {
        if let label = snapshot.summary.label { try Self.validate(label: label) }
        return try immediate { db in try SnapshotStorage.write(snapshot, db, unlessStored: true) }
    }

    static func validate(label: String) throws {
        let trimmed = label.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.allSatisfy(\.isNumber) || trimmed.hasPrefix("#")
            || ["latest", "previous"].contains(trimmed.lowercased())
        {
            throw StoreError.badLabel(label)
        }
    }

    // MARK: Reading

    /// Every snapshot, oldest first.
    public func summaries() throws -> [SnapshotSummary] {
        try pool.read { db in
            try SnapshotStorage.summaries(Row.fetchAll(db, sql: "SELECT \(SnapshotStorage.summaryColumns) FROM snapshot ORDER BY id"))
        }
    }

    /// The id of the latest snapshot, or nil for an empty store (cheap: the server asks on every page).
    public func latestID() throws -> Int64? {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM snapshot") }
    }

    /// Resolves `42`, `#42`, a label, `latest` or `previous` to a snapshot id.
    public func resolve(_ ref: String) throws -> Int64 {
        let text = ref.trimmingCharacters(in: .whitespaces)
        let found: Int64? = try pool.read { db in
            switch text.lowercased() {
            case "latest":
                return try Int64.fetchOne(db, sql: "SELECT max(id) FROM snapshot")
            case "previous":
                return try Int64.fetchOne(db, sql: "SELECT id FROM snapshot ORDER BY id DESC LIMIT 1 OFFSET 1")
            default:
                let digits = text.hasPrefix("#") ? String(text.dropFirst()) : text
                if let id = Int64(digits) {
                    return try Int64.fetchOne(db, sql: "SELECT id FROM snapshot WHERE id = ?", arguments: [id])
                }
                return try Int64.fetchOne(db, sql: "SELECT id FROM snapshot WHERE label = ?", arguments: [text])
            }
        }
        guard let found else { throw StoreError.unknownSnapshot(ref) }
        return found
    }

    public func summary(_ ref: String) throws -> SnapshotSummary {
        let id = try resolve(ref)
        return try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(SnapshotStorage.summaryColumns) FROM snapshot WHERE id = ?", arguments: [id])
            else {
                throw StoreError.unknownSnapshot(ref)
            }
            return try SnapshotStorage.summary(row)
        }
    }

    /// A whole snapshot: techniques, rules, log sources, gap plan and layers.
    public func snapshot(_ ref: String) throws -> Snapshot {
        let id = try resolve(ref)
        return try pool.read { db in try SnapshotStorage.read(id, db, cache: decoded) }
    }

    /// One Navigator layer of a snapshot, as saved (JSON text).
    public func layer(_ kind: LayerKind, snapshot ref: String) throws -> String? {
        let id = try resolve(ref)
        return try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT frame, entriesAt, entries FROM snapshotLayer WHERE snapshotId = ? AND kind = ?",
                    arguments: [id, kind.rawValue])
            else { return nil }
            return try SnapshotStorage.layerText(row, ContentStore(db: db), decoded)
        }
    }

    /// The technique's status and scores in every snapshot that assessed it, oldest first.
    public func history(technique id: String) throws -> [TechniqueHistoryPoint] {
        try pool.read { db in try SnapshotStorage.history(id, db, cache: decoded) }
    }

    /// What the store occupies: the database's pages in use and its blobs.
    public struct Size: Sendable, Codable, Equatable {
        /// Pages in use × page size: the file's size once checkpointed and vacuumed.
        public var bytes: Int
        public var snapshots: Int
        public var blobs: Int
        /// Bytes of blob content before compression, and as stored.
        public var contentBytes: Int
        public var storedBytes: Int
    }

    public func size() throws -> Size {
        try pool.read { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            let blobs = try Row.fetchOne(db, sql: "SELECT count(*), coalesce(sum(size), 0), coalesce(sum(length(data)), 0) FROM blob")
            return Size(
                bytes: (pages - free) * pageSize, snapshots: try Int.fetchOne(db, sql: "SELECT count(*) FROM snapshot") ?? 0,
                blobs: blobs?[0] ?? 0, contentBytes: blobs?[1] ?? 0, storedBytes: blobs?[2] ?? 0)
        }
    }

    /// Consistency checks for tests and `vigil history check`: SQLite's own; every blob's content against its
    /// SHA-256; then every snapshot whole (its lists name blobs that exist, its counts match).
    public func check() throws -> [String] {
        try pool.read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            problems += try String.fetchAll(db, sql: "PRAGMA foreign_key_check").map { "foreign key: \($0)" }
            var known = Set<Int64>()
            let blobRows = try Row.fetchCursor(db, sql: "SELECT id, hash, size, compressed, data FROM blob")
            while let row = try blobRows.next() {
                let id: Int64 = row["id"]
                known.insert(id)
                guard let content = try? ContentStore.content(id: id, compressed: row["compressed"], data: row["data"]) else {
                    problems.append("blob \(id) does not inflate")
                    continue
                }
                if Data(SHA256.digest(content)) != row["hash"] || content.count != row["size"] as Int {
                    problems.append("blob \(id) does not match its hash")
                }
            }
            let blobs = ContentStore(db: db)
            func list(_ id: Int64, _ what: String, _ snapshot: Int64) -> [Int64] {
                guard let ids = try? blobs.ids(id) else {
                    problems.append("snapshot #\(snapshot): its \(what) list is damaged")
                    return []
                }
                for missing in ids where !known.contains(missing) {
                    problems.append("snapshot #\(snapshot): \(what) blob \(missing) is missing")
                }
                return ids
            }
            for r in try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.ruleCount, s.techniqueCount, s.logSourceCount, s.rules, s.techniques, s.techniqueIDs, s.logSources,
                        (SELECT count(*) FROM snapshotLayer y WHERE y.snapshotId = s.id) AS layers
                    FROM snapshot s
                    """)
            {
                let id: Int64 = r["id"]
                let rules = list(r["rules"], "rule", id)
                let techniques = list(r["techniques"], "technique", id)
                let techniqueIDs = (try? JSONDecoder().decode([String].self, from: Data(blobs.get(r["techniqueIDs"] as Int64)))) ?? []
                let sources = (try? JSONDecoder().decode([StoredLogSource].self, from: Data(blobs.get(r["logSources"] as Int64)))) ?? []
                if rules.count != r["ruleCount"] || techniques.count != r["techniqueCount"] || techniqueIDs.count != techniques.count
                    || sources.count != r["logSourceCount"]
                {
                    problems.append("snapshot #\(id) is incomplete")
                }
                // Every snapshot has the six coverage layers; a validated run adds the validation layer, assets the asset-risk one.
                if (r["layers"] as Int) < LayerKind.allCases.count - 2 { problems.append("snapshot #\(id) lacks layers") }
            }
            for r in try Row.fetchAll(db, sql: "SELECT snapshotId, kind, entries FROM snapshotLayer WHERE entries IS NOT NULL") {
                _ = list(r["entries"], "\(r["kind"] as String) layer entry", r["snapshotId"])
            }
            return problems
        }
    }
}
