// The indicator sweep's hot path: every string value of an event is read once, over its bytes, and its
// pieces (hex runs, URL hosts, addresses, path tails, parent domains) are looked up in hash tables, so
// the cost per event does not grow with the number of indicators. Strings are built only for hits.
import VigilCore
import VigilLogs

/// One indicator found in one event, with where the event is and the field that showed it.
@dynamicMemberLookup
public struct IndicatorHit: Sendable {
    public var location: EventLocation
    public var field: String
    /// The field's whole value (a command line, a Hashes list), as the event has it.
    public var value: String
    /// Index into `IndicatorSet.indicators`.
    public var indicator: Int

    public subscript<T>(dynamicMember path: KeyPath<EventLocation, T>) -> T { location[keyPath: path] }
}

/// A class, not a struct: the hot path's helpers capture it, and copying a struct of a dozen arrays costs a
/// retain and release of each on every call (measured: 60% of the time).
public final class IndicatorMatcher: Sendable {
    public let set: IndicatorSet
    private let roles: IndicatorKeys

    public init(_ set: IndicatorSet, fields: [(name: String, role: IndicatorFieldRole)] = IndicatorFields.table) {
        self.set = set
        var roles = IndicatorKeys()
        for (name, role) in fields { _ = roles.insert(Array(name.utf8), role.rawValue) }
        self.roles = roles
    }

    /// Calls `body(indicator, fieldName, valueNode)` once per indicator group found in `event`, for the
    /// first field (in document order) that shows it. A rendered `Message` is read last: it repeats the
    /// event's fields as text, and the field itself is the better thing to report.
    public func scan(_ event: Event, _ scratch: IndicatorScratch, _ body: (Int32, UnsafeRawBufferPointer, Int) -> Void) {
        scratch.groups.removeAll(keepingCapacity: true)
        var message: Int?
        let view = event.view
        event.forEachField { name, v in
            if message == nil, name.count == 7, view.kind(v) == .string, name.elementsEqual("Message".utf8) {
                message = v
                return
            }
            scanNode(view, name, v, scratch, body)
        }
        if let message {
            let name: StaticString = "Message"
            scanNode(view, UnsafeRawBufferPointer(start: name.utf8Start, count: 7), message, scratch, body)
        }
    }

    private func scanNode(
        _ view: JSONView, _ name: UnsafeRawBufferPointer, _ v: Int, _ scratch: IndicatorScratch,
        _ body: (Int32, UnsafeRawBufferPointer, Int) -> Void
    ) {
        switch view.kind(v) {
        case .string:
            let role = self.role(name)
            var raw = view.raw(v)
            if view.tape[v].flag { raw = scratch.unescape(raw) }
            scanValue(raw, role, scratch) { indicator in body(indicator, name, v) }
        case .array:
            view.forEachElement(v) { e in if view.kind(e) == .string { scanNode(view, name, e, scratch, body) } }
        default: break
        }
    }

    /// The role of a field by name, or nil for the checks every value gets.
    @inline(__always) private func role(_ name: UnsafeRawBufferPointer) -> IndicatorFieldRole? {
        if let r = roles.find(name) { return IndicatorFieldRole(rawValue: r) }
        // Winlogbeat's `winlog.event_data.Image`: the part after the last dot names the field.
        guard name.count > 11, let dot = name.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        let prefix = UnsafeRawBufferPointer(rebasing: name[..<dot])
        guard prefix.count >= 10, UnsafeRawBufferPointer(rebasing: prefix[(prefix.count - 10)...]).elementsEqual("event_data".utf8)
        else { return nil }
        return roles.find(UnsafeRawBufferPointer(rebasing: name[(dot + 1)...])).flatMap(IndicatorFieldRole.init(rawValue:))
    }

