// libFuzzer target for the EVTX chunk and record parser: the input is one chunk (up to 64 KiB),
// placed twice after a valid file header (so the second copy reuses the first one's templates and
// names), read as JSON and as XML. Any crash, hang or sanitizer report is a bug; damage must only
// ever produce diagnostics.
import VigilEVTX

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
    var total = 0
    file.forEachRecord(format: .json) { total &+= $0.rendering.count }
    file.forEachRecord(format: .xml) { total &+= $0.rendering.count }
    _ = file.info()
    return total == -1 ? 1 : 0
}
