// The content-addressed half of the store: every distinct rule, technique assessment, layer piece, inventory,
// gap plan and id list is one row of `blob`, keyed by the SHA-256 of its bytes and kept once however many
// snapshots refer to it. Blob ids come from AUTOINCREMENT, so an id names the same bytes for the life of the
// file: lists of ids are as good as lists of hashes, and decoded blobs can be cached by id.

import Foundation
import GRDB
import VigilCore

/// What a blob holds (for `check` and for people reading the database; readers know what they asked for).
enum BlobKind: String, Sendable {
    /// A `StoredRule` (JSON).
    case rule
    /// A `TechniqueCoverage` (JSON) whose rule indices are rule names built on blob ids (see `RuleReferences`).
    case technique
    /// The technique ids of a snapshot, in byte order (JSON array).
    case techniqueIDs = "technique-ids"
    /// A Navigator layer without its technique entries; or a whole layer that could not be split.
    case layerFrame = "layer-frame"
    /// One technique entry of a Navigator layer, as the layer's text had it.
    case layerEntry = "layer-entry"
    /// The inventory's log sources (JSON array of `StoredLogSource`).
    case logSources = "log-sources"
    /// A `GapPlan` (JSON).
    case plan
    /// A list of blob ids (`IDList`).
    case list
}

struct ContentStore {
    let db: Database

    /// Blobs from this size up are stored gzip-compressed when that saves at least an eighth. Smaller ones (most
    /// rules and layer entries) stay as they are: a snapshot reads them by the thousand, and inflating each would
    /// cost more time than the few hundred bytes it saves.
    static let compressFrom = 2048

    /// The id of the blob holding `bytes`, stored now unless a blob with the same SHA-256 is there already.
    func put(_ bytes: [UInt8], _ kind: BlobKind) throws -> Int64 {
        let hash = Data(SHA256.digest(bytes))
        let find = try db.cachedStatement(sql: "SELECT id FROM blob WHERE hash = ?")
        if let id = try Int64.fetchOne(find, arguments: [hash]) { return id }
        var data = bytes
        var compressed = false
        if bytes.count >= Self.compressFrom {
            let deflated = Gzip.deflate(bytes, level: 6)
            if !deflated.isEmpty && deflated.count <= bytes.count - bytes.count / 8 {
                data = deflated
                compressed = true
            }
        }
        try db.cachedStatement(sql: "INSERT INTO blob (hash, kind, size, compressed, data) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [hash, kind.rawValue, bytes.count, compressed, Data(data)])
        return db.lastInsertedRowID
    }

    func put(_ text: String, _ kind: BlobKind) throws -> Int64 { try put(Array(text.utf8), kind) }

    func put(ids: [Int64]) throws -> Int64 { try put(IDList.encode(ids), .list) }

    /// The bytes of one blob.
    func get(_ id: Int64) throws -> [UInt8] {
        let statement = try db.cachedStatement(sql: "SELECT compressed, data FROM blob WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [id]) else {
            throw StoreError.corrupt("blob \(id) is referenced but missing")
        }
        return try Self.content(id: id, compressed: row[0], data: row[1])
    }

    /// The bytes of several blobs, in the order asked: a query per 500 ids rather than one per blob, as a snapshot
    /// reads thousands.
    func get(_ ids: [Int64]) throws -> [[UInt8]] {
        var found: [Int64: [UInt8]] = [:]
        found.reserveCapacity(ids.count)
        let unique = Array(Set(ids))
        for start in stride(from: 0, to: unique.count, by: 500) {
            let batch = unique[start..<min(start + 500, unique.count)]
            let statement = try db.cachedStatement(
                sql: "SELECT id, compressed, data FROM blob WHERE id IN (\(repeatElement("?", count: batch.count).joined(separator: ",")))")
            let rows = try Row.fetchCursor(statement, arguments: StatementArguments(Array(batch)))
            while let row = try rows.next() {
                let id: Int64 = row[0]
                found[id] = try Self.content(id: id, compressed: row[1], data: row.dataNoCopy(atIndex: 2) ?? Data())
            }
        }
        return try ids.map { id in
            guard let bytes = found[id] else { throw StoreError.corrupt("blob \(id) is referenced but missing") }
            return bytes
        }
    }

    func ids(_ id: Int64) throws -> [Int64] {
        guard let ids = IDList.decode(try get(id)) else { throw StoreError.corrupt("blob \(id) is not a list of ids") }
        return ids
    }

    static func content(id: Int64, compressed: Bool, data: Data) throws -> [UInt8] {
        let bytes = [UInt8](data)
        guard compressed else { return bytes }
        do { return try Gzip.inflate(bytes, file: "blob \(id)") } catch { throw StoreError.corrupt("blob \(id): \(error)") }
    }
}

/// A list of blob ids as bytes: each id's difference from the one before, zigzag-encoded as a LEB128 varint.
/// Lists change a little from one snapshot to the next and mostly count up by one, so they stay small.
enum IDList {
    static func encode(_ ids: [Int64]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count * 2)
        var previous: Int64 = 0
        for id in ids {
            let delta = id &- previous
            previous = id
            var v = UInt64(bitPattern: (delta << 1) ^ (delta >> 63))
            while v >= 0x80 {
                out.append(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            out.append(UInt8(v))
        }
        return out
    }

    /// nil when the bytes end in the middle of a number or hold one wider than 64 bits.
    static func decode(_ bytes: [UInt8]) -> [Int64]? {
        var ids: [Int64] = []
        ids.reserveCapacity(bytes.count)
        var previous: Int64 = 0
        var v: UInt64 = 0
        var shift: UInt64 = 0
        for byte in bytes {
            guard shift < 64 else { return nil }
            v |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 != 0 {
                shift += 7
                continue
            }
            let delta = Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
            previous = previous &+ delta
            ids.append(previous)
            v = 0
            shift = 0
        }
        return shift == 0 ? ids : nil
    }
}

/// A Navigator layer's text cut into the part every snapshot shares (the frame) and one piece per technique
/// entry, so that a technique whose coverage did not change keeps its entry blob. Cutting and joining are
/// byte-exact by construction: the pieces are slices of the text, and only a layer whose entries are separated
/// by a bare comma is cut (anything else is kept whole).
struct LayerPieces: Equatable {
    /// The layer's text without its entries.
    var frame: [UInt8]
    /// Where in `frame` the entries go (just inside the `techniques` array).
    var entriesAt: Int
    var entries: [[UInt8]]