    /// Looks `value` up in every table that applies; `found` gets each new indicator group's indicator.
    @inline(__always) func scanValue(
        _ value: UnsafeRawBufferPointer, _ role: IndicatorFieldRole?, _ scratch: IndicatorScratch, _ found: (Int32) -> Void
    ) {
        guard !value.isEmpty else { return }
        func hit(_ indicator: Int32) {
            let group = set.indicators[Int(indicator)].group
            guard !scratch.groups.contains(group) else { return }
            scratch.groups.append(group)
            found(indicator)
        }
        if !set.hashes.isEmpty { scanHexRuns(value, hit) }
        if !set.urls.isEmpty || !set.domains.isEmpty || !set.networks.isEmpty { scanURLs(value, hit) }
        let whole = Self.trimmed(value)
        switch role {
        case .address?:
            if !set.networks.isEmpty { Self.forEachToken(whole, Self.addressSeparator) { lookUpAddress($0, lenient: true, hit) } }
        case .hostName?:
            if !set.networks.isEmpty { lookUpAddress(whole, lenient: true, hit) }
            lookUpHost(whole, hit)
        case .path?:
            lookUpPath(whole, hit)
        case .commandLine?:
            if !set.paths.isEmpty || !set.networks.isEmpty { scanCommandLine(whole, hit) }
        case nil:
            if !set.networks.isEmpty { lookUpAddress(whole, lenient: false, hit) }
        }
    }

    // MARK: Hashes

    /// Byte classes for hex runs: 1 hex digit, 2 other letter or digit, 0 anything else.
    private static let hexClass: [UInt8] = (0..<256).map { b in
        let c = UInt8(b)
        if IPAddress.hexValue(c) != nil { return 1 }
        return c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 26 ? 2 : 0
    }

    /// Every run of 32, 40, 64 or 128 hex digits between non-alphanumerics: a lone hash value, each digest
    /// of Sysmon's `Hashes` (`SHA1=…,MD5=…,SHA256=…,IMPHASH=…`), a hash quoted in a message.
    @inline(__always) private func scanHexRuns(_ value: UnsafeRawBufferPointer, _ hit: (Int32) -> Void) {
        let n = value.count
        guard n >= 32 else { return }
        Self.hexClass.withUnsafeBufferPointer { cls in
            var i = 0
            while i < n {
                let c = cls[Int(value[i])]
                if c == 0 {
                    i += 1
                    continue
                }
                let start = i
                var allHex = c == 1
                i += 1
                while i < n {
                    let k = cls[Int(value[i])]
                    if k == 0 { break }
                    if k == 2 { allHex = false }
                    i += 1
                }
                let length = i - start
                if allHex && (length == 32 || length == 40 || length == 64 || length == 128),
                    let found = set.hashes.find(UnsafeRawBufferPointer(rebasing: value[start..<i]))
                {
                    hit(found)
                }
            }
        }
    }

    // MARK: URLs, hosts, addresses

    /// Each `scheme://…` in the value: the URL without its scheme against URL indicators, its host
    /// against domain (sub-domains included) or address indicators.
    private func scanURLs(_ value: UnsafeRawBufferPointer, _ hit: (Int32) -> Void) {
        let n = value.count
        var i = 1
        while i + 2 < n {
            guard value[i] == UInt8(ascii: ":"), value[i + 1] == UInt8(ascii: "/"), value[i + 2] == UInt8(ascii: "/"),
                value[i - 1] &- 0x30 < 10 || (value[i - 1] | 0x20) &- 0x61 < 26
            else {
                i += 1
                continue
            }
            let start = i + 3
            var end = start
            while end < n, !Self.endsURL(value[end]) { end += 1 }
            i = end
            var stop = end
            while stop > start, let last = Optional(value[stop - 1]),
                last == UInt8(ascii: ".") || last == UInt8(ascii: ",") || last == UInt8(ascii: ";") || last == UInt8(ascii: "/")
            {
                stop -= 1
            }
            guard stop > start else { continue }
            let rest = UnsafeRawBufferPointer(rebasing: value[start..<stop])
            if let found = set.urls.find(rest) { hit(found) }
            var hostStart = 0
            var hostEnd = rest.count
            for k in 0..<rest.count {
                let b = rest[k]
                if b == UInt8(ascii: "/") || b == UInt8(ascii: "?") || b == UInt8(ascii: "#") || b == UInt8(ascii: "\\") {
                    hostEnd = k
                    break
                }
                if b == UInt8(ascii: "@") { hostStart = k + 1 }
            }
            guard hostStart < hostEnd else { continue }
            let authority = UnsafeRawBufferPointer(rebasing: rest[hostStart..<hostEnd])
            if authority[0] == UInt8(ascii: "[") {
                if let close = authority.firstIndex(of: UInt8(ascii: "]")), close > 1 {
                    lookUpAddress(UnsafeRawBufferPointer(rebasing: authority[1..<close]), lenient: false, hit)
                }
                continue
            }
            var colon = authority.count
            for k in 0..<authority.count where authority[k] == UInt8(ascii: ":") {
                colon = k
                break
            }
            let host = UnsafeRawBufferPointer(rebasing: authority[0..<colon])
            lookUpAddress(host, lenient: false, hit)
            lookUpHost(host, hit)
        }
    }

