// Decoding one 64 KiB chunk: header and checksums, the record walk, and each record's BinXML
// rendered into one output buffer. A decoder is reused chunk after chunk (one per thread), so
// its arrays keep their capacity and a record costs no allocation beyond its output bytes.

import VigilCore

/// One record inside a decoded chunk; its rendering is `output[start..<end]`.
struct RecordEntry: Sendable {
    var recordID: UInt64
    var filetime: UInt64
    var fileOffset: Int
    var start: Int
    var end: Int
}

/// What decoding a chunk produced.
struct DecodedChunk: Sendable {
    var index: Int
    var fileOffset: Int
    var header: ChunkHeader?
    /// The chunk was all zero bytes (unused space in a preallocated log).
    var isEmpty = false
    var headerChecksumMatches = true
    var dataChecksumMatches = true
    /// The records' renderings (nil for a chunk with none rendered).
    var output: RenderedBytes?
    var records: [RecordEntry] = []
    var diagnostics: [Diagnostic] = []
}

struct ChunkDecoder: ~Copyable {
    /// The chunk being decoded; valid only during `decode`.
    var data = UnsafeRawBufferPointer(start: nil, count: 0)
    var names = NameTable()
    /// Template definitions of this chunk by offset: root element in the template tree.
    var templates: [(offset: UInt32, root: Int32)] = []
    /// While a template definition is parsed: its byte range, and the names it refers to outside it.
    var nameScope: Range<Int>?
    var externalNames: [(offset: UInt32, id: Int32)] = []
    /// Definitions kept across the chunks of a file, and the bytes their text and values come from.
    var templateStore = TemplateStore()
    var templateBytes = Pool<UInt8>(capacity: 1 << 16)
    var tplNodes = Pool<Node>(capacity: 4096)
    var tplEdges = Pool<Int32>(capacity: 8192)
    var recNodes = Pool<Node>(capacity: 1024)
    var recEdges = Pool<Int32>(capacity: 2048)
    /// Scratch stacks of the tree builder.
    var pending = Pool<Int32>(capacity: 256)
    var attributeValues = Pool<Int32>(capacity: 64)
    var cloneValues = Pool<Int32>(capacity: 64)
    var open = Pool<OpenElement>(capacity: 64)
    var substitutions = Pool<Substitution>(capacity: 128)
    var suffixCounts = Pool<SuffixCount>(capacity: 64)
    var out = OutputBuffer()
    /// Compiled renderings of template instances (TemplateProgram.swift).
    var programs = ProgramCache()
    /// Whether records may be rendered from template programs (tests compare both paths).
    var usesPrograms = true
    /// Records rendered from an existing program, since the decoder was made.
    var programRuns = 0

    init() {}

    mutating func resetRecord() {
        recNodes.removeAll()
        recEdges.removeAll()
        pending.removeAll()
        attributeValues.removeAll()
        cloneValues.removeAll()
        open.removeAll()
        substitutions.removeAll()
        suffixCounts.removeAll()
    }

    /// Whether every byte is zero (unused chunks of a preallocated log), a word at a time.
    static func isAllZero(_ bytes: UnsafeRawBufferPointer) -> Bool {
        // A chunk in use starts with its signature: most calls end at the first word.
        var i = 0
        var any: UInt64 = 0
        while i + 64 <= bytes.count {
            for k in stride(from: 0, to: 64, by: 8) { any |= bytes.le64(i + k) }
            if any != 0 { return false }
            i += 64
        }
        while i < bytes.count {
            if bytes[i] != 0 { return false }
            i += 1
        }
        return true
    }

    /// Expands and renders the record whose BinXML is `start..<end` of the chunk, appending to `out`.
    mutating func renderRecord(_ start: Int, _ end: Int, format: RecordFormat) throws(DecodeError) {
        resetRecord()
        if usesPrograms {
            if renderCompiled(start, end, format: format) { return }
            resetRecord()
        }
        let root = try build(start, end, definition: false, template: false, dependencyID: false, depth: 0)
        switch format {
        case .json: try renderJSON(root)
        case .xml: try renderXML(root)
        }
    }