    init(frame: [UInt8], entriesAt: Int, entries: [[UInt8]]) {
        self.frame = frame
        self.entriesAt = entriesAt
        self.entries = entries
    }

    /// Cuts a layer's JSON text; nil when the text is not an object with a `techniques` array of objects
    /// separated by single commas.
    init?(layer text: String) {
        let bytes = Array(text.utf8)
        var tape = JSONTape()
        let parsed: Bool = bytes.withUnsafeBytes { buffer in
            do {
                try tape.parseDocument(buffer)
                return true
            } catch { return false }
        }
        guard parsed else { return nil }
        let cut: (at: Int, ranges: [Range<Int>])? = tape.nodes.withUnsafeBufferPointer { nodes in
            bytes.withUnsafeBytes { buffer in
                let view = JSONView(tape: nodes, bytes: buffer)
                guard view.kind(0) == .object, let array = view.member(0, "techniques"), view.kind(array) == .array else { return nil }
                var ranges: [Range<Int>] = []
                var ok = true
                view.forEachElement(array) { i in
                    if view.kind(i) != .object { ok = false }
                    ranges.append(Int(nodes[i].start)..<Int(nodes[i].end))
                }
                guard ok else { return nil }
                return (Int(nodes[array].start) + 1, ranges)
            }
        }
        guard let cut else { return nil }
        guard let first = cut.ranges.first, let last = cut.ranges.last else {
            self.init(frame: bytes, entriesAt: cut.at, entries: [])
            return
        }
        for (a, b) in zip(cut.ranges, cut.ranges.dropFirst()) where !(b.lowerBound == a.upperBound + 1 && bytes[a.upperBound] == 0x2C) {
            return nil
        }
        self.init(
            frame: Array(bytes[..<first.lowerBound] + bytes[last.upperBound...]), entriesAt: first.lowerBound,
            entries: cut.ranges.map { Array(bytes[$0]) })
    }

    /// The layer's text.
    var text: String {
        var out: [UInt8] = []
        out.reserveCapacity(frame.count + entries.reduce(entries.count) { $0 + $1.count })
        out.append(contentsOf: frame[..<entriesAt])
        for (i, entry) in entries.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: entry)
        }
        out.append(contentsOf: frame[entriesAt...])
        return String(decoding: out, as: UTF8.self)
    }
}
