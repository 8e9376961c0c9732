// BinXML value types (MS-EVEN6 2.2.4) and their text, exactly as evtx_dump writes them:
// integers in decimal, hex values as `0x…` lower case, binary as upper-case hex, GUIDs upper case,
// SIDs as `S-1-5-…`, times as `…T…Z` with microseconds, arrays joined with commas.

/// Value type codes. Bit 0x80 marks an array of the base type.
enum ValueType {
    static let null: UInt8 = 0x00
    static let string: UInt8 = 0x01
    static let ansiString: UInt8 = 0x02
    static let int8: UInt8 = 0x03
    static let uint8: UInt8 = 0x04
    static let int16: UInt8 = 0x05
    static let uint16: UInt8 = 0x06
    static let int32: UInt8 = 0x07
    static let uint32: UInt8 = 0x08
    static let int64: UInt8 = 0x09
    static let uint64: UInt8 = 0x0A
    static let real32: UInt8 = 0x0B
    static let real64: UInt8 = 0x0C
    static let bool: UInt8 = 0x0D
    static let binary: UInt8 = 0x0E
    static let guid: UInt8 = 0x0F
    static let sizeT: UInt8 = 0x10
    static let fileTime: UInt8 = 0x11
    static let sysTime: UInt8 = 0x12
    static let sid: UInt8 = 0x13
    static let hexInt32: UInt8 = 0x14
    static let hexInt64: UInt8 = 0x15
    static let evtHandle: UInt8 = 0x20
    static let binXml: UInt8 = 0x21
    static let evtXml: UInt8 = 0x23
    static let array: UInt8 = 0x80

    /// Codes the format defines (anything else in a descriptor is an error).
    static func isKnown(_ t: UInt8) -> Bool {
        switch t {
        case 0x00...0x15, 0x20, 0x21, 0x23, 0x81...0x95: true
        default: false
        }
    }

    /// Byte size of fixed-size scalars; 0 for variable-size types.
    @inline(__always) static func fixedSize(_ t: UInt8) -> Int {
        switch t {
        case int8, uint8: 1
        case int16, uint16: 2
        case int32, uint32, real32, bool, hexInt32: 4
        case int64, uint64, real64, fileTime, hexInt64: 8
        case guid, sysTime: 16
        default: 0
        }
    }

    /// Types that render as bare JSON numbers or booleans rather than strings.
    @inline(__always) static func isJSONBare(_ t: UInt8) -> Bool { (t >= int8 && t <= uint64) || t == bool }

    /// Arrays that repeat their element once per item (MS-EVEN6 3.1.4.7.5).
    @inline(__always) static func isExpandableArray(_ t: UInt8) -> Bool {
        t == 0x81 || (t >= 0x83 && t <= 0x8D) || t == 0x8F || (t >= 0x91 && t <= 0x95)
    }
}

/// How text is escaped.
enum TextMode: Equatable {
    case json
    case xml(attribute: Bool)
}

