// A set of byte strings (hashes, domains, URLs, paths) that answers lookups of slices of an event's
// bytes without building a String. Keys are folded (ASCII case, and `/` as `\`) and hashed from their
// last byte to their first, so that every suffix of a value (each parent domain, each path tail) is
// hashed in one right-to-left pass.

/// Folds a byte for comparison: ASCII letters to lower case, `/` to `\` (paths are compared across both
/// separators; hashes, domains and URLs are unaffected apart from a URL's slashes, folded on both sides).
@inline(__always) func foldKeyByte(_ b: UInt8) -> UInt8 {
    if b &- 0x41 < 26 { return b | 0x20 }
    return b == UInt8(ascii: "/") ? UInt8(ascii: "\\") : b
}

/// The running hash of a suffix: feed bytes from the last to the first.
@inline(__always) func suffixHash(_ h: UInt64, _ b: UInt8) -> UInt64 {
    (h ^ UInt64(foldKeyByte(b))) &* 0x0000_0100_0000_01B3
}

let suffixHashSeed: UInt64 = 0xCBF2_9CE4_8422_2325

struct IndicatorKeys: Sendable {
    /// Folded keys, back to back; key `k` is `bytes[starts[k]..<starts[k + 1]]`.
    private var bytes: [UInt8] = []
    private var starts: [Int32] = [0]
    private var hashes: [UInt64] = []
    private var values: [Int32] = []
    /// Open addressing, linear probing: key index + 1, 0 for empty.
    private var slots: [Int32] = [Int32](repeating: 0, count: 16)

    var count: Int { values.count }
    var isEmpty: Bool { values.isEmpty }

    static func hash<C: Collection>(_ key: C) -> UInt64 where C.Element == UInt8 {
        var h = suffixHashSeed
        for b in key.reversed() { h = suffixHash(h, b) }
        return h
    }

    /// Adds `key` for `indicator`; returns the indicator that already holds the key, if any.
    mutating func insert(_ key: [UInt8], _ indicator: Int32) -> Int32? {
        let h = Self.hash(key)
        if let existing = find(hash: h, key.count, { key[$0] }) { return existing }
        bytes.append(contentsOf: key.map(foldKeyByte))
        starts.append(Int32(bytes.count))
        hashes.append(h)
        values.append(indicator)
        if values.count * 2 > slots.count { rehash(slots.count * 2) } else { place(values.count - 1) }
        return nil
    }

    private mutating func rehash(_ size: Int) {
        slots = [Int32](repeating: 0, count: size)
        for k in 0..<values.count { place(k) }
    }

    private mutating func place(_ k: Int) {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: hashes[k]) & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = Int32(k + 1)
    }

    /// The indicator under the key whose hash is `h`, `count` bytes long, byte `i` given by `at(i)`.
    @inline(__always) func find(hash h: UInt64, _ count: Int, _ at: (Int) -> UInt8) -> Int32? {
        guard !values.isEmpty else { return nil }
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = Int(slots[s])
            if slot == 0 { return nil }
            let k = slot - 1
            if hashes[k] == h {
                let start = Int(starts[k])
                if Int(starts[k + 1]) - start == count {
                    var same = true
                    for i in 0..<count where bytes[start + i] != foldKeyByte(at(i)) {
                        same = false
                        break
                    }
                    if same { return values[k] }
                }
            }
            s = (s + 1) & mask
        }
    }

    /// The indicator under exactly `slice`, if any.
    @inline(__always) func find(_ slice: UnsafeRawBufferPointer) -> Int32? {
        var h = suffixHashSeed
        var i = slice.count
        while i > 0 {
            i -= 1
            h = suffixHash(h, slice[i])
        }
        return find(hash: h, slice.count) { slice[$0] }
    }

    /// Calls `body` with every indicator under a suffix of `slice` that starts at its beginning or right
    /// after a byte for which `boundary` holds: parent domains after a `.`, path tails after a separator.
    @inline(__always) func forEachSuffix(
        _ slice: UnsafeRawBufferPointer, boundary: (UInt8) -> Bool, _ body: (Int32, Int) -> Void
    ) {
        guard !values.isEmpty else { return }
        var h = suffixHashSeed
        var i = slice.count
        while i > 0 {
            i -= 1
            h = suffixHash(h, slice[i])
            if i == 0 || boundary(slice[i - 1]) {
                let start = i
                if let hit = find(hash: h, slice.count - start, { slice[start + $0] }) { body(hit, start) }
            }
        }
    }
}
