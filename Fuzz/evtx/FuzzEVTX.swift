// libFuzzer target for the EVTX chunk and record parser: the input is one chunk (up to 64 KiB),
// placed twice after a valid file header (so the second copy reuses the first one's templates,
// names and template programs), read as JSON and as XML, once with template programs and once
// through the expanded tree only: the two must agree byte for byte, diagnostics included. Any
// crash, hang, sanitizer report or disagreement is a bug; damage must only ever produce diagnostics.
@testable import VigilEVTX

/// A file header: signature, one chunk, version 3.1, 4096-byte header block.
let fileHeader: [UInt8] = {
    var h = [UInt8](repeating: 0, count: 4096)
    h.replaceSubrange(0..<8, with: Array("ElfFile\0".utf8))
    h[32] = 128  // header size
    h[36] = 1  // minor version
    h[38] = 3  // major version
    h[41] = 0x10  // header block size 4096
    h[42] = 1  // chunk count
    return h
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var chunk = Array(UnsafeBufferPointer(start: data, count: min(size, 65536)))
    chunk.append(contentsOf: repeatElement(0, count: 65536 - chunk.count))
    var bytes = fileHeader
    bytes.append(contentsOf: chunk)
    bytes.append(contentsOf: chunk)
    guard let file = try? EVTXFile(bytes: bytes, name: "fuzz") else { return 0 }
    for format in [RecordFormat.json, .xml] {
        var compiled = ChunkDecoder()
        var tree = ChunkDecoder()
        tree.usesPrograms = false
        for index in 0..<file.chunkCount {
            let a = file.decodeChunk(index, with: &compiled, format: format)
            let b = file.decodeChunk(index, with: &tree, format: format)
            if a.output != b.output || a.records.map(\.end) != b.records.map(\.end)
                || a.diagnostics.map(\.description) != b.diagnostics.map(\.description)
            {
                fatalError("template programs and the tree disagree on chunk \(index) (\(format))")
            }
        }
    }
    _ = file.info()
    return 0
}
