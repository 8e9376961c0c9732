// A read-only hash table from case-folded byte strings to small integers: field names → slots,
// channel names → channel ids. Lookups fold ASCII case and skip spaces on the fly (Sigma names fields
// "as they appear in the log source with all spaces stripped": `Threat Name` is `ThreatName`) and allocate nothing.

struct ByteKeyTable: Sendable {
    private var hashes: [UInt64]
    private var starts: [Int32]
    private var lengths: [Int32]
    private var values: [Int32]
    private var keys: [UInt8] = []
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        hashes = Array(repeating: 0, count: size)
        starts = Array(repeating: -1, count: size)
        lengths = Array(repeating: 0, count: size)
        values = Array(repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always) static func fold(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }

    /// Hash and length of the key with spaces skipped.
    @inline(__always) static func hash(_ key: UnsafeRawBufferPointer) -> (UInt64, Int) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var n = 0
        for b in key where b != 0x20 {
            h ^= UInt64(fold(b))
            h = h &* 0x100_0000_01b3
            n += 1
        }
        return (h | 1, n)
    }

    /// Inserts `key` unless present; returns the value now stored for it.
    @discardableResult
    mutating func insert(_ key: [UInt8], _ value: Int32) -> Int32 {
        if let existing = key.withUnsafeBytes({ lookup($0) }) { return existing }
        if (count + 1) * 2 > hashes.count { grow() }
        let (h, _) = key.withUnsafeBytes { Self.hash($0) }
        let stored = key.filter { $0 != 0x20 }.map(Self.fold)
        var i = Int(truncatingIfNeeded: h) & mask
        while starts[i] >= 0 { i = (i + 1) & mask }
        hashes[i] = h
        starts[i] = Int32(keys.count)
        lengths[i] = Int32(stored.count)
        values[i] = value
        keys += stored
        count += 1
        return value
    }

    private mutating func grow() {
        var bigger = ByteKeyTable(capacity: hashes.count)
        for i in 0..<hashes.count where starts[i] >= 0 {
            bigger.insert(Array(keys[Int(starts[i])..<Int(starts[i] + lengths[i])]), values[i])
        }
        self = bigger
    }

    @inline(__always)
    func lookup(_ key: UnsafeRawBufferPointer) -> Int32? {
        let (h, length) = Self.hash(key)
        var i = Int(truncatingIfNeeded: h) & mask
        return keys.withUnsafeBufferPointer { stored in
            while starts[i] >= 0 {
                if hashes[i] == h && Int(lengths[i]) == length {
                    var s = Int(starts[i])
                    var same = true
                    for b in key where b != 0x20 {
                        if stored[s] != Self.fold(b) {
                            same = false
                            break
                        }
                        s += 1
                    }
                    if same { return values[i] }
                }
                i = (i + 1) & mask
            }
            return nil
        }
    }

    func lookup(_ key: String) -> Int32? {
        var k = key
        return k.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
    }
}
