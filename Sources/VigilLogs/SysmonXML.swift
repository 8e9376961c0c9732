// Sysmon for Linux writes each event as one line of XML (`<Event><System>…</System><EventData><Data Name="…">…`)
// to syslog. These become the same flat events as Windows Sysmon exports (EventID, Channel, Computer, Image,
// CommandLine, …) so that Sigma's `product: linux` process, network and file rules run on them.

/// Reads one Sysmon XML event into a document: `System` elements by name (`EventID`, `Channel`, `Computer`,
/// `EventRecordID`), their attributes as `Element_Attribute` (`Provider_Name`, `TimeCreated_SystemTime`,
/// `Execution_ProcessID`), and every `<Data Name="N">` as field N. Entities and character references decoded.
public enum SysmonXML {
    /// Whether `text` (after white space) starts an XML event.
    public static func isEvent(_ text: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i < text.count, text[i] == 0x20 || text[i] == 0x09 { i += 1 }
        let open = Array("<Event".utf8)
        guard i + open.count < text.count else { return false }
        return open.indices.allSatisfy { text[i + $0] == open[$0] } && (text[i + open.count] == 0x3E || text[i + open.count] == 0x20)
    }

    /// Writes the fields of the event in `text` into the open document of `sink`, with `vigil_time` from
    /// `TimeCreated SystemTime`. Returns false (writing nothing) when `text` is not a well-formed event.
    public static func write(_ text: UnsafeRawBufferPointer, into sink: inout DocumentSink) -> Bool {
        guard let fields = fields(text) else { return false }
        for (name, value) in fields {
            if name == "EventID" || name == "EventRecordID", !value.isEmpty, value.allSatisfy(\.isNumber) {
                sink.number(name, value)
            } else {
                sink.string(name, value)
            }
        }
        if let time = fields.first(where: { $0.0 == "TimeCreated_SystemTime" })?.1 { sink.string(HeaderField.time, time) }
        return true
    }

    /// The (name, value) pairs of an event, in document order; nil when the XML is malformed.
    static func fields(_ text: UnsafeRawBufferPointer) -> [(String, String)]? {
        var parser = Parser(bytes: text)
        var out: [(String, String)] = []
        var path: [String] = []
        var pendingName: String?
        var textBuffer: [UInt8] = []
        while let token = parser.next() {
            switch token {
            case .open(let name, let attributes, let selfClosing):
                if path.last == "System" {
                    for (a, v) in attributes { out.append((name + "_" + a, v)) }
                }
                if name == "Data" { pendingName = attributes.first { $0.0 == "Name" }?.1 }
                textBuffer.removeAll(keepingCapacity: true)
                if selfClosing {
                    if name == "Data", let n = pendingName { out.append((n, "")) }
                    pendingName = nil
                } else {
                    path.append(name)
                }
            case .text(let bytes):
                textBuffer += bytes
            case .close(let name):
                guard path.last == name else { return nil }
                path.removeLast()
                let value = String(decoding: textBuffer, as: UTF8.self)
                if name == "Data" {
                    out.append((pendingName ?? "Data", value))
                    pendingName = nil
                } else if path.last == "System", !textBuffer.isEmpty {
                    out.append((name, value))
                }
                textBuffer.removeAll(keepingCapacity: true)
            }
        }
        guard !parser.failed, path.isEmpty, !out.isEmpty else { return nil }
        return out
    }

    enum Token {
        case open(String, [(String, String)], selfClosing: Bool)
        case close(String)
        case text([UInt8])
    }

    /// A small XML tokenizer for one-line events: elements, attributes, text, entities; no DTDs.
    struct Parser {
        let bytes: UnsafeRawBufferPointer
        var i = 0
        var failed = false

