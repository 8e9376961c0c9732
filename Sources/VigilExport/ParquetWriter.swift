// A Parquet file writer for text columns: every leaf an optional UTF-8 string, optional groups above them,
// data pages v1 with PLAIN values and RLE/bit-packed definition levels, uncompressed or gzip. Rows are
// buffered one row group at a time, so memory stays bounded by the row-group limits whatever the input size.
import CZlib
import VigilCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum ParquetCompression: String, Sendable, CaseIterable {
    case none, gzip

    var codec: Int32 { self == .none ? 0 : 2 }
}

/// The columns of a file: leaves (optional strings) under optional groups, built from the leaves' paths.
public struct ParquetSchema: Sendable {
    struct Node: Sendable {
        var name: String
        var children: [Int] = []
        var leaf: Int?
    }

    /// Node 0 is the root; the others in the order their paths were first given.
    var nodes: [Node] = [Node(name: "schema")]
    /// Each leaf's path, in the schema's depth-first order (the order of the column chunks).
    public private(set) var leaves: [[String]] = []
    /// Each leaf's enclosing groups from the outermost (their node indices), for definition levels.
    var ancestors: [[Int]] = []
    var groupCount = 0

    /// `paths` must not hold a path and a prefix of it (a column cannot be both a value and a group); a path
    /// given twice is one column.
    public init(paths: [[String]]) {
        var index: [[String]: Int] = [[]: 0]
        for path in paths where !path.isEmpty {
            var parent = 0
            for depth in 1...path.count {
                let prefix = Array(path[..<depth])
                let last = depth == path.count
                if let existing = index[prefix] {
                    precondition((nodes[existing].leaf != nil) == last, "Parquet column \(path) is both a value and a group")
                    parent = existing
                    continue
                }
                // A placeholder leaf number until the depth-first numbering below.
                nodes.append(Node(name: path[depth - 1], leaf: last ? -1 : nil))
                index[prefix] = nodes.count - 1
                nodes[parent].children.append(nodes.count - 1)
                parent = nodes.count - 1
            }
        }
        // Leaves are numbered depth first: the order of the schema elements and of the column chunks.
        func visit(_ node: Int, _ path: [String], _ groups: [Int]) {
            if nodes[node].leaf != nil {
                nodes[node].leaf = leaves.count
                leaves.append(path)
                ancestors.append(groups)
                return
            }
            for child in nodes[node].children {
                visit(child, path + [nodes[child].name], node == 0 ? groups : groups + [node])
            }
        }
        visit(0, [], [])
        groupCount = nodes.count
    }

    /// The leaf number of a path (nil if the schema has no such column).
    public func leaf(_ path: [String]) -> Int? {
        var node = 0
        for name in path {
            guard let child = nodes[node].children.first(where: { nodes[$0].name == name }) else { return nil }
            node = child
        }
        return nodes[node].leaf
    }

    /// The node index of the group at `path`.
    public func group(_ path: [String]) -> Int? {
        var node = 0
        for name in path {
            guard let child = nodes[node].children.first(where: { nodes[$0].name == name }) else { return nil }
            node = child
        }
        return nodes[node].leaf == nil ? node : nil
    }

    /// Schema elements after the root, depth first: (name, children; nil for a leaf).
    var elements: [(name: String, children: Int?)] {
        var out: [(name: String, children: Int?)] = []
        func visit(_ node: Int) {
            for child in nodes[node].children {
                out.append((nodes[child].name, nodes[child].leaf == nil ? nodes[child].children.count : nil))
                visit(child)
            }
        }
        visit(0)
        return out
    }
}

/// The RLE/bit-packed hybrid encoding (parquet-format Encodings.md) for definition levels.
public enum LevelEncoding {
    /// Bits per level for levels up to `maxLevel`.
    public static func bitWidth(_ maxLevel: Int) -> Int { maxLevel == 0 ? 0 : Int.bitWidth - maxLevel.leadingZeroBitCount }

