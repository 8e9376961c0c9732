// Damaged files built from a real one: each must still yield every intact record (byte-identical
// to the undamaged read) plus a diagnostic naming the file, chunk and offset; never a crash or hang.
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilEVTX

/// A three-chunk sample (records 1…140, 141…285, 286…351) and its undamaged read.
struct Pristine {
    static let path = "logs/evtx-attack-samples/Execution/rogue_msi_url_1040_1042.evtx"
    let bytes: [UInt8]
    let records: [EVTXOwnedRecord]

    init() throws {
        bytes = try FileBytes.read(SharedData.path(Pristine.path))
        let (records, diagnostics) = try EVTXFile(bytes: bytes, name: "pristine").records()
        #expect(diagnostics.isEmpty)
        self.records = records
    }

    static func chunkStart(_ index: Int) -> Int { 4096 + index * 65536 }

    func read(_ damaged: [UInt8]) throws -> (records: [EVTXOwnedRecord], diagnostics: [Diagnostic]) {
        try EVTXFile(bytes: damaged, name: "damaged.evtx").records()
    }

    /// Every record read from a damaged copy equals the undamaged record at the same offset.
    func expectIntact(_ damaged: [EVTXOwnedRecord], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let byOffset = Dictionary(uniqueKeysWithValues: records.map { ($0.fileOffset, $0) })
        for record in damaged {
            #expect(byOffset[record.fileOffset] == record, "record \(record.recordID) changed", sourceLocation: sourceLocation)
        }
    }

    func records(inChunk index: Int) -> [EVTXOwnedRecord] { records.filter { $0.chunkIndex == index } }
}

