// How a snapshot lies in the store (schema 2): one `snapshot` row with the summary and the ids of its blobs,
// and one `snapshotLayer` row per Navigator layer. Rules, technique assessments, layer entries, the inventory
// and the gap plan are blobs shared with every other snapshot that holds the same bytes (see ContentStore), so
// a day's snapshot costs what changed that day. Reading gives back exactly the values that were saved.

import Foundation
import GRDB
import VigilCore
import VigilCoverage

/// What `saveUnlessStored` did.
public enum SaveOutcome: Sendable, Equatable {
    case saved(SnapshotSummary)
    /// The store holds this very snapshot already (same content, whatever its label): nothing was recorded.
    case alreadyStored(SnapshotSummary)

    public var summary: SnapshotSummary {
        switch self {
        case .saved(let s), .alreadyStored(let s): s
        }
    }
}

/// How stored techniques name their rules. In a snapshot a technique's rule lists are indices into the
/// snapshot's rules; stored so, one rule added near the top would renumber, and so change, every technique
/// after it. Stored by the rules' blob ids they change only when the technique's own rules do. A rule's name is
/// its blob id, with the number of identical rules before it in the snapshot (repositories do hold the odd file
/// twice) in the bits above the id. When a name cannot be made (ids or repeats out of range) or an index is out
/// of range, the indices are kept as they are.
enum RuleReferences: String {
    case blob, position

    static let idBits: Int64 = 48

    /// Each rule's name, in the snapshot's order; nil when one cannot be made.
    static func names(_ ruleIDs: [Int64]) -> [Int64]? {
        var seen: [Int64: Int64] = [:]
        var names: [Int64] = []
        names.reserveCapacity(ruleIDs.count)
        for id in ruleIDs {
            guard id >= 0, id < 1 << idBits else { return nil }
            let repeats = seen[id, default: 0]
            guard repeats < 1 << 14 else { return nil }
            seen[id] = repeats + 1
            names.append(repeats << idBits | id)
        }
        return names
    }

    static func choose(names: [Int64]?, techniques: [TechniqueCoverage]) -> RuleReferences {
        guard let names else { return .position }
        let inRange = techniques.allSatisfy { t in
            (t.detectingRules + t.blindRules + t.weakRules + (t.validation.map { $0.evidence.map(\.rule) + $0.expected } ?? []))
                .allSatisfy { $0 >= 0 && $0 < names.count }
        }
        return inRange ? .blob : .position
    }

    func stored(_ t: TechniqueCoverage, names: [Int64]?) -> TechniqueCoverage {
        guard self == .blob, let names else { return t }
        var s = t
        s.detectingRules = t.detectingRules.map { Int(names[$0]) }
        s.blindRules = t.blindRules.map { Int(names[$0]) }
        s.weakRules = t.weakRules.map { Int(names[$0]) }
        s.validation = t.validation.map { v in
            var v = v
            for k in v.evidence.indices { v.evidence[k].rule = Int(names[v.evidence[k].rule]) }
            v.expected = v.expected.map { Int(names[$0]) }
            return v
        }
        return s
    }

    func restored(_ t: TechniqueCoverage, positions: [Int64: Int]) -> TechniqueCoverage? {
        guard self == .blob else { return t }
        var r = t
        for path in [\TechniqueCoverage.detectingRules, \.blindRules, \.weakRules] {
            var indices: [Int] = []
            indices.reserveCapacity(t[keyPath: path].count)
            for name in t[keyPath: path] {
                guard let i = positions[Int64(name)] else { return nil }
                indices.append(i)
            }
            r[keyPath: path] = indices
        }
        if var v = t.validation {
            for k in v.evidence.indices {
                guard let i = positions[Int64(v.evidence[k].rule)] else { return nil }
                v.evidence[k].rule = i
            }
            var expected: [Int] = []
            for name in v.expected {
                guard let i = positions[Int64(name)] else { return nil }
                expected.append(i)
            }
            v.expected = expected
            r.validation = v
        }
        return r
    }
}

enum SnapshotStorage {
    static let summaryColumns =
        summaryColumnsV1 + ", (SELECT counts FROM snapshotValidation WHERE snapshotValidation.snapshotId = snapshot.id) AS validation"
    /// The summary as schema 1 kept it (read once, by the migration to schema 2).
    static let summaryColumnsV1 = """
        id, label, createdAt, attackDomain, attackVersion, inventoryName, threshold, actors, inputs, greenPercent,
        green, yellow, red, white, ruleCount, techniqueCount, logSourceCount, tactics
        """

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Technique ids in the order SQLite's BINARY collation gives (the order snapshots were always read in).
    static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    // MARK: Writing

