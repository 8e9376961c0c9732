// Hunts kept in the history store: the run (rules, inputs, observed techniques, closest groups) and every detection
// with its event, written as the hunt finds them (memory stays bounded however many there are) and read back page
// by page for `vigil serve`.

import Foundation
import GRDB
import VigilCore
import VigilCoverage

/// A rule of a saved hunt.
public struct HuntRule: Sendable, Codable, Equatable {
    public var id: String?
    public var title: String
    public var level: String
    public var techniques: [String]
    public var tactics: [String]

    public init(id: String?, title: String, level: String, techniques: [String], tactics: [String]) {
        self.id = id
        self.title = title
        self.level = level
        self.techniques = techniques
        self.tactics = tactics
    }
}

/// A saved hunt without its detections.
public struct HuntRecord: Sendable, Codable {
    public var id: Int64
    public var label: String?
    /// ISO 8601, UTC.
    public var createdAt: String
    /// Free text for people: `rules`, `logs`, `selection`.
    public var inputs: [String: String]
    public var rules: [HuntRule]
    public var detections: Int
    public var events: Int
    public var observed: [ObservedTechniques.Technique]
    public var groups: [ObservedTechniques.GroupMatch]

    /// `hunt #id` or `hunt #id label`.
    public var name: String { "hunt #\(id)" + (label.map { " \($0)" } ?? "") }
}

/// One detection of a saved hunt, with its event.
public struct StoredDetection: Sendable, Codable, Equatable {
    /// Position in the hunt, from 1.
    public var seq: Int
    /// Index into the hunt's rules.
    public var rule: Int
    public var level: String
    public var timestamp: String?
    public var computer: String?
    public var channel: String?
    public var eventID: String?
    public var recordID: String?
    public var file: String
    public var line: Int
    /// The event's fields, in order.
    public var fields: [[String]]

    public init(
        seq: Int = 0, rule: Int, level: String, timestamp: String?, computer: String?, channel: String?, eventID: String?,
        recordID: String?,
        file: String, line: Int, fields: [[String]]
    ) {
        self.seq = seq
        self.rule = rule
        self.level = level
        self.timestamp = timestamp
        self.computer = computer
        self.channel = channel
        self.eventID = eventID
        self.recordID = recordID
        self.file = file
        self.line = line
        self.fields = fields
    }
}

/// Which detections of a hunt to read.
public struct DetectionFilter: Sendable, Equatable {
    public var host: String?
    public var level: String?
    /// Rules of this tactic (shortname).
    public var tactic: String?
    /// Rules mapped to this technique.
    public var technique: String?

    public init(host: String? = nil, level: String? = nil, tactic: String? = nil, technique: String? = nil) {
        self.host = host
        self.level = level
        self.tactic = tactic
        self.technique = technique
    }
}

/// Writes one hunt's detections inside the transaction that records it.
public final class HuntRecorder {
    let db: Database
    let huntID: Int64
    let detection: Statement
    let event: Statement
    public private(set) var count = 0
    /// Events from this size up are kept gzip-compressed.
    static let compressFrom = 1024