    /// Decodes the chunk `bytes` (normally 65536 bytes; fewer for a truncated file).
    mutating func decode(
        _ bytes: UnsafeRawBufferPointer, index: Int, fileOffset: Int, file: String, format: RecordFormat, spare: RenderedBytes? = nil
    ) -> DecodedChunk {
        var result = DecodedChunk(index: index, fileOffset: fileOffset)
        func report(_ severity: DiagnosticSeverity, _ code: String, _ offset: Int, _ item: String, _ message: String) {
            result.diagnostics.append(
                Diagnostic(
                    SourceLocation(file: file, offset: fileOffset + offset, item: item), severity, code: code, message))
        }
        let item = "chunk \(index)"
        if ChunkDecoder.isAllZero(bytes) {
            result.isEmpty = true
            if bytes.count < ChunkHeader.chunkSize {
                report(.warning, "evtx-truncated", 0, item, "file ends inside an unused chunk (\(bytes.count) of 65536 bytes)")
            }
            return result
        }
        if bytes.count < ChunkHeader.size {
            report(.error, "evtx-truncated", 0, item, "file ends inside a chunk header (\(bytes.count) bytes); chunk skipped")
            return result
        }
        guard let header = ChunkHeader.parse(bytes) else {
            report(.error, "evtx-chunk-header", 0, item, "bad chunk signature; chunk skipped")
            return result
        }
        result.header = header
        let truncated = bytes.count < ChunkHeader.chunkSize
        if truncated {
            report(
                .warning, "evtx-truncated", 0, item,
                "file ends inside this chunk (\(bytes.count) of 65536 bytes); reading the records that are complete")
        }
        if !header.checksumsDisabled {
            if ChunkHeader.computeHeaderChecksum(bytes) != header.headerChecksum {
                result.headerChecksumMatches = false
                report(.warning, "evtx-chunk-checksum", 124, item, "chunk header checksum mismatch; header may be damaged")
            }
            let free = Int(header.freeSpaceOffset)
            if free < ChunkHeader.size || free > ChunkHeader.chunkSize {
                result.dataChecksumMatches = false
                report(.warning, "evtx-chunk-header", 48, item, "free space offset \(free) out of range")
            } else if !truncated && CRC32.checksum(bytes.slice(ChunkHeader.size, free - ChunkHeader.size)) != header.dataChecksum {
                result.dataChecksumMatches = false
                report(.warning, "evtx-chunk-checksum", 52, item, "record data checksum mismatch; records may be damaged")
            }
        }

        data = bytes
        defer { data = UnsafeRawBufferPointer(start: nil, count: 0) }
        // Templates and names carry over from chunk to chunk, unless crafted input made them large.
        if templateBytes.count > 1 << 23 || tplNodes.count > 1 << 20 || tplEdges.count > 1 << 21 || names.bytes.count > 1 << 22 {
            templateStore = TemplateStore()
            templateBytes.removeAll()
            tplNodes.removeAll()
            tplEdges.removeAll()
            names.removeAll()
            // Programs are keyed by template root: the roots are gone.
            programs.removeAll()
        }
        names.startChunk()
        templates.removeAll(keepingCapacity: true)
        out.removeAll()

        let limit = min(Int(header.freeSpaceOffset), bytes.count)
        var offset = ChunkHeader.size
        while offset < limit {
            if bytes.count - offset < 24 { break }
            let magic = bytes.le32(offset)
            if magic != 0x2A2A {
                // Zeros after the last record: the header's free-space offset was generous.
                if magic != 0 { report(.error, "evtx-record-header", offset, item, "bad record signature; rest of chunk skipped") }
                break
            }
            let size = Int(bytes.le32(offset + 4))
            let recordID = bytes.le64(offset + 8)
            let filetime = bytes.le64(offset + 16)
            let recordItem = "chunk \(index) record \(recordID)"
            guard CivilTime.isValid(filetime: filetime) else {
                report(.error, "evtx-record-header", offset + 16, recordItem, "invalid record timestamp; rest of chunk skipped")
                break
            }
            guard size >= 28 else {
                // A size below the header's own length would never advance: stop here.
                report(.error, "evtx-record-header", offset + 4, recordItem, "record size \(size) too small; rest of chunk skipped")
                break
            }
            guard size <= bytes.count - offset else {
                report(
                    .error, "evtx-record-header", offset + 4, recordItem, "record size \(size) runs past the chunk; rest of chunk skipped")
                break
            }
            let start = out.count
            do {
                try renderRecord(offset + 24, offset + size - 4, format: format)
                result.records.append(
                    RecordEntry(recordID: recordID, filetime: filetime, fileOffset: fileOffset + offset, start: start, end: out.count))
            } catch {
                out.truncate(to: start)
                report(.error, "evtx-record", error.offset, recordItem, "record skipped: \(error.reason)")
            }
            offset += size
            if recordID == header.lastRecordID { break }
        }
        if !result.records.isEmpty { result.output = out.handOver(reusing: spare) }
        return result
    }
}
