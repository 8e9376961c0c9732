// HTML output: a byte buffer pages are written into, where every value passes through `text` or
// `attr` (escaped) and only the page templates themselves go in raw. Rule titles, paths, comments and
// inventory names are untrusted input.

/// A page under construction. `raw` is for template markup only; anything from data goes through
/// `text`/`attr`, which escape `& < > " '`.
struct HTML {
    var bytes: [UInt8] = []

    init(capacity: Int = 16_384) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ markup: StaticString) {
        markup.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Markup built from already-escaped parts (numbers, class names Vigil chose, escaped text).
    mutating func trusted(_ markup: String) { bytes.append(contentsOf: markup.utf8) }

    mutating func text(_ value: String) { Self.escape(value, into: &bytes) }

    mutating func text(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

    mutating func attr(_ value: String) { Self.escape(value, into: &bytes) }

    static func escape(_ value: String, into out: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: [0x26, 0x61, 0x6d, 0x70, 0x3b])  // &amp;
            case UInt8(ascii: "<"): out.append(contentsOf: [0x26, 0x6c, 0x74, 0x3b])  // &lt;
            case UInt8(ascii: ">"): out.append(contentsOf: [0x26, 0x67, 0x74, 0x3b])  // &gt;
            case UInt8(ascii: "\""): out.append(contentsOf: [0x26, 0x71, 0x75, 0x6f, 0x74, 0x3b])  // &quot;
            case UInt8(ascii: "'"): out.append(contentsOf: [0x26, 0x23, 0x33, 0x39, 0x3b])  // &#39;
            default: out.append(byte)
            }
        }
    }

    static func escape(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        escape(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-encodes a query or path value (RFC 3986 unreserved characters pass).
    static func urlEncode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xf)])
            }
        }
        return out
    }

    /// The page shell: header with navigation, the body `content` writes, and the footer.
    static func page(title: String, active: String, snapshotNote: String?, _ content: (inout HTML) -> Void) -> [UInt8] {
        var h = HTML()
        h.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
        h.raw("<title>")
        h.text(title)
        h.raw(
            " · Vigil</title><link rel=\"stylesheet\" href=\"/static/vigil.css\"><script src=\"/static/vigil.js\" defer></script></head>\n<body>"
        )
        h.raw("<header><a class=\"brand\" href=\"/\">Vigil</a><nav>")
        for (path, name) in [
            ("/", "Matrix"), ("/gaps", "Gap plan"), ("/snapshots", "Snapshots"), ("/layers", "Layers"), ("/hunts", "Hunts"),
        ] {
            h.trusted("<a href=\"\(path)\"" + (active == name ? " class=\"active\"" : "") + ">\(name)</a>")
        }
        h.raw("</nav>")
        if let snapshotNote {
            h.raw("<span class=\"snapshot\">")
            h.text(snapshotNote)
            h.raw("</span>")
        }
        h.raw("</header>\n<main>")
        content(&h)
        h.raw("</main><footer>Vigil · read-only view of the history store · <a href=\"/api\">JSON API</a></footer></body></html>\n")
        return h.bytes
    }
}
