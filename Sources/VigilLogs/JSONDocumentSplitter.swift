import VigilCore

// Finds the top-level JSON objects in a byte stream: one per line (NDJSON), concatenated
// pretty-printed objects (evtx_dump), or the elements of a top-level array. Structural scanning only;
// the matcher's parser validates each object later.
#if canImport(Glibc)
    import Glibc
#endif

struct JSONDocumentSplitter {
    /// Line number of the first byte not yet consumed.
    var line = 1
    var diagnostics: [Diagnostic] = []
    var badDocuments = 0
    let file: String
    /// Whether the start of the file has been looked at for a delivery wrapper.
    private var lookedAtStart = false
    /// The file is AWS's delivery form `{"Records": [ … ]}`: the array's elements are the documents, and the
    /// wrapper's closing brace is skipped.
    private(set) var recordsWrapper = false

    init(file: String) { self.file = file }

    /// The length of a `{"Records": [` opening at the start of `bytes` (after white space and a BOM), 0 when there
    /// is none, or nil when more bytes are needed to tell.
    static func recordsOpening(_ bytes: UnsafeRawBufferPointer, final: Bool) -> Int? {
        var i = 0
        let n = bytes.count
        func skipSpace() {
            while i < n, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        for expected in [UInt8(ascii: "{"), nil, UInt8(ascii: ":"), UInt8(ascii: "[")] as [UInt8?] {
            skipSpace()
            if let expected {
                guard i < n else { return final ? 0 : nil }
                guard bytes[i] == expected else { return 0 }
                i += 1
            } else {
                let key = Array("\"Records\"".utf8)
                guard i + key.count <= n else { return final ? 0 : nil }
                guard key.indices.allSatisfy({ bytes[i + $0] == key[$0] }) else { return 0 }
                i += key.count
            }
        }
        return i
    }

    /// Splits `bytes` into complete objects. Returns the offset of the first byte that belongs to an
    /// incomplete object (to be retried with more data), or `bytes.count` when all was consumed.
    mutating func split(_ bytes: UnsafeRawBufferPointer, final: Bool, _ found: (DocumentSpan) -> Void) -> Int {
        var i = 0
        let n = bytes.count
        if !lookedAtStart {
            guard let opening = Self.recordsOpening(bytes, final: final) else { return 0 }
            lookedAtStart = true
            if opening > 0 {
                recordsWrapper = true
                for k in 0..<opening where bytes[k] == 0x0A { line += 1 }
                i = opening
            }
        }
        while i < n {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "}") where recordsWrapper:
                i += 1
                continue
            case 0x0A:
                line += 1
                i += 1
                continue
            case 0x20, 0x09, 0x0D, UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"):
                i += 1
                continue
            case 0xEF where i + 2 < n && bytes[i + 1] == 0xBB && bytes[i + 2] == 0xBF:  // UTF-8 BOM
                i += 3
                continue
            case UInt8(ascii: "{"):
                break
            default:
                // Not the start of an object: report the line and skip it.
                var end = i
                while end < n && bytes[end] != 0x0A { end += 1 }
                if end == n && !final { return i }
                report(line, "not a JSON object: \(preview(bytes, i, end))", code: "json-not-object")
                i = end
                continue
            }
            // NDJSON fast path: a whole line from `{` to `}` is one object (the parser validates it later).
            if !recordsWrapper, let newline = memchr(bytes.baseAddress! + i, 0x0A, n - i) {
                let lineEnd = UnsafeRawPointer(newline) - bytes.baseAddress!
                var last = lineEnd - 1
                while last > i && (bytes[last] == 0x0D || bytes[last] == 0x20 || bytes[last] == 0x09) { last -= 1 }
                if last > i && bytes[last] == UInt8(ascii: "}") && (lineEnd + 1 >= n || bytes[lineEnd + 1] != 0x20) {
                    found(DocumentSpan(start: i, end: last + 1, line: line))
                    i = lineEnd
                    continue
                }
            }
            // Scan one object.
            var depth = 0
            var inString = false
            var k = i
            var lines = 0
            var complete = false
            var restart = -1
            while k < n {
                let b = bytes[k]
                if inString {
                    if b == 0x5C {
                        k += 2
                        continue
                    }
                    if b == 0x22 { inString = false } else if b == 0x0A { lines += 1 }
                    k += 1
                    continue
                }
                switch b {
                case 0x22: inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                case 0x0A:
                    lines += 1
                    // A new object at column 1 while this one is still open: this one was cut short.
                    if k + 1 < n && bytes[k + 1] == UInt8(ascii: "{") && depth > 0 { restart = k + 1 }
                default: break
                }
                k += 1
                if restart >= 0 || depth == 0 { break }
            }
            if depth == 0 && restart < 0 { complete = true }
            if complete {
                found(DocumentSpan(start: i, end: k, line: line))
                line += lines
                i = k
                continue
            }
            if restart >= 0 {
                report(line, "truncated JSON object (a new object starts before it closes)", code: "json-truncated")
                line += lines
                i = restart
                continue
            }
            // Ran out of data inside the object.
            if !final { return i }
            report(line, "JSON object ends early (truncated file?)", code: "json-truncated")
            line += lines
            return n
        }
        return n
    }

    mutating func report(_ line: Int, _ message: String, code: String) {
        badDocuments += 1
        if diagnostics.count < 1000 { diagnostics.append(Diagnostic(SourceLocation(file: file, line: line), code: code, message)) }
    }

    func preview(_ bytes: UnsafeRawBufferPointer, _ a: Int, _ b: Int) -> String {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[a..<min(b, a + 60)]), as: UTF8.self)
        return b - a > 60 ? text + "…" : text
    }
}