        mutating func next() -> Token? {
            guard !failed, i < bytes.count else { return nil }
            if bytes[i] != UInt8(ascii: "<") {
                var end = i
                while end < bytes.count, bytes[end] != UInt8(ascii: "<") { end += 1 }
                let text = Self.decode(UnsafeRawBufferPointer(rebasing: bytes[i..<end]))
                i = end
                return .text(text)
            }
            i += 1
            guard i < bytes.count else { return fail() }
            if bytes[i] == UInt8(ascii: "?") || bytes[i] == UInt8(ascii: "!") {
                // Declarations and comments carry no fields.
                while i < bytes.count, bytes[i] != UInt8(ascii: ">") { i += 1 }
                i += 1
                return next()
            }
            let closing = bytes[i] == UInt8(ascii: "/")
            if closing { i += 1 }
            let name = word()
            guard !name.isEmpty else { return fail() }
            var attributes: [(String, String)] = []
            while true {
                skipSpace()
                guard i < bytes.count else { return fail() }
                let c = bytes[i]
                if c == UInt8(ascii: ">") {
                    i += 1
                    return closing ? .close(name) : .open(name, attributes, selfClosing: false)
                }
                if c == UInt8(ascii: "/") {
                    i += 1
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else { return fail() }
                    i += 1
                    return .open(name, attributes, selfClosing: true)
                }
                let key = word()
                skipSpace()
                guard !key.isEmpty, i < bytes.count, bytes[i] == UInt8(ascii: "=") else { return fail() }
                i += 1
                skipSpace()
                guard i < bytes.count, bytes[i] == 0x22 || bytes[i] == 0x27 else { return fail() }
                let quote = bytes[i]
                i += 1
                let start = i
                while i < bytes.count, bytes[i] != quote { i += 1 }
                guard i < bytes.count else { return fail() }
                attributes.append((key, String(decoding: Self.decode(UnsafeRawBufferPointer(rebasing: bytes[start..<i])), as: UTF8.self)))
                i += 1
            }
        }

        private mutating func fail() -> Token? {
            failed = true
            return nil
        }

        private mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        }

        private mutating func word() -> String {
            let start = i
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == UInt8(ascii: ">") || c == UInt8(ascii: "/")
                    || c == UInt8(ascii: "=")
                {
                    break
                }
                i += 1
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        }

        /// Text with `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;` and `&#N;`/`&#xN;` decoded; anything else kept. The five
        /// named entities are also decoded without their semicolon, as HTML readers do: Sysmon for Linux writes
        /// `&lt unknown process&gt ` for `<unknown process>`.
        static func decode(_ raw: UnsafeRawBufferPointer) -> [UInt8] {
            let named: [(name: [UInt8], scalar: UInt8)] = [
                (Array("lt".utf8), UInt8(ascii: "<")), (Array("gt".utf8), UInt8(ascii: ">")), (Array("amp".utf8), UInt8(ascii: "&")),
                (Array("quot".utf8), UInt8(ascii: "\"")), (Array("apos".utf8), UInt8(ascii: "'")),
            ]
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var i = 0
            while i < raw.count {
                guard raw[i] == UInt8(ascii: "&") else {
                    out.append(raw[i])
                    i += 1
                    continue
                }
                let rest = raw[(i + 1)...]
                if let entity = named.first(where: { rest.starts(with: $0.name) }) {
                    out.append(entity.scalar)
                    i += 1 + entity.name.count
                    if i < raw.count, raw[i] == UInt8(ascii: ";") { i += 1 }
                    continue
                }
                // A character reference: `&#N;` or `&#xN;`.
                guard rest.first == UInt8(ascii: "#"), let semicolon = rest.prefix(12).firstIndex(of: UInt8(ascii: ";")),
                    let scalar = Self.characterReference(UnsafeRawBufferPointer(rebasing: raw[(i + 2)..<semicolon]))
                else {
                    out.append(raw[i])
                    i += 1
                    continue
                }
                out += Array(String(Character(scalar)).utf8)
                i = semicolon + 1
            }
            return out
        }

        /// The scalar of a character reference's digits (`65`, `x41`), or nil.
        static func characterReference(_ digits: UnsafeRawBufferPointer) -> Unicode.Scalar? {
            let text = String(decoding: digits, as: UTF8.self)
            let value = text.hasPrefix("x") || text.hasPrefix("X") ? UInt32(text.dropFirst(), radix: 16) : UInt32(text)
            return value.flatMap(Unicode.Scalar.init)
        }
    }
}