/// Byte-level writers for escaped text and values. `out` is the record's output buffer.
enum TextWriter {
    /// JSON escapes for ASCII: 0 = copy, 1 = two-character escape, 2 = \u00XX.
    static let jsonEscape: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 128)
        for i in 0..<0x20 { t[i] = 2 }
        for c in [0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x22, 0x5C] { t[c] = 1 }
        return t
    }()

    @inline(__always) static func appendJSONEscaped(ascii b: UInt8, _ out: inout OutputBuffer) {
        switch b {
        case 0x22: out.append(0x5C); out.append(0x22)
        case 0x5C: out.append(0x5C); out.append(0x5C)
        case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
        case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
        case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
        default:
            out.append(0x5C, UInt8(ascii: "u"))
            out.append(48, 48)
            out.append(hexDigitUpper(b >> 4), hexDigitUpper(b & 0xF))
        }
    }

    @inline(__always) static func appendXMLEscaped(ascii b: UInt8, attribute: Bool, _ out: inout OutputBuffer) {
        switch b {
        case UInt8(ascii: "&"): out.append("&amp;")
        case UInt8(ascii: "<"): out.append("&lt;")
        case UInt8(ascii: ">"): out.append("&gt;")
        case UInt8(ascii: "\"") where attribute: out.append("&quot;")
        case UInt8(ascii: "'") where attribute: out.append("&apos;")
        default: out.append(b)
        }
    }

    @inline(__always) static func needsEscape(_ u: UInt16, _ mode: TextMode) -> Bool {
        switch mode {
        case .json: return u < 0x20 || u == 0x22 || u == 0x5C
        case .xml(let attribute):
            return u == 0x26 || u == 0x3C || u == 0x3E || (attribute && (u == 0x22 || u == 0x27))
        }
    }

    /// UTF-16LE text to escaped UTF-8. Unpaired surrogates are dropped, as the reference does.
    static func appendUTF16(_ base: UnsafeRawPointer, units: Int, mode: TextMode, _ out: inout OutputBuffer) {
        // Worst case 6 output bytes per unit (`\u00XX`, `&quot;`); written through a pointer.
        let start = out.reserve(units &* 6)
        var p = start
        var i = 0
        let json = mode == .json
        let attribute = mode == .xml(attribute: true)
        while i < units {
            if json && units - i >= 4 {
                // Four units at once when all are printable ASCII needing no escape (the common case).
                let v = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i &* 2, as: UInt64.self))
                let ascii = v & 0xFF80_FF80_FF80_FF80 == 0
                // Per unit: < 0x20, or equal to '"' (0x22) or '\\' (0x5C), flagged in bit 7 of its low byte.
                let low = v | 0x0080_0080_0080_0080
                let control = (low &- 0x0020_0020_0020_0020) & 0x0080_0080_0080_0080 ^ 0x0080_0080_0080_0080
                let quote = v ^ 0x0022_0022_0022_0022
                let quoteHit = ((quote | 0x0080_0080_0080_0080) &- 0x0001_0001_0001_0001) & 0x0080_0080_0080_0080 ^ 0x0080_0080_0080_0080
                let slash = v ^ 0x005C_005C_005C_005C
                let slashHit = ((slash | 0x0080_0080_0080_0080) &- 0x0001_0001_0001_0001) & 0x0080_0080_0080_0080 ^ 0x0080_0080_0080_0080
                if ascii && control | quoteHit | slashHit == 0 {
                    p[0] = UInt8(truncatingIfNeeded: v)
                    p[1] = UInt8(truncatingIfNeeded: v >> 16)
                    p[2] = UInt8(truncatingIfNeeded: v >> 32)
                    p[3] = UInt8(truncatingIfNeeded: v >> 48)
                    p += 4
                    i &+= 4
                    continue
                }
            }
            let u = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))
            i &+= 1
            if u < 0x80 {
                let b = UInt8(truncatingIfNeeded: u)
                if json {
                    if b >= 0x20 && b != 0x22 && b != 0x5C {
                        p.pointee = b
                        p += 1
                        continue
                    }
                    p[0] = 0x5C
                    switch b {
                    case 0x22, 0x5C: p[1] = b; p += 2
                    case 0x0A: p[1] = UInt8(ascii: "n"); p += 2
                    case 0x0D: p[1] = UInt8(ascii: "r"); p += 2
                    case 0x09: p[1] = UInt8(ascii: "t"); p += 2
                    case 0x08: p[1] = UInt8(ascii: "b"); p += 2
                    case 0x0C: p[1] = UInt8(ascii: "f"); p += 2
                    default:
                        p[1] = UInt8(ascii: "u")
                        p[2] = 48
                        p[3] = 48
                        p[4] = hexDigitUpper(b >> 4)
                        p[5] = hexDigitUpper(b & 0xF)
                        p += 6
                    }
                } else {
                    let escape: StaticString? =
                        switch b {
                        case UInt8(ascii: "&"): "&amp;"
                        case UInt8(ascii: "<"): "&lt;"
                        case UInt8(ascii: ">"): "&gt;"
                        case UInt8(ascii: "\""): attribute ? "&quot;" : nil
                        case UInt8(ascii: "'"): attribute ? "&apos;" : nil
                        default: nil
                        }
                    if let escape {
                        p.update(from: escape.utf8Start, count: escape.utf8CodeUnitCount)
                        p += escape.utf8CodeUnitCount
                    } else {
                        p.pointee = b
                        p += 1
                    }
                }
            } else if u < 0x800 {
                p[0] = UInt8(truncatingIfNeeded: 0xC0 | (u >> 6))
                p[1] = UInt8(truncatingIfNeeded: 0x80 | (u & 0x3F))
                p += 2
            } else if u >= 0xD800 && u <= 0xDBFF {
                guard i < units else { continue }
                let lo = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))
                guard lo >= 0xDC00 && lo <= 0xDFFF else { continue }
                i &+= 1
                let cp = 0x10000 + ((UInt32(u) - 0xD800) << 10 | (UInt32(lo) - 0xDC00))
                p[0] = UInt8(truncatingIfNeeded: 0xF0 | (cp >> 18))
                p[1] = UInt8(truncatingIfNeeded: 0x80 | ((cp >> 12) & 0x3F))
                p[2] = UInt8(truncatingIfNeeded: 0x80 | ((cp >> 6) & 0x3F))
                p[3] = UInt8(truncatingIfNeeded: 0x80 | (cp & 0x3F))
                p += 4
            } else if u >= 0xDC00 && u <= 0xDFFF {
                continue
            } else {
                p[0] = UInt8(truncatingIfNeeded: 0xE0 | (u >> 12))
                p[1] = UInt8(truncatingIfNeeded: 0x80 | ((u >> 6) & 0x3F))
                p[2] = UInt8(truncatingIfNeeded: 0x80 | (u & 0x3F))
                p += 3
            }
        }
        out.count += p - start
    }

    @inline(__always) static func hexDigitUpper(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 55 + v }

    /// Raw (unescaped) UTF-16LE to UTF-8, for CDATA and processing-instruction data in XML.
    static func appendUTF16Raw(_ base: UnsafeRawPointer, units: Int, _ out: inout OutputBuffer) {
        var scalars = [UInt16]()
        scalars.reserveCapacity(units)
        for i in 0..<units {
            scalars.append(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        }
        var it = scalars.makeIterator()
        var decoder = UTF16()
        loop: while true {
            switch decoder.decode(&it) {
            case .scalarValue(let s): UTF8.encode(s) { out.append($0) }
            case .error: continue
            case .emptyInput: break loop
            }
        }
    }

    /// Windows-1252 upper half (0x80…0x9F differ from Latin-1; undefined bytes map to C1 controls).
    static let cp1252: [UInt16] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
        0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// An ANSI string (Windows-1252, the reference's default codec) with NUL bytes removed, escaped.
    static func appendANSI(_ bytes: UnsafeRawBufferPointer, mode: TextMode, _ out: inout OutputBuffer) {
        for b in bytes where b != 0 {
            if b < 0x80 {
                switch mode {
                case .json:
                    if b < 0x20 || b == 0x22 || b == 0x5C {
                        if b < 0x20 && jsonEscape[Int(b)] == 2 {
                            // The reference escapes ANSI control characters with lower-case hex.
                            out.append("\\u00")
                            out.append(UInt8(ascii: "0") + (b >> 4))
                            let lo = b & 0xF
                            out.append(lo < 10 ? 48 + lo : 87 + lo)
                        } else {
                            appendJSONEscaped(ascii: b, &out)
                        }
                    } else {
                        out.append(b)
                    }
                case .xml(let attribute): appendXMLEscaped(ascii: b, attribute: attribute, &out)
                }
            } else {
                let u = b >= 0xA0 ? UInt16(b) : cp1252[Int(b - 0x80)]
                if u < 0x800 {
                    out.append(UInt8(truncatingIfNeeded: 0xC0 | (u >> 6)))
                    out.append(UInt8(truncatingIfNeeded: 0x80 | (u & 0x3F)))
                } else {
                    out.append(UInt8(truncatingIfNeeded: 0xE0 | (u >> 12)))
                    out.append(UInt8(truncatingIfNeeded: 0x80 | ((u >> 6) & 0x3F)))
                    out.append(UInt8(truncatingIfNeeded: 0x80 | (u & 0x3F)))
                }
            }
        }
    }

    @inline(__always) static func appendDecimal(_ value: UInt64, _ out: inout OutputBuffer) {
        if value < 10 {
            out.append(48 + UInt8(truncatingIfNeeded: value))
            return
        }
        var buf: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buf) { b in
            var v = value
            var i = 24
            while v > 0 {
                i -= 1
                b[i] = 48 + UInt8(truncatingIfNeeded: v % 10)
                v /= 10
            }
            out.append(raw: UnsafeRawBufferPointer(rebasing: b[i..<24]))
        }
    }

    @inline(__always) static func appendDecimal(_ value: Int64, _ out: inout OutputBuffer) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            appendDecimal(value.magnitude, &out)
        } else {
            appendDecimal(UInt64(value), &out)
        }
    }

    /// `0x` and minimal lower-case hex digits.
    static func appendHexPrefixed(_ value: UInt64, _ out: inout OutputBuffer) {
        out.append(48)
        out.append(UInt8(ascii: "x"))
        if value == 0 {
            out.append(48)
            return
        }
        var shift = (63 - value.leadingZeroBitCount) / 4 * 4
        while shift >= 0 {
            let nibble = UInt8(truncatingIfNeeded: (value >> UInt64(shift)) & 0xF)
            out.append(nibble < 10 ? 48 + nibble : 87 + nibble)
            shift -= 4
        }
    }

    static func appendHexUpper(_ bytes: UnsafeRawBufferPointer, _ out: inout OutputBuffer) {
        let p = out.reserve(bytes.count * 2)
        for (i, b) in bytes.enumerated() {
            p[2 * i] = hexDigitUpper(b >> 4)
            p[2 * i + 1] = hexDigitUpper(b & 0xF)
        }
        out.count += bytes.count * 2
    }

    /// GUID: Data1-3 little-endian, then 8 bytes in order, upper case, dashed.
    static func appendGUID(_ g: UnsafeRawBufferPointer, _ out: inout OutputBuffer) {
        let p = out.reserve(36)
        var n = 0
        @inline(__always) func byte(_ i: Int) {
            p[n] = hexDigitUpper(g[i] >> 4)
            p[n + 1] = hexDigitUpper(g[i] & 0xF)
            n += 2
        }
        byte(3); byte(2); byte(1); byte(0)
        p[8] = 0x2D; n = 9
        byte(5); byte(4)
        p[13] = 0x2D; n = 14
        byte(7); byte(6)
        p[18] = 0x2D; n = 19
        byte(8); byte(9)
        p[23] = 0x2D; n = 24
        for i in 10..<16 { byte(i) }
        out.count += 36
    }

    /// SID: `S-revision-authority(-subauthority)*`; the authority is 48-bit big-endian.
    static func appendSID(_ s: UnsafeRawBufferPointer, _ out: inout OutputBuffer) {
        guard s.count >= 8 else {
            out.append("S-?")
            return
        }
        out.append(UInt8(ascii: "S"))
        out.append(UInt8(ascii: "-"))
        appendDecimal(UInt64(s[0]), &out)
        out.append(UInt8(ascii: "-"))
        var authority: UInt64 = 0
        for i in 2..<8 { authority = authority << 8 | UInt64(s[i]) }
        appendDecimal(authority, &out)
        var offset = 8
        for _ in 0..<Int(s[1]) {
            guard offset + 4 <= s.count else { break }
            out.append(UInt8(ascii: "-"))
            appendDecimal(UInt64(s.le32(offset)), &out)
            offset += 4
        }
    }

    /// Shortest round-trip text of a float in the layout of Rust's `ryu`/`zmij` (`1.0`, `1e20`, `1.5e-7`).
    static func appendFloat(_ value: Double, single: Bool, _ out: inout OutputBuffer) {
        if value.isNaN {
            out.append("NaN")
            return
        }
        if value.isInfinite {
            out.append(value < 0 ? "-inf" : "inf")
            return
        }
        let text = single ? Float(value).description : value.description
        var negative = false
        var digits: [UInt8] = []
        var pointPosition: Int? = nil
        var exponent = 0
        var iterator = text.utf8.makeIterator()
        var inExponent = false
        var exponentText: [UInt8] = []
        while let c = iterator.next() {
            if inExponent {
                exponentText.append(c)
            } else if c == UInt8(ascii: "-") {
                negative = true
            } else if c == UInt8(ascii: ".") {
                pointPosition = digits.count
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                inExponent = true
            } else {
                digits.append(c)
            }
        }
        if !exponentText.isEmpty { exponent = Int(String(decoding: exponentText, as: UTF8.self)) ?? 0 }
        // value = 0.digits × 10^(point + exponent); normalise to digits × 10^k with no leading/trailing zeros.
        var point = (pointPosition ?? digits.count) + exponent
        while let first = digits.first, first == 48, digits.count > 1 {
            digits.removeFirst()
            point -= 1
        }
        while let last = digits.last, last == 48, digits.count > 1 { digits.removeLast() }
        if negative { out.append(UInt8(ascii: "-")) }
        if digits == [48] {
            out.append("0.0")
            return
        }
        let length = digits.count
        let kk = point
        let k = kk - length
        let limit = single ? 13 : 16
        if k >= 0 && kk <= limit {
            out.append(contentsOf: digits)
            for _ in 0..<k { out.append(48) }
            out.append(".0")
        } else if kk > 0 && kk <= limit {
            out.append(contentsOf: digits[0..<kk])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[kk...])
        } else if kk > -5 && kk <= 0 {
            out.append("0.")
            for _ in 0 ..< -kk { out.append(48) }
            out.append(contentsOf: digits)
        } else {
            out.append(digits[0])
            if length > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            appendDecimal(Int64(kk - 1), &out)
        }
    }
}
