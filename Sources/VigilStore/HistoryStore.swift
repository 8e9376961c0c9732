// The history store: an embedded SQLite database (GRDB, WAL) of coverage snapshots. Each save is one
// IMMEDIATE transaction, so a second writer waits its turn (busy timeout) and a process killed in the
// middle of a save leaves the store exactly as it was before that save.

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

    public var code: String {
        switch self {
        case .open: "store-open"
        case .newerSchema: "store-newer-schema"
        case .missing: "store-missing"
        case .unknownSnapshot: "store-unknown-snapshot"
        case .labelTaken: "store-label-taken"
        case .badLabel: "store-bad-label"
        case .corrupt: "store-corrupt"
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

    /// `$XDG_DATA_HOME/vigil/history.sqlite`.
    public static var defaultPath: String { AttackSource.dataFolder() + "/history.sqlite" }

    /// Opens (creating and migrating when writable) the store at `path`. A read-only store must exist.
    public init(path: String = HistoryStore.defaultPath, readOnly: Bool = false) throws {
        self.path = path
        var config = Configuration()
        // Another `vigil coverage --save` may hold the write lock for a moment: wait rather than fail.
        config.busyMode = .timeout(15)
        config.readonly = readOnly
        config.foreignKeysEnabled = true
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else { throw StoreError.missing(path: path) }
        } else {
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
            try immediate { db in try Schema.migrate(db, path: path) }
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
        return try immediate { db in
            var s = snapshot.summary
            if let label = s.label, try Int.fetchOne(db, sql: "SELECT 1 FROM snapshot WHERE label = ?", arguments: [label]) != nil {
                throw StoreError.labelTaken(label)
            }
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
            s.id = db.lastInsertedRowID
            s.ruleCount = snapshot.rules.count
            s.techniqueCount = snapshot.techniques.count
            s.logSourceCount = snapshot.logSources.count
            let rule = try db.makeStatement(
                sql: """
                    INSERT INTO snapshotRule (snapshotId, position, ruleKey, source, ruleId, title, path, rating, severity,
                        logsCollected, contentHash, hashOf, verdict) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for (i, r) in snapshot.rules.enumerated() {
                let v = r.verdict
                try rule.execute(arguments: [
                    s.id, i, r.key, v.source.rawValue, v.id, v.title, v.path, v.rating, v.severity?.rawValue, v.logsCollected,
                    r.contentHash, r.hashOf, JSONText.encode(v),
                ])
            }
            let source = try db.makeStatement(
                sql: """
                    INSERT INTO snapshotLogSource (snapshotId, position, name, products, systems, dataComponents, quality, available)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for (i, l) in snapshot.logSources.enumerated() {
                try source.execute(arguments: [
                    s.id, i, l.name, JSONText.encode(l.products), JSONText.encode(l.systems), JSONText.encode(l.dataComponents),
                    l.quality, l.available,
                ])
            }
            let technique = try db.makeStatement(
                sql: """
                    INSERT INTO snapshotTechnique (snapshotId, techniqueId, name, status, detectionScore, visibilityScore,
                        qualityScore, isSubtechnique, coverage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for t in snapshot.techniques {
                try technique.execute(arguments: [
                    s.id, t.id, t.name, t.status.rawValue, t.detectionScore, t.visibility?.score ?? 0, t.visibility?.qualityScore ?? 0,
                    t.isSubtechnique, JSONText.encode(t),
                ])
            }
            let layer = try db.makeStatement(sql: "INSERT INTO snapshotLayer (snapshotId, kind, layer) VALUES (?, ?, ?)")
            for (kind, json) in snapshot.layers.sorted(by: { $0.key < $1.key }) {
                try layer.execute(arguments: [s.id, kind, json])
            }
            return s
        }
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

    static let summaryColumns = """
        id, label, createdAt, attackDomain, attackVersion, inventoryName, threshold, actors, inputs, greenPercent,
        green, yellow, red, white, ruleCount, techniqueCount, logSourceCount, tactics
        """

    static func summary(_ row: Row) throws -> SnapshotSummary {
        var counts = StatusCounts()
        counts.green = row["green"]
        counts.yellow = row["yellow"]
        counts.red = row["red"]
        counts.white = row["white"]
        return SnapshotSummary(
            id: row["id"], label: row["label"], createdAt: row["createdAt"], attackDomain: row["attackDomain"],
            attackVersion: row["attackVersion"], inventoryName: row["inventoryName"], threshold: row["threshold"],
            actors: try JSONText.decode([String].self, row["actors"]), inputs: try JSONText.decode([String: String].self, row["inputs"]),
            greenPercent: row["greenPercent"], counts: counts, ruleCount: row["ruleCount"], techniqueCount: row["techniqueCount"],
            logSourceCount: row["logSourceCount"], tactics: try JSONText.decode([TacticCounts].self, row["tactics"]))
    }

    /// Every snapshot, oldest first.
    public func summaries() throws -> [SnapshotSummary] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.summaryColumns) FROM snapshot ORDER BY id").map(Self.summary)
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
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.summaryColumns) FROM snapshot WHERE id = ?", arguments: [id]) else {
                throw StoreError.unknownSnapshot(ref)
            }
            return try Self.summary(row)
        }
    }

    /// A whole snapshot: techniques, rules, log sources, gap plan and layers.
    public func snapshot(_ ref: String) throws -> Snapshot {
        let id = try resolve(ref)
        return try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.summaryColumns), plan FROM snapshot WHERE id = ?", arguments: [id])
            else { throw StoreError.unknownSnapshot(ref) }
            let summary = try Self.summary(row)
            let plan: GapPlan? = try (row["plan"] as String?).map { try JSONText.decode(GapPlan.self, $0) }
            let decoder = JSONDecoder()
            func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
                do { return try decoder.decode(type, from: Data(text.utf8)) } catch {
                    throw StoreError.corrupt("snapshot #\(id): \(error)")
                }
            }
            var rules: [StoredRule] = []
            for r in try Row.fetchAll(
                db, sql: "SELECT contentHash, hashOf, verdict FROM snapshotRule WHERE snapshotId = ? ORDER BY position", arguments: [id])
            {
                rules.append(
                    StoredRule(verdict: try decode(RuleVerdict.self, r["verdict"]), contentHash: r["contentHash"], hashOf: r["hashOf"]))
            }
            var techniques: [TechniqueCoverage] = []
            for t in try String.fetchAll(
                db, sql: "SELECT coverage FROM snapshotTechnique WHERE snapshotId = ? ORDER BY techniqueId", arguments: [id])
            {
                techniques.append(try decode(TechniqueCoverage.self, t))
            }
            var sources: [StoredLogSource] = []
            for l in try Row.fetchAll(db, sql: "SELECT * FROM snapshotLogSource WHERE snapshotId = ? ORDER BY position", arguments: [id]) {
                sources.append(
                    StoredLogSource(
                        name: l["name"], products: try decode([String].self, l["products"]),
                        systems: try decode([String].self, l["systems"]),
                        dataComponents: try decode([String].self, l["dataComponents"]), quality: l["quality"], available: l["available"]))
            }
            var layers: [String: String] = [:]
            for l in try Row.fetchAll(db, sql: "SELECT kind, layer FROM snapshotLayer WHERE snapshotId = ?", arguments: [id]) {
                layers[l["kind"]] = l["layer"]
            }
            if rules.count != summary.ruleCount || techniques.count != summary.techniqueCount || sources.count != summary.logSourceCount {
                throw StoreError.corrupt("snapshot #\(id) is incomplete")
            }
            return Snapshot(summary: summary, techniques: techniques, rules: rules, logSources: sources, plan: plan, layers: layers)
        }
    }

    /// One Navigator layer of a snapshot, as saved (JSON text).
    public func layer(_ kind: LayerKind, snapshot ref: String) throws -> String? {
        let id = try resolve(ref)
        return try pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT layer FROM snapshotLayer WHERE snapshotId = ? AND kind = ?", arguments: [id, kind.rawValue])
        }
    }

    /// The technique's status and scores in every snapshot that assessed it, oldest first.
    public func history(technique id: String) throws -> [TechniqueHistoryPoint] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.label, s.createdAt, t.status, t.detectionScore, t.visibilityScore
                    FROM snapshotTechnique t JOIN snapshot s ON s.id = t.snapshotId
                    WHERE t.techniqueId = ? ORDER BY s.id
                    """, arguments: [id.uppercased()]
            ).map { row in
                TechniqueHistoryPoint(
                    snapshot: row["id"], label: row["label"], createdAt: row["createdAt"],
                    status: CoverageStatus(rawValue: row["status"]) ?? .white, detectionScore: row["detectionScore"],
                    visibilityScore: row["visibilityScore"])
            }
        }
    }

    /// Consistency checks for tests and `vigil history check`: SQLite's own, then every snapshot whole.
    public func check() throws -> [String] {
        try pool.read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            problems += try String.fetchAll(db, sql: "PRAGMA foreign_key_check").map { "foreign key: \($0)" }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.ruleCount, s.techniqueCount, s.logSourceCount,
                        (SELECT count(*) FROM snapshotRule r WHERE r.snapshotId = s.id) AS rules,
                        (SELECT count(*) FROM snapshotTechnique t WHERE t.snapshotId = s.id) AS techniques,
                        (SELECT count(*) FROM snapshotLogSource l WHERE l.snapshotId = s.id) AS sources,
                        (SELECT count(*) FROM snapshotLayer y WHERE y.snapshotId = s.id) AS layers
                    FROM snapshot s
                    """)
            for r in rows {
                let id: Int64 = r["id"]
                if (r["rules"] as Int) != r["ruleCount"] || (r["techniques"] as Int) != r["techniqueCount"]
                    || (r["sources"] as Int) != r["logSourceCount"]
                {
                    problems.append("snapshot #\(id) is incomplete")
                }
                if (r["layers"] as Int) != LayerKind.allCases.count { problems.append("snapshot #\(id) lacks layers") }
            }
            return problems
        }
    }
}