    init(db: Database, huntID: Int64) throws {
        self.db = db
        self.huntID = huntID
        detection = try db.makeStatement(
            sql: """
                INSERT INTO huntDetection (huntId, seq, rule, level, timestamp, epoch, computer, channel, eventId, recordId, file, line)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        event = try db.makeStatement(sql: "INSERT INTO huntEvent (huntId, seq, compressed, fields) VALUES (?, ?, ?, ?)")
    }

    /// Records one detection (numbered in the order given); its event's fields go to their own table, so that the
    /// detections stay small to scan.
    public func add(_ d: StoredDetection) throws {
        count += 1
        try detection.execute(arguments: [
            huntID, count, d.rule, d.level, d.timestamp, d.timestamp.flatMap(HuntTimeline.seconds), d.computer, d.channel, d.eventID,
            d.recordID, d.file, d.line,
        ])
        let json = Self.json(d.fields)
        let compressed = json.count >= Self.compressFrom
        try event.execute(arguments: [huntID, count, compressed, Data(compressed ? Gzip.deflate(json, level: 1) : json)])
    }

    /// `[["name","value"],…]` written directly (a hunt writes one per detection).
    static func json(_ fields: [[String]]) -> [UInt8] {
        var out = "["
        out.reserveCapacity(fields.reduce(2) { $0 + $1.reduce(6) { $0 + $1.utf8.count } })
        for (i, pair) in fields.enumerated() {
            if i > 0 { out.append(",") }
            out.append("[")
            for (k, text) in pair.enumerated() {
                if k > 0 { out.append(",") }
                JSONString.appendQuoted(text, to: &out)
            }
            out.append("]")
        }
        out.append("]")
        return Array(out.utf8)
    }
}

enum HuntSchema {
    static let tables = """
        CREATE TABLE hunt (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            label TEXT UNIQUE,
            createdAt TEXT NOT NULL,
            inputs TEXT NOT NULL,
            rules TEXT NOT NULL,
            detections INTEGER NOT NULL,
            events INTEGER NOT NULL,
            observed TEXT NOT NULL,
            groups TEXT NOT NULL
        );
        CREATE TABLE huntDetection (
            huntId INTEGER NOT NULL REFERENCES hunt(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            rule INTEGER NOT NULL,
            level TEXT NOT NULL,
            timestamp TEXT,
            computer TEXT,
            channel TEXT,
            eventId TEXT,
            recordId TEXT,
            file TEXT NOT NULL,
            line INTEGER NOT NULL,
            epoch REAL,
            PRIMARY KEY (huntId, seq)
        ) WITHOUT ROWID;
        CREATE INDEX huntDetection_host ON huntDetection(huntId, computer, seq);
        CREATE TABLE huntEvent (
            huntId INTEGER NOT NULL REFERENCES hunt(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            compressed INTEGER NOT NULL,
            fields BLOB NOT NULL,
            PRIMARY KEY (huntId, seq)
        );
        """
}

extension HistoryStore {
    /// Records a hunt in one transaction: `run` receives a recorder for the detections as they are found and returns
    /// what is known at the end (events read, observed techniques, closest groups). A label already used is an error.
    @discardableResult
    public func recordHunt(
        label: String?, inputs: [String: String], rules: [HuntRule], date: Date = Date(),
        _ run: (HuntRecorder) throws -> (events: Int, observed: [ObservedTechniques.Technique], groups: [ObservedTechniques.GroupMatch])
    ) throws -> HuntRecord {
        if let label { try Self.validate(label: label) }
        return try immediate { db in
            if let label, try Int.fetchOne(db, sql: "SELECT 1 FROM hunt WHERE label = ?", arguments: [label]) != nil {
                throw StoreError.labelTaken(label)
            }
            let createdAt = ISO8601DateFormatter().string(from: date)
            try db.execute(
                sql: """
                    INSERT INTO hunt (label, createdAt, inputs, rules, detections, events, observed, groups)
                    VALUES (?, ?, ?, ?, 0, 0, '[]', '[]')
                    """, arguments: [label, createdAt, JSONText.encode(inputs), JSONText.encode(rules)])
            let id = db.lastInsertedRowID
            let recorder = try HuntRecorder(db: db, huntID: id)
            let end = try run(recorder)
            try db.execute(
                sql: "UPDATE hunt SET detections = ?, events = ?, observed = ?, groups = ? WHERE id = ?",
                arguments: [recorder.count, end.events, JSONText.encode(end.observed), JSONText.encode(end.groups), id])
            return HuntRecord(
                id: id, label: label, createdAt: createdAt, inputs: inputs, rules: rules, detections: recorder.count, events: end.events,
                observed: end.observed, groups: end.groups)
        }
    }

    static func huntRecord(_ row: Row) throws -> HuntRecord {
        HuntRecord(
            id: row["id"], label: row["label"], createdAt: row["createdAt"],
            inputs: try JSONText.decode([String: String].self, row["inputs"]),
            rules: try JSONText.decode([HuntRule].self, row["rules"]), detections: row["detections"], events: row["events"],
            observed: try JSONText.decode([ObservedTechniques.Technique].self, row["observed"]),
            groups: try JSONText.decode([ObservedTechniques.GroupMatch].self, row["groups"]))
    }

    /// Every saved hunt, newest first.
    public func hunts() throws -> [HuntRecord] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM hunt ORDER BY id DESC").map(Self.huntRecord) }
    }

    /// A hunt by id (`3`, `#3`), label or `latest`.
    public func hunt(_ ref: String) throws -> HuntRecord {
        let text = ref.trimmingCharacters(in: .whitespaces)
        let row: Row? = try pool.read { db in
            if text.lowercased() == "latest" { return try Row.fetchOne(db, sql: "SELECT * FROM hunt ORDER BY id DESC LIMIT 1") }
            let digits = text.hasPrefix("#") ? String(text.dropFirst()) : text
            if let id = Int64(digits) { return try Row.fetchOne(db, sql: "SELECT * FROM hunt WHERE id = ?", arguments: [id]) }
            return try Row.fetchOne(db, sql: "SELECT * FROM hunt WHERE label = ?", arguments: [text])
        }
        guard let row else { throw StoreError.unknownSnapshot("hunt \(ref)") }
        return try Self.huntRecord(row)
    }

    /// The SQL condition and arguments for `filter` on a hunt's detections.
    static func condition(_ hunt: HuntRecord, _ filter: DetectionFilter) -> (String, [any DatabaseValueConvertible]) {
        var sql = "huntId = ?"
        var arguments: [any DatabaseValueConvertible] = [hunt.id]
        if let host = filter.host {
            sql += " AND computer = ?"
            arguments.append(host)
        }
        if let level = filter.level {
            sql += " AND level = ?"
            arguments.append(level)
        }
        var rules: [Int]? = nil
        if let tactic = filter.tactic { rules = hunt.rules.indices.filter { hunt.rules[$0].tactics.contains(tactic) } }
        if let technique = filter.technique {
            let matching = hunt.rules.indices.filter { hunt.rules[$0].techniques.contains(technique) }
            rules = rules.map { Array(Set($0).intersection(matching)).sorted() } ?? matching
        }
        if let rules {
            sql += rules.isEmpty ? " AND 0" : " AND rule IN (" + rules.map(String.init).joined(separator: ",") + ")"
        }
        return (sql, arguments)
    }

    static func detection(_ row: Row, fields: [[String]] = []) -> StoredDetection {
        StoredDetection(
            seq: row["seq"], rule: row["rule"], level: row["level"], timestamp: row["timestamp"], computer: row["computer"],
            channel: row["channel"], eventID: row["eventId"], recordID: row["recordId"], file: row["file"], line: row["line"],
            fields: fields)
    }

    /// One page of a hunt's detections in hunt order: those after `after` (a seq), at most `limit`, and how many match.
    public func detections(_ hunt: HuntRecord, filter: DetectionFilter = DetectionFilter(), after: Int = 0, limit: Int = 50) throws
        -> (page: [StoredDetection], total: Int)
    {
        let (sql, arguments) = Self.condition(hunt, filter)
        return try pool.read { db in
            let total =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM huntDetection WHERE \(sql)", arguments: StatementArguments(arguments)) ?? 0
            let page = try Row.fetchAll(
                db, sql: "SELECT * FROM huntDetection WHERE \(sql) AND seq > ? ORDER BY seq LIMIT ?",
                arguments: StatementArguments(arguments + [after, limit])
            ).map { Self.detection($0) }
            return (page, total)
        }
    }

    /// One detection of a hunt, with its event's fields.
    public func detection(_ hunt: HuntRecord, seq: Int) throws -> StoredDetection? {
        try pool.read { db in
            guard
                let row = try Row.fetchOne(db, sql: "SELECT * FROM huntDetection WHERE huntId = ? AND seq = ?", arguments: [hunt.id, seq])
            else { return nil }
            var fields: [[String]] = []
            if let event = try Row.fetchOne(
                db, sql: "SELECT compressed, fields FROM huntEvent WHERE huntId = ? AND seq = ?", arguments: [hunt.id, seq])
            {
                let bytes = try ContentStore.content(id: Int64(seq), compressed: event["compressed"], data: event["fields"])
                do { fields = try JSONDecoder().decode([[String]].self, from: Data(bytes)) } catch {
                    throw StoreError.corrupt("\(hunt.name) detection \(seq): \(error)")
                }
            }
            return Self.detection(row, fields: fields)
        }
    }

    /// Detections per host, level and time bucket (`buckets` equal spans between the first and last time), for the
    /// timeline by host: SQLite groups them, so at most hosts × levels × buckets rows come back however many there are.
    public func timeline(_ hunt: HuntRecord, filter: DetectionFilter = DetectionFilter(), buckets: Int = 60) throws -> HuntTimeline {
        let (sql, arguments) = Self.condition(hunt, filter)
        return try pool.read { db in
            let range = try Row.fetchOne(
                db,
                sql: """
                    SELECT min(epoch) AS start, max(epoch) AS end,
                        (SELECT timestamp FROM huntDetection WHERE \(sql) AND epoch IS NOT NULL ORDER BY epoch LIMIT 1) AS first,
                        (SELECT timestamp FROM huntDetection WHERE \(sql) AND epoch IS NOT NULL ORDER BY epoch DESC LIMIT 1) AS last
                    FROM huntDetection WHERE \(sql) AND epoch IS NOT NULL
                    """, arguments: StatementArguments(arguments + arguments + arguments))
            guard let range, let start = range["start"] as Double?, let end = range["end"] as Double? else {
                return HuntTimeline(first: nil, last: nil, buckets: buckets, cells: [])
            }
            let span = max(end - start, 1)
            let cells = try Row.fetchAll(
                db,
                sql: """
                    SELECT coalesce(computer, '') AS host, level, min(?, CAST((epoch - ?) / ? * ? AS INTEGER)) AS bucket, count(*) AS n
                    FROM huntDetection WHERE \(sql) AND epoch IS NOT NULL GROUP BY host, level, bucket ORDER BY host, bucket, level
                    """, arguments: StatementArguments([buckets - 1, start, span, Double(buckets)] + arguments)
            ).map { HuntTimeline.Cell(host: $0["host"], level: $0["level"], bucket: $0["bucket"], count: $0["n"]) }
            return HuntTimeline(first: range["first"], last: range["last"], buckets: buckets, cells: cells)
        }
    }

    /// Hosts of a hunt with their detections, most first.
    public func hosts(_ hunt: HuntRecord) throws -> [(host: String, detections: Int)] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT computer, count(*) AS n FROM huntDetection WHERE huntId = ? GROUP BY computer ORDER BY n DESC, computer",
                arguments: [hunt.id]
            ).map { (($0["computer"] as String?) ?? "", $0["n"]) }
        }
    }
}

/// Detections of a hunt by host, level and time bucket.
public struct HuntTimeline: Sendable {
    public struct Cell: Sendable {
        public var host: String
        public var level: String
        public var bucket: Int
        public var count: Int
    }

    public var first: String?
    public var last: String?
    public var buckets: Int
    public var cells: [Cell]

    /// Seconds since 1970 of an ISO 8601 time (`2020-10-18T10:56:14.372Z`, or with a space and no zone, read as UTC).
    static func seconds(_ text: String) -> Double? {
        let b = Array(text.utf8)
        guard b.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var fraction = 0.0
        if b.count > 20, b[19] == 0x2E {
            var scale = 0.1
            for c in b[20...] {
                guard c >= 0x30, c <= 0x39 else { break }
                fraction += Double(c - 0x30) * scale
                scale /= 10
            }
        }
        let days = CivilDate.days(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second) + fraction
    }
}
