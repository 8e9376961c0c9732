// Base64 (RFC 4648) for data embedded in the binary; whitespace in the input is skipped.

public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8], lineLength: Int = 0) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 4 / 3 + 4)
        var i = 0
        var column = 0
        func put(_ c: UInt8) {
            out.append(c)
            column += 1
            if lineLength > 0 && column == lineLength {
                out.append(0x0A)
                column = 0
            }
        }
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            put(alphabet[Int(v >> 18 & 63)]); put(alphabet[Int(v >> 12 & 63)])
            put(alphabet[Int(v >> 6 & 63)]); put(alphabet[Int(v & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let v = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            put(alphabet[Int(v >> 18 & 63)]); put(alphabet[Int(v >> 12 & 63)])
            put(rest == 2 ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "=")); put(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes; returns nil on a character outside the alphabet (whitespace excepted).
    public static func decode(_ text: String) -> [UInt8]? {
        var table = [UInt8](repeating: 255, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            if c == 0x0A || c == 0x0D || c == 0x20 || c == 0x09 { continue }
            if c == UInt8(ascii: "=") { break }
            let v = table[Int(c)]
            if v == 255 { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return out
    }
}
