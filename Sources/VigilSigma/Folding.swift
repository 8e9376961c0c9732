// Case folding and JSON unescaping into byte buffers, shared by the compiler (rule literals) and the
// matcher (event values) so that both sides fold identically.
import VigilCore

enum Folding {
    /// Lower-cases text: ASCII fast path, full Unicode lower-casing when non-ASCII bytes occur.
    static func fold(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.allSatisfy({ $0 < 0x80 }) { return bytes.map(ByteKeyTable.fold) }
        return Array(String(decoding: bytes, as: UTF8.self).lowercased().utf8)
    }
}

/// A growable byte arena reused across events: values are appended, addressed by offset, and the
/// whole arena is cleared per event without freeing.
struct ByteArena {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int = 1 << 16) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    func free() { base.deallocate() }

    @inline(__always) mutating func reserve(_ extra: Int) {
        if count + extra <= capacity { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = newCapacity
    }

    @inline(__always) func bytes(_ start: Int32, _ length: Int32) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + Int(start), count: Int(length))
    }

    /// Appends `raw` (a JSON string body or number text), decoding escapes when `escaped`, folding case when `fold`.
    /// Returns the start offset; the length is `count - start`.
    @inline(__always)
    mutating func append(_ raw: UnsafeRawBufferPointer, escaped: Bool, fold: Bool) -> Int32 {
        let start = count
        reserve(raw.count)
        var nonASCII = false
        if !escaped {
            for i in 0..<raw.count {
                let b = raw[i]
                if b >= 0x80 { nonASCII = true }
                base[count + i] = fold ? ByteKeyTable.fold(b) : b
            }
            count += raw.count
        } else {
            var i = 0
            let n = raw.count
            while i < n {
                let c = raw[i]
                if c != 0x5C || i + 1 >= n {
                    if c >= 0x80 { nonASCII = true }
                    base[count] = fold ? ByteKeyTable.fold(c) : c
                    count += 1
                    i += 1
                    continue
                }
                let e = raw[i + 1]
                i += 2
                var out: UInt8 = e
                switch e {
                case UInt8(ascii: "n"): out = 0x0A
                case UInt8(ascii: "t"): out = 0x09
                case UInt8(ascii: "r"): out = 0x0D
                case UInt8(ascii: "b"): out = 0x08
                case UInt8(ascii: "f"): out = 0x0C
                case UInt8(ascii: "u"):
                    // Rare: decode via the general path and copy.
                    var end = i + 4
                    if end + 6 <= n && raw[end] == 0x5C && raw[end + 1] == UInt8(ascii: "u") { end += 6 }
                    let decoded = Array(JSONString.unescape(UnsafeRawBufferPointer(rebasing: raw[(i - 2)..<min(end, n)])).utf8)
                    reserve(decoded.count + (n - i))
                    for d in decoded {
                        if d >= 0x80 { nonASCII = true }
                        base[count] = fold ? ByteKeyTable.fold(d) : d
                        count += 1
                    }
                    i = min(end, n)
                    continue
                default: break
                }
                base[count] = fold ? ByteKeyTable.fold(out) : out
                count += 1
            }
        }
        if fold && nonASCII {
            let text = String(decoding: UnsafeRawBufferPointer(start: base + start, count: count - start), as: UTF8.self)
            let lowered = Array(text.lowercased().utf8)
            count = start
            reserve(lowered.count)
            for b in lowered {
                base[count] = b
                count += 1
            }
        }
        return Int32(start)
    }
}