    /// Writes `snapshot` (its blobs, then its rows) inside the caller's transaction. `id` keeps an id (migration);
    /// `unlessStored` returns the snapshot already stored with the same content instead of recording a second one.
    static func write(_ snapshot: Snapshot, _ db: Database, id: Int64? = nil, unlessStored: Bool = false) throws -> SaveOutcome {
        let blobs = ContentStore(db: db)
        let encoder = encoder()
        func json<T: Encodable>(_ value: T) throws -> [UInt8] { Array(try encoder.encode(value)) }

        let ruleIDs = try snapshot.rules.map { try blobs.put(json($0), .rule) }
        let rulesID = try blobs.put(ids: ruleIDs)
        let names = RuleReferences.names(ruleIDs)
        let refs = RuleReferences.choose(names: names, techniques: snapshot.techniques)
        let techniques = snapshot.techniques.sorted { byteOrder($0.id, $1.id) }
        for (a, b) in zip(techniques, techniques.dropFirst()) where a.id == b.id {
            throw StoreError.invalidSnapshot("technique \(a.id) is listed twice")
        }
        let techniqueIDsID = try blobs.put(json(techniques.map(\.id)), .techniqueIDs)
        let techniquesID = try blobs.put(ids: techniques.map { try blobs.put(json(refs.stored($0, names: names)), .technique) })
        let logSourcesID = try blobs.put(json(snapshot.logSources), .logSources)
        let planID = try snapshot.plan.map { try blobs.put(json($0), .plan) }
        var layers: [(kind: String, frame: Int64, entriesAt: Int?, entries: Int64?)] = []
        for (kind, text) in snapshot.layers.sorted(by: { $0.key < $1.key }) {
            if let pieces = LayerPieces(layer: text) {
                let entries = try pieces.entries.map { try blobs.put($0, .layerEntry) }
                layers.append((kind, try blobs.put(pieces.frame, .layerFrame), pieces.entriesAt, try blobs.put(ids: entries)))
            } else {
                layers.append((kind, try blobs.put(text, .layerFrame), nil, nil))
            }
        }

        var s = snapshot.summary
        s.ruleCount = snapshot.rules.count
        s.techniqueCount = snapshot.techniques.count
        s.logSourceCount = snapshot.logSources.count
        // Same content, same identity: the summary without id and label, and the blobs (ids name content in this file).
        var content = s
        content.id = 0
        content.label = nil
        var identityText = JSONText.encode(content)
        identityText += "\n\(refs.rawValue) \(rulesID) \(techniqueIDsID) \(techniquesID) \(logSourcesID) \(planID ?? 0)"
        for l in layers { identityText += "\n\(l.kind) \(l.frame) \(l.entriesAt ?? -1) \(l.entries ?? 0)" }
        let identity = Data(SHA256.digest(Array(identityText.utf8)))

        if unlessStored,
            let row = try Row.fetchOne(
                db, sql: "SELECT \(summaryColumns) FROM snapshot WHERE identity = ? ORDER BY id LIMIT 1", arguments: [identity])
        {
            return .alreadyStored(try summary(row))
        }
        if let label = s.label, try Int.fetchOne(db, sql: "SELECT 1 FROM snapshot WHERE label = ?", arguments: [label]) != nil {
            throw StoreError.labelTaken(label)
        }
        try db.execute(
            sql: """
                INSERT INTO snapshot (id, label, createdAt, attackDomain, attackVersion, inventoryName, threshold, actors, inputs,
                    greenPercent, green, yellow, red, white, ruleCount, techniqueCount, logSourceCount, tactics,
                    identity, rules, ruleRefs, techniqueIDs, techniques, logSources, plan)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, s.label, s.createdAt, s.attackDomain, s.attackVersion, s.inventoryName, s.threshold, JSONText.encode(s.actors),
                JSONText.encode(s.inputs), s.greenPercent, s.counts.green, s.counts.yellow, s.counts.red, s.counts.white,
                s.ruleCount, s.techniqueCount, s.logSourceCount, JSONText.encode(s.tactics),
                identity, rulesID, refs.rawValue, techniqueIDsID, techniquesID, logSourcesID, planID,
            ])
        s.id = db.lastInsertedRowID
        if let validation = s.validation {
            try db.execute(
                sql: "INSERT INTO snapshotValidation (snapshotId, counts) VALUES (?, ?)", arguments: [s.id, JSONText.encode(validation)])
        }
        let layer = try db.makeStatement(
            sql: "INSERT INTO snapshotLayer (snapshotId, kind, frame, entriesAt, entries) VALUES (?, ?, ?, ?, ?)")
        for l in layers { try layer.execute(arguments: [s.id, l.kind, l.frame, l.entriesAt, l.entries]) }
        return .saved(s)
    }

    // MARK: Reading

    static func summary(_ row: Row) throws -> SnapshotSummary {
        try summary(
            row, actors: JSONText.decode([String].self, row["actors"]), inputs: JSONText.decode([String: String].self, row["inputs"]),
            tactics: JSONText.decode([TacticCounts].self, row["tactics"]))
    }

    /// A summary from its row, with the JSON columns already decoded (`summaries` decodes them in bulk).
    static func summary(_ row: Row, actors: [String], inputs: [String: String], tactics: [TacticCounts]) throws -> SnapshotSummary {
        var counts = StatusCounts()
        counts.green = row["green"]
        counts.yellow = row["yellow"]
        counts.red = row["red"]
        counts.white = row["white"]
        return SnapshotSummary(
            id: row["id"], label: row["label"], createdAt: row["createdAt"], attackDomain: row["attackDomain"],
            attackVersion: row["attackVersion"], inventoryName: row["inventoryName"], threshold: row["threshold"], actors: actors,
            inputs: inputs, greenPercent: row["greenPercent"], counts: counts, ruleCount: row["ruleCount"],
            techniqueCount: row["techniqueCount"], logSourceCount: row["logSourceCount"], tactics: tactics,
            validation: try (row["validation"] as String?).map { try JSONText.decode(ValidationCounts.self, $0) })
    }

    /// Decodes blobs holding one JSON value each, a decoder pass over `[` b1 `,` b2 … `]` per chunk, the chunks
    /// of a large set on all cores (a cold snapshot has thousands of rules to decode).
    static func decode<T: Decodable & Sendable>(_ type: T.Type, _ pieces: [[UInt8]]) throws -> [T] {
        let bytes = pieces.reduce(0) { $0 + $1.count }
        let chunks = min(ProcessInfo.processInfo.activeProcessorCount, bytes / 262_144, pieces.count)
        if chunks <= 1 { return try decodeArray(T.self, pieces[...]) }
        let size = (pieces.count + chunks - 1) / chunks
        let results = Slots<Result<[T], Error>>(chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { i in
            results[i] = Result { try decodeArray(T.self, pieces[i * size..<min((i + 1) * size, pieces.count)]) }
        }
        return try (0..<chunks).flatMap { try results[$0]!.get() }
    }

    static func decodeArray<T: Decodable>(_ type: T.Type, _ pieces: ArraySlice<[UInt8]>) throws -> [T] {
        var text: [UInt8] = [0x5B]
        text.reserveCapacity(pieces.reduce(2 + pieces.count) { $0 + $1.count })
        for (i, piece) in pieces.enumerated() {
            if i > 0 { text.append(0x2C) }
            text.append(contentsOf: piece)
        }
        text.append(0x5D)
        return try JSONDecoder().decode([T].self, from: Data(text))
    }

    /// Summaries of `rows`: their JSON columns decoded a column at a time (one decoder pass each, not three per row).
    static func summaries(_ rows: [Row]) throws -> [SnapshotSummary] {
        func column<T: Decodable & Sendable>(_ type: T.Type, _ name: String) throws -> [T] {
            try decode(T.self, rows.map { Array(($0[name] as String).utf8) })
        }
        let actors = try column([String].self, "actors")
        let inputs = try column([String: String].self, "inputs")
        let tactics = try column([TacticCounts].self, "tactics")
        return try rows.indices.map { i in try summary(rows[i], actors: actors[i], inputs: inputs[i], tactics: tactics[i]) }
    }

    static func read(_ id: Int64, _ db: Database, cache: DecodedBlobs) throws -> Snapshot {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT \(summaryColumns), rules, ruleRefs, techniqueIDs, techniques, logSources, plan FROM snapshot WHERE id = ?",
                arguments: [id])
        else { throw StoreError.unknownSnapshot("#\(id)") }
        let blobs = ContentStore(db: db)
        func corrupt(_ error: Error) -> Error {
            error is StoreError ? error : StoreError.corrupt("snapshot #\(id): \(error)")
        }
        do {
            let summary = try summary(row)
            let rulesID: Int64 = row["rules"]
            let ruleIDs = try blobs.ids(rulesID)
            let rules = try cache.rules.values(list: rulesID, ruleIDs) { try decode(StoredRule.self, blobs.get($0)) }
            guard let refs = RuleReferences(rawValue: row["ruleRefs"]) else { throw StoreError.corrupt("snapshot #\(id): rule references") }
            let techniquesID: Int64 = row["techniques"]
            let stored = try cache.techniques.values(list: techniquesID, try blobs.ids(techniquesID)) {
                try decode(TechniqueCoverage.self, blobs.get($0))
            }
            var positions: [Int64: Int] = [:]
            if refs == .blob {
                guard let names = RuleReferences.names(ruleIDs) else { throw StoreError.corrupt("snapshot #\(id): rule references") }
                positions.reserveCapacity(names.count)
                for (i, name) in names.enumerated() { positions[name] = i }
            }
            let techniques = try stored.map { t in
                guard let r = refs.restored(t, positions: positions) else {
                    throw StoreError.corrupt("snapshot #\(id): technique \(t.id) names a rule the snapshot lacks")
                }
                return r
            }
            let sources = try JSONDecoder().decode([StoredLogSource].self, from: Data(blobs.get(row["logSources"] as Int64)))
            let plan = try (row["plan"] as Int64?).map { try JSONDecoder().decode(GapPlan.self, from: Data(blobs.get($0))) }
            var layers: [String: String] = [:]
            for l in try Row.fetchAll(
                db, sql: "SELECT kind, frame, entriesAt, entries FROM snapshotLayer WHERE snapshotId = ?", arguments: [id])
            {
                layers[l["kind"]] = try layerText(l, blobs, cache)
            }
            if rules.count != summary.ruleCount || techniques.count != summary.techniqueCount || sources.count != summary.logSourceCount {
                throw StoreError.corrupt("snapshot #\(id) is incomplete")
            }
            return Snapshot(summary: summary, techniques: techniques, rules: rules, logSources: sources, plan: plan, layers: layers)
        } catch {
            throw corrupt(error)
        }
    }

    /// A `snapshotLayer` row's text: its frame, with its entries put back when it was cut.
    static func layerText(_ row: Row, _ blobs: ContentStore, _ cache: DecodedBlobs) throws -> String {
        let frame = try blobs.get(row["frame"] as Int64)
        guard let entriesID = row["entries"] as Int64?, let at = row["entriesAt"] as Int?, at >= 0, at <= frame.count else {
            return String(decoding: frame, as: UTF8.self)
        }
        let entries = try cache.layerEntries.values(list: entriesID, try blobs.ids(entriesID)) { try blobs.get($0) }
        return LayerPieces(frame: frame, entriesAt: at, entries: entries).text
    }

    /// The technique's status and scores in every snapshot that assessed it, oldest first.
    static func history(_ technique: String, _ db: Database, cache: DecodedBlobs) throws -> [TechniqueHistoryPoint] {
        let wanted = technique.uppercased()
        let blobs = ContentStore(db: db)
        var points: [TechniqueHistoryPoint] = []
        for row in try Row.fetchAll(db, sql: "SELECT id, label, createdAt, techniqueIDs, techniques FROM snapshot ORDER BY id") {
            let id: Int64 = row["id"]
            let index = try cache.techniqueIndex(row["techniqueIDs"]) { blob in
                let ids = try JSONDecoder().decode([String].self, from: Data(blobs.get(blob)))
                return Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            }
            guard let position = index[wanted] else { continue }
            let coverage = try blobs.ids(row["techniques"])
            guard position < coverage.count else { throw StoreError.corrupt("snapshot #\(id) is incomplete") }
            let scores = try cache.scores(coverage[position]) { blob in
                let t = try JSONDecoder().decode(TechniqueCoverage.self, from: Data(blobs.get(blob)))
                return DecodedBlobs.Scores(status: t.status, detectionScore: t.detectionScore, visibilityScore: t.visibility?.score ?? 0)
            }
            points.append(
                TechniqueHistoryPoint(
                    snapshot: id, label: row["label"], createdAt: row["createdAt"], status: scores.status,
                    detectionScore: scores.detectionScore, visibilityScore: scores.visibilityScore))
        }
        return points
    }
}

/// Decoded blobs kept between reads, by blob id (ids never change meaning, see ContentStore). Two snapshots a day
/// apart share nearly all their rules, techniques and layer entries, so a diff, or the page after, decodes only
/// what changed.
final class DecodedBlobs: Sendable {
    struct Scores: Sendable {
        var status: CoverageStatus
        var detectionScore: Int
        var visibilityScore: Int
    }

    // The last eight snapshots read: the pages a user flips between. Values are shared between lists, so each list
    // costs its dictionary, not its rules again.
    let rules = RecentlyDecoded<StoredRule>(keep: 8)
    let techniques = RecentlyDecoded<TechniqueCoverage>(keep: 8)
    /// Six layers a snapshot.
    let layerEntries = RecentlyDecoded<[UInt8]>(keep: 48)
    private let small = SmallCaches()

    /// Technique id → position, per technique-ids blob (a handful per store: they change with ATT&CK or the scope).
    func techniqueIndex(_ blob: Int64, _ load: (Int64) throws -> [String: Int]) rethrows -> [String: Int] {
        if let found = small.withLock({ $0.index[blob] }) { return found }
        let index = try load(blob)
        small.withLock { caches in
            if caches.index.count >= 64 { caches.index.removeAll() }
            caches.index[blob] = index
        }
        return index
    }

    func scores(_ blob: Int64, _ load: (Int64) throws -> Scores) rethrows -> Scores {
        if let found = small.withLock({ $0.scores[blob] }) { return found }
        let scores = try load(blob)
        small.withLock { caches in
            if caches.scores.count >= 100_000 { caches.scores.removeAll() }
            caches.scores[blob] = scores
        }
        return scores
    }

    final class SmallCaches: @unchecked Sendable {
        struct State {
            var index: [Int64: [String: Int]] = [:]
            var scores: [Int64: Scores] = [:]
        }
        private let lock = Lock()
        private var state = State()

        func withLock<T>(_ body: (inout State) -> T) -> T {
            lock.withLock { body(&state) }
        }
    }
}

/// One result per slot, filled from concurrent work (each slot written once, by one task).
final class Slots<Value>: @unchecked Sendable {
    private var values: [Value?]
    private let lock = Lock()

    init(_ count: Int) { values = Array(repeating: nil, count: count) }

    subscript(i: Int) -> Value? {
        get { lock.withLock { values[i] } }
        set { lock.withLock { values[i] = newValue } }
    }
}

/// The values of the last `keep` lists read, by blob id; a list read again moves to the front.
final class RecentlyDecoded<Value: Sendable>: @unchecked Sendable {
    private let lock = Lock()
    /// Guarded by `lock`; oldest first.
    private var lists: [(list: Int64, values: [Int64: Value])] = []
    private let keep: Int

    init(keep: Int) { self.keep = keep }

    /// The values of `ids` (the content of list blob `list`), decoding with `decode` only the ids no recent list had.
    func values(list: Int64, _ ids: [Int64], decode: ([Int64]) throws -> [Value]) throws -> [Value] {
        var found: [Int64: Value] = [:]
        found.reserveCapacity(ids.count)
        lock.withLock {
            if let i = lists.firstIndex(where: { $0.list == list }) {
                found = lists[i].values
            } else {
                for recent in lists.reversed() {
                    for id in ids where found[id] == nil {
                        if let v = recent.values[id] { found[id] = v }
                    }
                }
            }
        }
        var missing: [Int64] = []
        var asked = Set<Int64>()
        for id in ids where found[id] == nil && asked.insert(id).inserted { missing.append(id) }
        if !missing.isEmpty {
            let decoded = try decode(missing)
            guard decoded.count == missing.count else {
                throw StoreError.corrupt("blobs decoded to \(decoded.count) values, not \(missing.count)")
            }
            for (id, v) in zip(missing, decoded) { found[id] = v }
        }
        let values = try ids.map { id in
            guard let v = found[id] else { throw StoreError.corrupt("blob \(id) is missing") }
            return v
        }
        lock.withLock {
            lists.removeAll { $0.list == list }
            lists.append((list, found))
            if lists.count > keep { lists.removeFirst(lists.count - keep) }
        }
        return values
    }
}