    @inline(__always) private static func endsURL(_ b: UInt8) -> Bool {
        b <= 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") || b == UInt8(ascii: "<") || b == UInt8(ascii: ">")
            || b == UInt8(ascii: "`") || b == UInt8(ascii: "|") || b == UInt8(ascii: "^") || b == UInt8(ascii: "{")
            || b == UInt8(ascii: "}") || b == UInt8(ascii: ")")
    }

    /// A host name and each of its parent domains.
    @inline(__always) private func lookUpHost(_ host: UnsafeRawBufferPointer, _ hit: (Int32) -> Void) {
        guard !set.domains.isEmpty else { return }
        var h = host
        while h.count > 1, h[h.count - 1] == UInt8(ascii: ".") { h = UnsafeRawBufferPointer(rebasing: h[0..<(h.count - 1)]) }
        set.domains.forEachSuffix(h, boundary: { $0 == UInt8(ascii: ".") }) { found, _ in hit(found) }
    }

    /// An address (`lenient`: also `a.b.c.d:port`, `[v6]:port`) against the address and CIDR table.
    @inline(__always) private func lookUpAddress(_ text: UnsafeRawBufferPointer, lenient: Bool, _ hit: (Int32) -> Void) {
        guard text.count >= 2, text.count <= 64 else { return }
        let first = text[0]
        guard IPAddress.hexValue(first) != nil || first == UInt8(ascii: ":") || (lenient && first == UInt8(ascii: "[")) else { return }
        var address = IPAddress.parse(text)
        if address == nil, lenient {
            if first == UInt8(ascii: "["), let close = text.firstIndex(of: UInt8(ascii: "]")), close > 1 {
                address = IPAddress.parse(UnsafeRawBufferPointer(rebasing: text[1..<close]))
            } else if let colon = text.firstIndex(of: UInt8(ascii: ":")), text.lastIndex(of: UInt8(ascii: ":")) == colon {
                address = IPAddress.parse(UnsafeRawBufferPointer(rebasing: text[0..<colon]))
            }
        }
        guard let address else { return }
        set.networks.forEachMatch(address, hit)
    }

    // MARK: Paths