extension Array where Element == UInt8 {
    func le32(_ offset: Int) -> Int {
        Int(self[offset]) | Int(self[offset + 1]) << 8 | Int(self[offset + 2]) << 16 | Int(self[offset + 3]) << 24
    }
    mutating func setLE32(_ offset: Int, _ value: Int) {
        for i in 0..<4 { self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }
}

@Test func truncatedFilesYieldTheCompleteRecords() throws {
    let pristine = try Pristine()
    // Inside the file header: not readable as EVTX at all.
    #expect(throws: Diagnostic.self) { try pristine.read(Array(pristine.bytes[0..<100])) }
    #expect(throws: Diagnostic.self) { try pristine.read(Array(pristine.bytes[0..<2000])) }
    // Header only: no records, no damage.
    let headerOnly = try pristine.read(Array(pristine.bytes[0..<4096]))
    #expect(headerOnly.records.isEmpty && headerOnly.diagnostics.isEmpty)
    // Inside a chunk header, and at several offsets inside chunk data.
    for cut in [4096 + 300, Pristine.chunkStart(1) + 20_000, Pristine.chunkStart(2) + 777, Pristine.chunkStart(2) + 40_001] {
        let (records, diagnostics) = try pristine.read(Array(pristine.bytes[0..<cut]))
        pristine.expectIntact(records)
        let chunk = (cut - 4096) / 65536
        // All records of the chunks before the cut survive, and the cut chunk's complete ones.
        let before = pristine.records.filter { $0.chunkIndex < chunk }
        #expect(Array(records.prefix(before.count)) == before, "cut at \(cut)")
        let complete = pristine.records(inChunk: chunk).filter { $0.fileOffset + 400 < cut }.count
        #expect(records.count >= before.count + complete - 1, "cut at \(cut): \(records.count) records")
        #expect(diagnostics.contains { $0.code == "evtx-truncated" && $0.location.item == "chunk \(chunk)" }, "cut at \(cut)")
        #expect(diagnostics.allSatisfy { $0.location.file == "damaged.evtx" && $0.location.offset != nil })
    }
}

@Test func flippedChunkHeaderBytesAreReported() throws {
    let pristine = try Pristine()
    // A byte inside the header's checked range: the header checksum no longer matches; the records are fine.
    var bytes = pristine.bytes
    bytes[Pristine.chunkStart(1) + 60] ^= 0x5A
    var result = try pristine.read(bytes)
    #expect(result.records == pristine.records)
    #expect(result.diagnostics.count == 1)
    #expect(result.diagnostics.first?.code == "evtx-chunk-checksum")
    #expect(result.diagnostics.first?.location.item == "chunk 1")
    #expect(result.diagnostics.first?.location.offset == Pristine.chunkStart(1) + 124)

    // The signature: the chunk is skipped, the others read.
    bytes = pristine.bytes
    bytes[Pristine.chunkStart(1) + 3] ^= 0xFF
    result = try pristine.read(bytes)
    pristine.expectIntact(result.records)
    #expect(result.records == pristine.records.filter { $0.chunkIndex != 1 })
    #expect(result.diagnostics.map(\.code) == ["evtx-chunk-header"])
    #expect(result.diagnostics.first?.location.item == "chunk 1")

    // The free-space offset pointing past the chunk: records still read up to the chunk's end.
    bytes = pristine.bytes
    bytes.setLE32(Pristine.chunkStart(2) + 48, 0x7FFF_FFFF)
    result = try pristine.read(bytes)
    #expect(result.records == pristine.records)
    #expect(!result.diagnostics.isEmpty && result.diagnostics.allSatisfy { $0.location.item == "chunk 2" })
}

@Test func aDamagedTemplateLosesOnlyTheRecordsThatUseIt() throws {
    let pristine = try Pristine()
    var bytes = pristine.bytes
    // The first record of chunk 0 starts with a template instance whose definition follows inline.
    let binxml = Pristine.chunkStart(0) + 512 + 24
    #expect(bytes[binxml] == 0x0F && bytes[binxml + 4] == 0x0C)
    let definition = bytes.le32(binxml + 4 + 6)
    // Its first token becomes invalid.
    bytes[Pristine.chunkStart(0) + definition + 24] = 0xFF
    let (records, diagnostics) = try pristine.read(bytes)
    pristine.expectIntact(records)
    #expect(records.count < pristine.records.count)
    #expect(records.filter { $0.chunkIndex != 0 } == pristine.records.filter { $0.chunkIndex != 0 })
    let recordErrors = diagnostics.filter { $0.code == "evtx-record" }
    #expect(recordErrors.count == pristine.records.count - records.count)
    #expect(recordErrors.allSatisfy { $0.location.item?.hasPrefix("chunk 0 record ") == true })
    #expect(diagnostics.contains { $0.code == "evtx-chunk-checksum" })
}

@Test func aDamagedStringTableEntryIsReported() throws {
    let pristine = try Pristine()
    var bytes = pristine.bytes
    let chunk = Pristine.chunkStart(1)
    // The first used bucket of the chunk's string table points at a name entry:
    // next offset (4), hash (2), length (2), UTF-16 characters. Make its first character an
    // unpaired surrogate, which no name may contain.
    let bucket = (0..<64).map { bytes.le32(chunk + 128 + 4 * $0) }.first { $0 != 0 }!
    bytes[chunk + bucket + 8] = 0x00
    bytes[chunk + bucket + 9] = 0xD8
    let (records, diagnostics) = try pristine.read(bytes)
    pristine.expectIntact(records)
    #expect(records.filter { $0.chunkIndex != 1 } == pristine.records.filter { $0.chunkIndex != 1 })
    #expect(records.count < pristine.records.count)
    #expect(diagnostics.contains { $0.code == "evtx-record" && $0.location.item?.hasPrefix("chunk 1 ") == true })
    #expect(diagnostics.contains { $0.code == "evtx-chunk-checksum" && $0.location.item == "chunk 1" })
}

@Test func aRecordSizeOfZeroStopsThatChunkOnly() throws {
    let pristine = try Pristine()
    var bytes = pristine.bytes
    let third = pristine.records(inChunk: 1)[2]
    bytes.setLE32(third.fileOffset + 4, 0)
    let (records, diagnostics) = try pristine.read(bytes)
    pristine.expectIntact(records)
    let expected = pristine.records.filter { $0.chunkIndex != 1 || $0.fileOffset < third.fileOffset }
    #expect(records == expected)
    #expect(diagnostics.contains { $0.code == "evtx-record-header" && $0.location.offset == third.fileOffset + 4 })
}

@Test func substitutionSizesOfZeroDoNotHang() throws {
    let pristine = try Pristine()
    var bytes = pristine.bytes
    // Zero every substitution descriptor size of chunk 0's first record.
    let binxml = Pristine.chunkStart(0) + 512 + 24
    var pos = binxml + 14
    let definition = bytes.le32(binxml + 4 + 6)
    if pos - Pristine.chunkStart(0) == definition { pos += 24 + bytes.le32(pos + 20) }
    let count = bytes.le32(pos)
    for i in 0..<count {
        bytes[pos + 4 + 4 * i] = 0
        bytes[pos + 5 + 4 * i] = 0
    }
    let (records, diagnostics) = try pristine.read(bytes)
    #expect(records.count >= pristine.records.count - 1)
    #expect(!diagnostics.isEmpty)
}

@Test func randomByteFlipsNeverCrash() throws {
    let pristine = try Pristine()
    var generator = SplitMix64(seed: 0x5EED)
    for _ in 0..<200 {
        var bytes = Array(pristine.bytes[0..<(4096 + 3 * 65536)])
        for _ in 0..<1 + Int(generator.next() % 16) {
            let at = 4096 + Int(generator.next() % UInt64(3 * 65536))
            bytes[at] = UInt8(truncatingIfNeeded: generator.next())
        }
        let (records, _) = try pristine.read(bytes)
        #expect(records.count <= pristine.records.count + 10)
    }
}
