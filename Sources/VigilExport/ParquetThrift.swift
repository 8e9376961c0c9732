// The Thrift compact protocol, write side only, and the Parquet metadata structures written with it
// (apache/parquet-format parquet.thrift): page headers and the footer's FileMetaData.

/// Writes Thrift compact-protocol structs: field headers carry the id as a delta from the previous field.
struct ThriftCompactWriter {
    var bytes: [UInt8] = []
    private var lastField: [Int16] = [0]

    enum FieldType: UInt8 {
        case boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7, binary = 8, list = 9, set = 10, map = 11
        case structure = 12
    }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func zigzag(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func fieldHeader(_ id: Int16, _ type: FieldType) {
        let delta = id - lastField[lastField.count - 1]
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            zigzag(Int64(id))
        }
        lastField[lastField.count - 1] = id
    }

    mutating func i32(_ id: Int16, _ value: Int32) {
        fieldHeader(id, .i32)
        zigzag(Int64(value))
    }

    mutating func i64(_ id: Int16, _ value: Int64) {
        fieldHeader(id, .i64)
        zigzag(value)
    }

    mutating func binary(_ id: Int16, _ value: String) {
        fieldHeader(id, .binary)
        binaryValue(value)
    }

    mutating func binaryValue(_ value: String) {
        let utf8 = Array(value.utf8)
        varint(UInt64(utf8.count))
        bytes += utf8
    }

    /// A struct field: `body` writes its fields; the field ids inside count from zero again.
    mutating func structure(_ id: Int16, _ body: (inout ThriftCompactWriter) -> Void) {
        fieldHeader(id, .structure)
        structValue(body)
    }

    mutating func structValue(_ body: (inout ThriftCompactWriter) -> Void) {
        lastField.append(0)
        body(&self)
        bytes.append(0)  // stop field
        lastField.removeLast()
    }

    mutating func listHeader(_ id: Int16, _ element: FieldType, count: Int) {
        fieldHeader(id, .list)
        if count < 15 {
            bytes.append(UInt8(count) << 4 | element.rawValue)
        } else {
            bytes.append(0xF0 | element.rawValue)
            varint(UInt64(count))
        }
    }

    /// The top-level struct's stop field.
    mutating func stop() { bytes.append(0) }
}

/// Parquet's enums as parquet.thrift numbers them (only the members Vigil writes).
enum ParquetEnum {
    static let typeByteArray: Int32 = 6
    static let repetitionOptional: Int32 = 1
    static let convertedUTF8: Int32 = 0
    static let encodingPlain: Int32 = 0
    static let encodingRLE: Int32 = 3
    static let pageData: Int32 = 0
}

/// A data page's header (PageHeader with a DataPageHeader, format v1).
struct DataPageHeader {
    var uncompressedSize: Int
    var compressedSize: Int
    var values: Int

    func encoded() -> [UInt8] {
        var w = ThriftCompactWriter()
        w.i32(1, ParquetEnum.pageData)
        w.i32(2, Int32(uncompressedSize))
        w.i32(3, Int32(compressedSize))
        w.structure(5) { h in
            h.i32(1, Int32(values))
            h.i32(2, ParquetEnum.encodingPlain)
            h.i32(3, ParquetEnum.encodingRLE)
            h.i32(4, ParquetEnum.encodingRLE)
        }
        w.stop()
        return w.bytes
    }
}

/// One column chunk's place in the file, for the footer.
struct ColumnChunkMeta {
    var path: [String]
    var codec: Int32
    var values: Int
    var uncompressedSize: Int
    var compressedSize: Int
    var dataPageOffset: Int
}

struct RowGroupMeta {
    var columns: [ColumnChunkMeta]
    var rows: Int
    var fileOffset: Int
}

/// The footer: schema (depth-first, groups with their child counts), rows, row groups and their column chunks.
struct FileMetaData {
    /// (name, children; nil for a leaf): the schema elements after the root, depth first.
    var schema: [(name: String, children: Int?)]
    var rootChildren: Int
    var rows: Int
    var rowGroups: [RowGroupMeta]
    var createdBy: String

    func encoded() -> [UInt8] {
        var w = ThriftCompactWriter()
        w.i32(1, 1)
        w.listHeader(2, .structure, count: schema.count + 1)
        w.structValue { e in
            e.binary(4, "schema")
            e.i32(5, Int32(rootChildren))
        }
        for element in schema {
            w.structValue { e in
                if element.children == nil { e.i32(1, ParquetEnum.typeByteArray) }
                e.i32(3, ParquetEnum.repetitionOptional)
                e.binary(4, element.name)
                if let children = element.children {
                    e.i32(5, Int32(children))
                } else {
                    // Both the old converted type and the logical type: older readers know only the first.
                    e.i32(6, ParquetEnum.convertedUTF8)
                    e.structure(10) { logical in logical.structure(1) { _ in } }
                }
            }
        }
        w.i64(3, Int64(rows))
        w.listHeader(4, .structure, count: rowGroups.count)
        for group in rowGroups {
            w.structValue { g in
                g.listHeader(1, .structure, count: group.columns.count)
                for column in group.columns {
                    g.structValue { c in
                        c.i64(2, Int64(column.dataPageOffset))
                        c.structure(3) { m in
                            m.i32(1, ParquetEnum.typeByteArray)
                            m.listHeader(2, .i32, count: 2)
                            m.zigzag(Int64(ParquetEnum.encodingPlain))
                            m.zigzag(Int64(ParquetEnum.encodingRLE))
                            m.listHeader(3, .binary, count: column.path.count)
                            for segment in column.path { m.binaryValue(segment) }
                            m.i32(4, column.codec)
                            m.i64(5, Int64(column.values))
                            m.i64(6, Int64(column.uncompressedSize))
                            m.i64(7, Int64(column.compressedSize))
                            m.i64(9, Int64(column.dataPageOffset))
                        }
                    }
                }
                g.i64(2, Int64(group.columns.reduce(0) { $0 + $1.uncompressedSize }))
                g.i64(3, Int64(group.rows))
                g.i64(5, Int64(group.fileOffset))
                g.i64(6, Int64(group.columns.reduce(0) { $0 + $1.compressedSize }))
            }
        }
        w.binary(6, createdBy)
        w.stop()
        return w.bytes
    }
}