    /// A path or name as a whole and by each tail after a separator: `C:\Users\x\evil.exe` is tried as
    /// itself, `Users\x\evil.exe`, `x\evil.exe` and `evil.exe`.
    @inline(__always) private func lookUpPath(_ path: UnsafeRawBufferPointer, _ hit: (Int32) -> Void) {
        guard !set.paths.isEmpty, !path.isEmpty else { return }
        var p = path
        if p.count >= 2, p[0] == UInt8(ascii: "\""), p[p.count - 1] == UInt8(ascii: "\"") {
            p = UnsafeRawBufferPointer(rebasing: p[1..<(p.count - 1)])
        }
        set.paths.forEachSuffix(p, boundary: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "/") }) { found, _ in hit(found) }
    }

    /// Each quoted string of a command line as one path (`"C:\Program Files\x.exe"`), and each run without
    /// spaces or quotes as another path and as an address (`plink.exe 10.0.2.18 -P 80`, `nc 10.0.0.5:4444`).
    private func scanCommandLine(_ line: UnsafeRawBufferPointer, _ hit: (Int32) -> Void) {
        let n = line.count
        var i = 0
        var quoteStart = -1
        var tokenStart = -1
        while i <= n {
            let b: UInt8 = i < n ? line[i] : 0x20
            let isQuote = b == UInt8(ascii: "\"") || b == UInt8(ascii: "'")
            if b <= 0x20 || isQuote {
                if tokenStart >= 0 {
                    let token = UnsafeRawBufferPointer(rebasing: line[tokenStart..<i])
                    lookUpPath(token, hit)
                    if !set.networks.isEmpty { lookUpAddress(token, lenient: true, hit) }
                    tokenStart = -1
                }
                if b == UInt8(ascii: "\"") {
                    if quoteStart >= 0 {
                        if i > quoteStart + 1 { lookUpPath(UnsafeRawBufferPointer(rebasing: line[(quoteStart + 1)..<i]), hit) }
                        quoteStart = -1
                    } else {
                        quoteStart = i
                    }
                }
            } else if tokenStart < 0 {
                tokenStart = i
            }
            i += 1
        }
    }

    // MARK: Helpers

    /// Sysmon's QueryResults separates addresses with `;`; other lists use commas or spaces.
    @inline(__always) static func addressSeparator(_ b: UInt8) -> Bool { b <= 0x20 || b == UInt8(ascii: ";") || b == UInt8(ascii: ",") }

    @inline(__always) static func forEachToken(
        _ value: UnsafeRawBufferPointer, _ separator: (UInt8) -> Bool, _ body: (UnsafeRawBufferPointer) -> Void
    ) {
        var start = 0
        for i in 0...value.count where i == value.count || separator(value[i]) {
            if i > start { body(UnsafeRawBufferPointer(rebasing: value[start..<i])) }
            start = i + 1
        }
    }

    @inline(__always) static func trimmed(_ value: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var a = 0
        var b = value.count
        while a < b, value[a] <= 0x20 { a += 1 }
        while b > a, value[b - 1] <= 0x20 { b -= 1 }
        return UnsafeRawBufferPointer(rebasing: value[a..<b])
    }
}

/// Buffers one thread reuses across events: unescaped string values and the groups hit so far.
public final class IndicatorScratch {
    var text: UnsafeMutableRawBufferPointer
    var groups: [Int32] = []

    public init() {
        text = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        groups.reserveCapacity(16)
    }

    deinit { text.deallocate() }

    /// `raw` with JSON escapes decoded, in the scratch buffer (valid until the next call).
    func unescape(_ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        if raw.count > text.count {
            text.deallocate()
            text = UnsafeMutableRawBufferPointer.allocate(byteCount: raw.count * 2, alignment: 1)
        }
        let n = JSONUnescape.decode(raw, into: text)
        return UnsafeRawBufferPointer(rebasing: text[0..<n])
    }
}

/// JSON string escapes decoded into a caller's buffer (never longer than the input), without a String.
enum JSONUnescape {
    static func decode(_ raw: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        var i = 0
        var o = 0
        let n = raw.count
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= n else { return nil }
            var v: UInt32 = 0
            for k in 0..<4 {
                guard let d = IPAddress.hexValue(raw[at + k]) else { return nil }
                v = v << 4 | UInt32(d)
            }
            return v
        }
        func put(_ scalar: UInt32) {
            let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            for b in UTF8.encode(s)! {
                out[o] = b
                o += 1
            }
        }
        while i < n {
            let c = raw[i]
            if c != UInt8(ascii: "\\") || i + 1 >= n {
                out[o] = c
                o += 1
                i += 1
                continue
            }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): out[o] = 0x0A
            case UInt8(ascii: "t"): out[o] = 0x09
            case UInt8(ascii: "r"): out[o] = 0x0D
            case UInt8(ascii: "b"): out[o] = 0x08
            case UInt8(ascii: "f"): out[o] = 0x0C
            case UInt8(ascii: "u"):
                guard let v = hex4(i) else {
                    out[o] = e
                    o += 1
                    continue
                }
                i += 4
                if v >= 0xD800 && v < 0xDC00, i + 6 <= n, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                    let low = hex4(i + 2), low >= 0xDC00 && low < 0xE000
                {
                    i += 6
                    put(0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00))
                } else {
                    put(v)
                }
                continue
            default: out[o] = e
            }
            o += 1
        }
        return o
    }
}