    /// Appends `levels` encoded: runs of 8 or more equal levels as RLE runs, the rest in bit-packed groups of 8
    /// (the last group padded with zeros; a reader stops at the page's value count).
    public static func encode(_ levels: [UInt8], bitWidth: Int, into out: inout [UInt8]) {
        var packed: [UInt8] = []
        var groups = 0
        func varint(_ value: Int) {
            var v = UInt(value)
            while v >= 0x80 {
                out.append(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            out.append(UInt8(v))
        }
        func flushPacked() {
            guard groups > 0 else { return }
            varint(groups << 1 | 1)
            out += packed
            packed.removeAll(keepingCapacity: true)
            groups = 0
        }
        let n = levels.count
        var i = 0
        while i < n {
            var run = 1
            while i + run < n && levels[i + run] == levels[i] { run += 1 }
            if run >= 8 {
                flushPacked()
                varint(run << 1)
                // The repeated value, little endian, in whole bytes.
                for byte in 0..<(bitWidth + 7) / 8 { out.append(UInt8(truncatingIfNeeded: Int(levels[i]) >> (8 * byte))) }
                i += run
                continue
            }
            // Eight values, least significant bit first, `bitWidth` bytes.
            var accumulator: UInt64 = 0
            for k in 0..<8 where i + k < n { accumulator |= UInt64(levels[i + k]) << UInt64(k * bitWidth) }
            for byte in 0..<bitWidth { packed.append(UInt8(truncatingIfNeeded: accumulator >> UInt64(8 * byte))) }
            groups += 1
            i += 8
        }
        flushPacked()
    }
}

/// Writes a Parquet file row by row: `set` the row's values, `endRow`, and `close` to write the footer.
public final class ParquetWriter {
    public let path: String
    public let schema: ParquetSchema
    let compression: ParquetCompression
    let rowGroupRows: Int
    let rowGroupBytes: Int
    let pageBytes: Int
    let pageRows = 20_000

    private var fd: Int32
    private var offset = 0
    private var columns: [ColumnBuffer]
    private var maxLevels: [UInt8]
    /// Row stamps: a leaf or group was given in the current row when its stamp equals `rows`.
    private var leafStamp: [Int]
    private var groupStamp: [Int]
    private var rows = 0
    private var groupRows = 0
    private var buffered = 0
    private var rowGroups: [RowGroupMeta] = []
    private var deflater: Deflater?

    struct ColumnBuffer {
        var levels: [UInt8] = []
        /// PLAIN byte arrays: 4-byte little-endian length, then the bytes.
        var values: [UInt8] = []
        /// Encoded pages of the current row group (headers and bodies).
        var chunk: [UInt8] = []
        var chunkValues = 0
        var chunkUncompressed = 0
    }

    /// Opens (creates or truncates) `path`. Row groups close at `rowGroupRows` rows or `rowGroupBytes` buffered
    /// bytes, pages at `pageBytes` of values.
    public init(
        path: String, schema: ParquetSchema, compression: ParquetCompression = .gzip, rowGroupRows: Int = 65_536,
        rowGroupBytes: Int = 128 << 20, pageBytes: Int = 1 << 20
    ) throws(Diagnostic) {
        self.path = path
        self.schema = schema
        self.compression = compression
        self.rowGroupRows = rowGroupRows
        self.rowGroupBytes = rowGroupBytes
        self.pageBytes = pageBytes
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw Diagnostic(SourceLocation(file: path), code: "parquet-open", "cannot write: \(String(cString: strerror(errno)))")
        }
        columns = Array(repeating: ColumnBuffer(), count: schema.leaves.count)
        maxLevels = schema.ancestors.map { UInt8($0.count + 1) }
        leafStamp = Array(repeating: -1, count: schema.leaves.count)
        groupStamp = Array(repeating: -1, count: schema.groupCount)
        if compression == .gzip { deflater = Deflater() }
        try writeAll(Array("PAR1".utf8))
    }

    deinit { if fd >= 0 { closeFile(fd) } }

    /// Sets a leaf's value in the current row; its groups become present.
    public func set(_ leaf: Int, _ value: String) {
        var value = value
        value.withUTF8 { set(leaf, bytes: UnsafeRawBufferPointer($0)) }
    }

    public func set(_ leaf: Int, bytes: UnsafeRawBufferPointer) {
        guard leafStamp[leaf] != rows else { return }
        leafStamp[leaf] = rows
        for group in schema.ancestors[leaf] { groupStamp[group] = rows }
        let count = UInt32(bytes.count)
        columns[leaf].levels.append(maxLevels[leaf])
        withUnsafeBytes(of: count.littleEndian) { columns[leaf].values.append(contentsOf: $0) }
        columns[leaf].values.append(contentsOf: bytes)
        buffered += bytes.count + 5
    }

    /// Marks a group present in the current row (an empty object, or a member that is null).
    public func present(group node: Int) { groupStamp[node] = rows }

    /// Ends the row: leaves not set are null at the level of their deepest present group.
    public func endRow() throws(Diagnostic) {
        for leaf in 0..<leafStamp.count where leafStamp[leaf] != rows {
            var level: UInt8 = 0
            for group in schema.ancestors[leaf] {
                guard groupStamp[group] == rows else { break }
                level += 1
            }
            columns[leaf].levels.append(level)
            buffered += 1
        }
        rows += 1
        groupRows += 1
        for leaf in columns.indices where columns[leaf].values.count >= pageBytes || columns[leaf].levels.count >= pageRows {
            closePage(leaf)
        }
        if groupRows >= rowGroupRows || buffered >= rowGroupBytes { try flushRowGroup() }
    }

    /// Writes the last row group and the footer, and closes the file.
    public func close() throws(Diagnostic) {
        if groupRows > 0 { try flushRowGroup() }
        let meta = FileMetaData(
            schema: schema.elements, rootChildren: schema.nodes[0].children.count, rows: rows, rowGroups: rowGroups,
            createdBy: "vigil export")
        let footer = meta.encoded()
        let length = UInt32(footer.count).littleEndian
        try writeAll(footer + withUnsafeBytes(of: length) { Array($0) } + Array("PAR1".utf8))
        let status = closeFile(fd)
        fd = -1
        if status != 0 {
            throw Diagnostic(SourceLocation(file: path), code: "parquet-write", "cannot close: \(String(cString: strerror(errno)))")
        }
    }

    public var rowCount: Int { rows }

    private func closePage(_ leaf: Int) {
        let count = columns[leaf].levels.count
        guard count > 0 else { return }
        var body: [UInt8] = [0, 0, 0, 0]
        LevelEncoding.encode(columns[leaf].levels, bitWidth: LevelEncoding.bitWidth(Int(maxLevels[leaf])), into: &body)
        let levelBytes = UInt32(body.count - 4).littleEndian
        withUnsafeBytes(of: levelBytes) { for k in 0..<4 { body[k] = $0[k] } }
        body += columns[leaf].values
        let stored = deflater?.compress(body) ?? body
        let header = DataPageHeader(uncompressedSize: body.count, compressedSize: stored.count, values: count).encoded()
        buffered += header.count + stored.count - columns[leaf].values.count - count
        columns[leaf].chunk += header
        columns[leaf].chunk += stored
        columns[leaf].chunkValues += count
        columns[leaf].chunkUncompressed += header.count + body.count
        columns[leaf].levels.removeAll(keepingCapacity: true)
        columns[leaf].values.removeAll(keepingCapacity: true)
    }

    private func flushRowGroup() throws(Diagnostic) {
        let start = offset
        var metas: [ColumnChunkMeta] = []
        for leaf in columns.indices {
            closePage(leaf)
            metas.append(
                ColumnChunkMeta(
                    path: schema.leaves[leaf], codec: compression.codec, values: columns[leaf].chunkValues,
                    uncompressedSize: columns[leaf].chunkUncompressed, compressedSize: columns[leaf].chunk.count, dataPageOffset: offset))
            try writeAll(columns[leaf].chunk)
            // A row group can be large: give its memory back rather than keep the largest one's capacity.
            columns[leaf] = ColumnBuffer()
        }
        rowGroups.append(RowGroupMeta(columns: metas, rows: groupRows, fileOffset: start))
        groupRows = 0
        buffered = 0
    }

    private func writeAll(_ bytes: [UInt8]) throws(Diagnostic) {
        if let failure = bytes.withUnsafeBytes({ WriteAll.bytes($0, to: fd) }) {
            throw Diagnostic(
                SourceLocation(file: path, offset: offset), code: "parquet-write", "cannot write: \(WriteAll.message(failure))")
        }
        offset += bytes.count
    }
}

/// `close(2)`, under a name the writer's own `close()` does not hide.
@discardableResult private func closeFile(_ fd: Int32) -> Int32 { close(fd) }

/// gzip (RFC 1952 framing, as Parquet's GZIP codec expects) with one zlib stream reused for every page.
final class Deflater {
    private var z = z_stream()

    init() {
        // 15 + 16: a gzip header and trailer; level 6, zlib's default trade of speed for size.
        _ = deflateInit2_(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    }

    deinit { deflateEnd(&z) }

    func compress(_ input: [UInt8]) -> [UInt8] {
        deflateReset(&z)
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&z, UInt(input.count))) + 64)
        let produced = input.withUnsafeBytes { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                z.next_in = UnsafeMutablePointer(mutating: inBuf.bindMemory(to: UInt8.self).baseAddress)
                z.avail_in = UInt32(inBuf.count)
                z.next_out = outBuf.baseAddress
                z.avail_out = UInt32(outBuf.count)
                _ = deflate(&z, Z_FINISH)
                return outBuf.count - Int(z.avail_out)
            }
        }
        out.removeSubrange(produced...)
        return out
    }
}
