// CRC-32 (IEEE 802.3, the zlib polynomial) as EVTX uses it for the file header, chunk headers
// and chunk record data. The bulk of a buffer is folded with carry-less multiplication where the
// CPU has it (CCRC32); slicing-by-8 does the rest, and everything on other CPUs.

import CCRC32

enum CRC32 {
    /// Whether the folding routine may be used on this CPU.
    static let folds = vigil_crc32_fold_available() != 0

    /// Eight 256-entry tables for slicing-by-8; table 0 is the classic byte-at-a-time table.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            var c = t[i]
            for k in 1..<8 {
                c = t[Int(c & 0xFF)] ^ (c >> 8)
                t[k * 256 + i] = c
            }
        }
        return t
    }()

    /// CRC-32 of `bytes`, continuing from `crc` (pass 0 to start). `folding: false` uses the
    /// tables alone (tests check the two ways against each other).
    static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0, folding: Bool = true) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return tables.withUnsafeBufferPointer { t in
            var c = ~crc
            var p = base
            var n = bytes.count
            if n >= 64 && folds && folding {
                let bulk = n & ~15
                c = vigil_crc32_fold(p.assumingMemoryBound(to: UInt8.self), bulk, c)
                p += bulk
                n -= bulk
            }
            while n >= 8 {
                let lo = UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: (p + 4).loadUnaligned(as: UInt32.self))
                c =
                    t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                p += 8
                n -= 8
            }
            while n > 0 {
                c = t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (c >> 8)
                p += 1
                n -= 1
            }
            return ~c
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Little-endian reads at a byte offset; callers check bounds first.
    @inline(__always) func le16(_ offset: Int) -> UInt16 {
        UInt16(littleEndian: baseAddress.unsafelyUnwrapped.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always) func le32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: baseAddress.unsafelyUnwrapped.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inline(__always) func le64(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: baseAddress.unsafelyUnwrapped.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    /// A sub-range as its own buffer (no copy).
    @inline(__always) func slice(_ start: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: baseAddress.map { $0 + start }, count: count)
    }
}
