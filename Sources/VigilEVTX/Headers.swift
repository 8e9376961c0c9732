// The fixed-layout parts of an EVTX file: the 4 KiB file header and the 512-byte header of each
// 64 KiB chunk (record range, free-space offset, checksums, string and template tables).

/// The file header ("ElfFile\0"), the first 128 bytes of a 4096-byte block.
public struct FileHeader: Sendable, Hashable, Codable {
    public static let blockSize = 4096
    public var firstChunkNumber: UInt64
    public var lastChunkNumber: UInt64
    public var nextRecordID: UInt64
    public var headerSize: UInt32
    public var minorVersion: UInt16
    public var majorVersion: UInt16
    public var headerBlockSize: UInt16
    public var chunkCount: UInt16
    public var flags: UInt32
    public var checksum: UInt32
    /// CRC-32 of the first 120 bytes, as computed from the file.
    public var computedChecksum: UInt32

    /// The log was not closed cleanly: chunks past `chunkCount` and records past `nextRecordID` may exist.
    public var isDirty: Bool { flags & 0x1 != 0 }
    /// The log reached its maximum size.
    public var isFull: Bool { flags & 0x2 != 0 }
    public var checksumMatches: Bool { checksum == computedChecksum }

    /// Parses the header from the start of a file. `nil` when the magic is wrong or the bytes too short.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> FileHeader? {
        guard bytes.count >= 128, bytes.prefix(8).elementsEqual("ElfFile\0".utf8) else { return nil }
        return FileHeader(
            firstChunkNumber: bytes.le64(8), lastChunkNumber: bytes.le64(16), nextRecordID: bytes.le64(24),
            headerSize: bytes.le32(32), minorVersion: bytes.le16(36), majorVersion: bytes.le16(38),
            headerBlockSize: bytes.le16(40), chunkCount: bytes.le16(42), flags: bytes.le32(120),
            checksum: bytes.le32(124), computedChecksum: CRC32.checksum(bytes.slice(0, 120)))
    }
}

/// The header of one chunk ("ElfChnk\0").
public struct ChunkHeader: Sendable, Hashable, Codable {
    public static let size = 512
    public static let chunkSize = 65536
    public var firstRecordNumber: UInt64
    public var lastRecordNumber: UInt64
    public var firstRecordID: UInt64
    public var lastRecordID: UInt64
    public var headerSize: UInt32
    public var lastRecordOffset: UInt32
    public var freeSpaceOffset: UInt32
    public var dataChecksum: UInt32
    public var flags: UInt32
    public var headerChecksum: UInt32

    /// Checksums are not maintained for this chunk (flag 0x4).
    public var checksumsDisabled: Bool { flags & 0x4 != 0 }
    public var isDirty: Bool { flags & 0x1 != 0 }

    static func parse(_ chunk: UnsafeRawBufferPointer) -> ChunkHeader? {
        guard chunk.count >= size, chunk.prefix(8).elementsEqual("ElfChnk\0".utf8) else { return nil }
        return ChunkHeader(
            firstRecordNumber: chunk.le64(8), lastRecordNumber: chunk.le64(16), firstRecordID: chunk.le64(24),
            lastRecordID: chunk.le64(32), headerSize: chunk.le32(40), lastRecordOffset: chunk.le32(44),
            freeSpaceOffset: chunk.le32(48), dataChecksum: chunk.le32(52), flags: chunk.le32(120),
            headerChecksum: chunk.le32(124))
    }

    /// CRC-32 over bytes 0..<120 and 128..<512 (the checksum field itself excluded).
    static func computeHeaderChecksum(_ chunk: UnsafeRawBufferPointer) -> UInt32 {
        let first = CRC32.checksum(chunk.slice(0, 120))
        return CRC32.checksum(chunk.slice(128, size - 128), continuing: first)
    }
}
