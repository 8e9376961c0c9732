// VigilEVTX: a native reader for Windows XML Event Log (.evtx) files, rendering each record as the
// JSON tree of the reference parser (Rust `evtx` crate: `evtx_dump`, PyPI `evtx` `records_json()`).
//
// Layers, bottom up (one file each):
//   Checksum.swift     CRC-32 and little-endian reads
//   Pool.swift, OutputBuffer.swift  pointer-backed storage for the hot paths
//   Headers.swift      FileHeader (4 KiB) and ChunkHeader (512 bytes of each 64 KiB chunk)
//   Values.swift       value types and their text (numbers, hex, GUID, SID, times, arrays)
//   Timestamp.swift    FILETIME / SYSTEMTIME to `2019-03-19T23:34:25.123456Z`
//   BinXML.swift       tokens, template definitions and instances, substitutions, array expansion
//   Render.swift       the expanded tree as evtx_dump JSON or XML
//   TemplateProgram.swift  template instances compiled to literal runs and value slots
//   ChunkDecoder.swift one chunk: checksums, record walk, diagnostics for what is damaged
//   EVTXFile.swift     the public API
//
// Public API:
//   let file = try EVTXFile(path:)                 // throws Diagnostic (unreadable / not EVTX)
//   file.header: FileHeader, file.chunkCount
//   file.forEachRecord(format: .json) { (r: EVTXRecord) in … } -> [Diagnostic]
//   file.forEachRecord(format: .json, threads: 0) { r in … } -> [Diagnostic]   // parallel chunks, in order
//   file.records(format:) -> ([EVTXOwnedRecord], [Diagnostic])
//   file.info() -> EVTXInfo
//   EVTXRecord: recordID, filetime, timestamp (ISO 8601), chunkIndex, fileOffset, rendering (bytes)
//
// Damage never stops a read: a bad chunk or record is skipped and reported as a Diagnostic naming
// the file, the chunk, the byte offset and the record; checksum mismatches are warnings.
