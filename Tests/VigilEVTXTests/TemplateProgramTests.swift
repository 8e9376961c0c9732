// The fast paths against the slow ones they replace: records rendered from template programs
// against the expanded tree (itself checked against the reference parser in RealDataTests), and
// folded CRC-32 against a bit-at-a-time CRC written here.
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilEVTX

/// Every chunk of `file` decoded by a decoder with template programs and one without: outputs,
/// record entries and diagnostics must agree. Returns (records, records rendered from programs).
func compareProgramsWithTree(_ file: EVTXFile, format: RecordFormat) -> (records: Int, fromPrograms: Int) {
    var compiled = ChunkDecoder()
    var tree = ChunkDecoder()
    tree.usesPrograms = false
    // Programs dropped after every chunk (as when the cache outgrows its limits) are recorded anew.
    var forgetful = ChunkDecoder()
    var records = 0
    for index in 0..<file.chunkCount {
        let a = file.decodeChunk(index, with: &compiled, format: format)
        let b = file.decodeChunk(index, with: &tree, format: format)
        let c = file.decodeChunk(index, with: &forgetful, format: format)
        forgetful.programs.removeAll()
        #expect(c.output == b.output, "\(file.path) chunk \(index) \(format), programs dropped")
        records += b.records.count
        #expect(a.output == b.output, "\(file.path) chunk \(index) \(format)")
        #expect(a.records.map(\.start) == b.records.map(\.start), "\(file.path) chunk \(index)")
        #expect(a.records.map(\.end) == b.records.map(\.end), "\(file.path) chunk \(index)")
        #expect(a.records.map(\.recordID) == b.records.map(\.recordID), "\(file.path) chunk \(index)")
        #expect(a.diagnostics.map(\.description) == b.diagnostics.map(\.description), "\(file.path) chunk \(index)")
    }
    #expect(tree.programRuns == 0)
    return (records, compiled.programRuns)
}

@Test(arguments: [RecordFormat.json, .xml])
func templateProgramsRenderEverySharedRecordAsTheTreeDoes(format: RecordFormat) throws {
    let files = try evtxFiles(under: "logs/sigma-regression") + evtxFiles(under: "logs/evtx-attack-samples")
    #expect(files.count >= 378, "the 101 SigmaHQ regression samples and the 277 ATT&CK samples")
    var records = 0
    var fromPrograms = 0
    for path in files {
        let (n, p) = compareProgramsWithTree(try EVTXFile(path: path), format: format)
        records += n
        fromPrograms += p
    }
    // The manifest's 8255 ATT&CK records and the README's 118 regression events.
    #expect(records == 8255 + 118)
    // Records of a shape seen before in the same file come from programs: most of them.
    #expect(fromPrograms > records / 2, "\(fromPrograms) of \(records) records from programs")
}

@Test func templateProgramsAgreeWithTheTreeOnDamagedChunks() throws {
    // Every 97th byte of the record area flipped in turn: damaged records, templates and values
    // must give the same output and diagnostics either way (errors come from the tree path).
    let pristine = try FileBytes.read(SharedData.path(Pristine.path))
    for start in stride(from: 4096 + 512, to: 4096 + 65536, by: 4099) {
        var bytes = pristine
        for i in stride(from: start, to: min(start + 4096, bytes.count), by: 97) { bytes[i] ^= 0x5A }
        let file = try EVTXFile(bytes: bytes, name: "damaged.evtx")
        _ = compareProgramsWithTree(file, format: .json)
        _ = compareProgramsWithTree(file, format: .xml)
    }
}

@Test func syntheticChunkRendersTheSameFromPrograms() throws {
    // Tokens and value types the shared samples lack; read twice so the second copy hits programs.
    var chunk = hexBytes(SyntheticFixture.chunkHex)
    chunk.append(contentsOf: repeatElement(0, count: 65536 - chunk.count))
    let file = try EVTXFile(bytes: fileWithChunk(chunk) + chunk, name: "synthetic.evtx")
    #expect(file.chunkCount == 2)
    for format in [RecordFormat.json, .xml] {
        let (records, _) = compareProgramsWithTree(file, format: format)
        #expect(records == 8)
    }
}

/// CRC-32 one bit at a time, straight from the polynomial.
func bitwiseCRC32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
    }
    return ~c
}

@Test func foldedCRC32MatchesTheBitwiseDefinition() {
    #expect(Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) } == 0xCBF4_3926)
    var generator = SystemRandomNumberGenerator()
    let data = (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
    for length in Array(0...300) + [1023, 4096, 65024, 65536, 69_999] {
        for offset in [0, 1, 7] where offset + length <= data.count {
            let slice = Array(data[offset..<offset + length])
            let expected = bitwiseCRC32(slice)
            slice.withUnsafeBytes { raw in
                #expect(CRC32.checksum(raw) == expected, "length \(length) offset \(offset)")
                #expect(CRC32.checksum(raw, folding: false) == expected, "length \(length) offset \(offset)")
                // Continuing from a split point gives the same result.
                let half = length / 2
                let first = CRC32.checksum(raw.slice(0, half))
                #expect(CRC32.checksum(raw.slice(half, length - half), continuing: first) == expected)
            }
        }
    }
}

/// A template kept from one chunk names things through that chunk's string table when a name lies outside the
/// definition's bytes. Another chunk with the same definition bytes but a different name at that offset must
/// print its own name: the chunk decoded after the original (templates kept) equals the chunk decoded fresh.
@Test func keptTemplatesAreNotReusedWhereTheChunkHoldsOtherNames() throws {
    for path in try evtxFiles(under: "logs/evtx-attack-samples").sorted() {
        let file = try EVTXFile(path: path)
        for index in 0..<file.chunkCount {
            var kept = ChunkDecoder()
            let original = file.decodeChunk(index, with: &kept, format: .json)
            guard let entry = kept.templateStore.entries.values.first(where: { !$0.externalNames.isEmpty }) else { continue }
            let offset = FileHeader.blockSize + index * ChunkHeader.chunkSize
            var bytes = Array(file.storage.buffer.slice(offset, min(ChunkHeader.chunkSize, file.storage.count - offset)))
            // The name entry: next offset (4), hash (2), length (2), then UTF-16; change its first letter.
            let at = Int(entry.externalNames[0].offset) + 8
            bytes[at] = bytes[at] == 0x51 ? 0x52 : 0x51
            let (reused, fresh) = bytes.withUnsafeBytes { raw in
                var other = ChunkDecoder()
                return (
                    kept.decode(raw, index: index, fileOffset: offset, file: path, format: .json),
                    other.decode(raw, index: index, fileOffset: offset, file: path, format: .json)
                )
            }
            #expect(!fresh.records.isEmpty)
            #expect(fresh.output != original.output, "the changed name shows in the records")
            #expect(reused.output == fresh.output, "\(path) chunk \(index): a kept template printed the old chunk's name")
            return
        }
    }
    Issue.record("no shared chunk keeps a template with names outside its own bytes")
}
