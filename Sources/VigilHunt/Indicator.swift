// Indicators of compromise as a sweep uses them: a typed, normalised value with its Pyramid-of-Pain
// level and where it came from, and the set of them with the lookup tables the matcher reads.
import VigilCore

/// What an indicator is, which decides where in an event it is looked for.
public enum IndicatorType: String, Sendable, Codable, CaseIterable {
    case md5, sha1, sha256, sha512, imphash
    case ip, cidr
    case domain, url
    case fileName = "filename"
    case path

    /// How much it costs an adversary to change (David Bianco's Pyramid of Pain).
    public var level: PyramidLevel {
        switch self {
        case .md5, .sha1, .sha256, .sha512, .imphash: .hashValues
        case .ip, .cidr: .ipAddresses
        case .domain, .url: .domainNames
        case .fileName, .path: .artifacts
        }
    }

    var isHash: Bool { level == .hashValues }

    /// Length of the hex digest.
    var digestLength: Int? {
        switch self {
        case .md5, .imphash: 32
        case .sha1: 40
        case .sha256: 64
        case .sha512: 128
        default: nil
        }
    }

    /// The type a feed names, in the words of MISP, OTX, STIX, OpenIOC-style CSVs and plain labels.
    /// Nil for types a Windows event log cannot show (e-mail addresses, mutexes, CVEs …).
    public init?(label: String) {
        let key = String(label.lowercased().map { $0 == "_" || $0 == " " ? "-" : $0 })
        switch key {
        case "md5", "filehash-md5", "hash-md5", "file.hash.md5", "md5-hash", "md5hash": self = .md5
        case "sha1", "sha-1", "filehash-sha1", "hash-sha1", "file.hash.sha1", "sha1-hash": self = .sha1
        case "sha256", "sha-256", "filehash-sha256", "hash-sha256", "file.hash.sha256", "sha256-hash": self = .sha256
        case "sha512", "sha-512", "filehash-sha512", "hash-sha512", "file.hash.sha512": self = .sha512
        case "imphash", "filehash-imphash", "file.pe.imphash", "pe.imphash": self = .imphash
        case "ip", "ipv4", "ipv6", "ip-src", "ip-dst", "ipv4-addr", "ipv6-addr", "ip-address", "ipaddress", "ip-addr", "address":
            self = .ip
        case "cidr", "ip-range", "netblock", "subnet", "network", "ipv4-cidr", "ipv6-cidr": self = .cidr
        case "domain", "hostname", "domain-name", "fqdn", "host", "dns", "domainname": self = .domain
        case "url", "uri", "url-address": self = .url
        case "filename", "file-name", "file", "name", "basename": self = .fileName
        case "path", "filepath", "file-path", "directory", "regkey", "registry", "registry-key", "windows-registry-key", "named-pipe",
            "pipe":
            self = .path
        default: return nil
        }
    }

    /// The type a bare value has: `://` a URL; 32/40/64/128 hex digits a hash; an address or block an IP or
    /// CIDR; a separator a path; a dotted name a file name when its extension is a file's, else a domain.
    /// A 32-digit hash is taken for MD5 (write `imphash:` to say otherwise; both are matched by value).
    public static func infer(_ value: String) -> IndicatorType? {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty else { return nil }
        if value.contains("://") { return .url }
        if bytes.allSatisfy({ IPAddress.hexValue($0) != nil }) {
            switch bytes.count {
            case 32: return .md5
            case 40: return .sha1
            case 64: return .sha256
            case 128: return .sha512
            default: break
            }
        }
        // An address with a prefix is a block even when the prefix is wrong: the value check then says so.
        if let slash = value.firstIndex(of: "/"), IPAddress(String(value[..<slash])) != nil { return .cidr }
        if IPAddress(value) != nil { return .ip }
        if value.contains("\\") || value.contains("/") { return .path }
        guard let dot = value.lastIndex(of: "."), dot != value.startIndex else { return nil }
        if bytes.contains(where: { $0 == 0x20 }) { return .fileName }
        let ext = value[value.index(after: dot)...].lowercased()
        if fileExtensions.contains(ext) { return .fileName }
        return isDomainName(bytes) ? .domain : nil
    }

    /// Extensions that make a dotted name a file rather than a domain. `.com` stays a domain (far more
    /// indicators are .com hosts than COM executables); `.zip` and `.mov`, now also TLDs, stay files.
    static let fileExtensions: Set<String> = [
        "exe", "dll", "sys", "scr", "cpl", "ocx", "drv", "msi", "msp", "ps1", "psm1", "psd1", "bat", "cmd", "vbs", "vbe", "js", "jse",
        "wsf", "wsh", "hta", "lnk", "url", "jar", "py", "pyc", "sh", "elf", "bin", "dat", "tmp", "log", "txt", "ini", "cfg", "xml", "json",
        "doc", "docx", "docm", "dot", "dotm", "xls", "xlsx", "xlsm", "xlsb", "xll", "xlam", "ppt", "pptx", "pptm", "rtf", "pdf", "one",
        "zip", "rar", "7z", "gz", "tar", "cab", "iso", "img", "vhd", "vhdx", "chm", "inf", "reg", "sct", "xsl", "dmp", "mov", "db",
        "sqlite", "csv", "png", "jpg", "gif", "html", "htm", "aspx", "asp", "php", "jsp", "config", "apk", "dylib", "so", "lib", "ocx",
    ]

    /// Labels of letters, digits, `-` and `_` (and non-ASCII, for IDNs) joined by dots, with a
    /// top-level label that is not all digits.
    static func isDomainName(_ bytes: [UInt8]) -> Bool {
        guard bytes.count <= 253, bytes.contains(UInt8(ascii: ".")) else { return false }
        var labelLength = 0
        var lastLabelDigits = true
        for b in bytes {
            if b == UInt8(ascii: ".") {
                guard labelLength > 0, labelLength <= 63 else { return false }
                labelLength = 0
                lastLabelDigits = true
                continue
            }
            let ok = b &- 0x30 < 10 || (b | 0x20) &- 0x61 < 26 || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b >= 0x80
            guard ok else { return false }
            if b &- 0x30 >= 10 { lastLabelDigits = false }
            labelLength += 1
        }
        return labelLength > 0 && labelLength <= 63 && !lastLabelDigits
    }
}

/// One indicator as it is matched.
public struct Indicator: Sendable {
    public var type: IndicatorType
    /// The value as matched: refanged and trimmed; hashes in lower case; networks in canonical form.
    public var value: String
    /// A name or description from the feed (a STIX indicator's name, a CSV comment column).
    public var name: String?
    /// The feed's identifier (a STIX id, a MISP uuid).
    public var id: String?
    /// The file and line (or STIX object id) the indicator was read from.
    public var source: SourceLocation
    /// Indicators read from one entry (a STIX pattern's OR-ed comparisons, a URL and its host) share a
    /// group; an event is reported once per group.
    public var group: Int32

    public var level: PyramidLevel { type.level }
}

/// Indicators from one or more feeds, with the tables a sweep looks values up in. Each table answers in
/// time that does not grow with the number of indicators.
public struct IndicatorSet: Sendable {
    public private(set) var indicators: [Indicator] = []
    /// Rejected entries and skipped types, with file and line.
    public var diagnostics: [Diagnostic] = []
    /// Entries read (lines, rows, objects, patterns), whether or not they gave an indicator.
    public var entries = 0
    /// Entries that gave no indicator (bad values, unsupported types or patterns).
    public var skipped = 0
    /// Indicators already present under the same type and value (the first one is kept).
    public private(set) var duplicates = 0
    private var groups: Int32 = 0

    var hashes = IndicatorKeys()
    var domains = IndicatorKeys()
    var urls = IndicatorKeys()
    var paths = IndicatorKeys()
    var networks = NetworkTable()

    public init() {}

    public var isEmpty: Bool { indicators.isEmpty }

    /// A new group for the indicators of one entry.
    public mutating func newGroup() -> Int32 {
        groups += 1
        return groups - 1
    }

    /// Counts by Pyramid level.
    public var byLevel: [PyramidLevel: Int] {
        var out: [PyramidLevel: Int] = [:]
        for i in indicators { out[i.level, default: 0] += 1 }
        return out
    }

    /// Adds `raw` as an indicator of `type` (inferred when nil). A URL brings its host along in the
    /// same group. Returns a diagnostic reason when the value does not fit the type.
    @discardableResult
    public mutating func add(
        _ raw: String, type: IndicatorType?, name: String? = nil, id: String? = nil, source: SourceLocation, group: Int32
    ) -> String? {
        let text = Self.refang(Self.trim(raw))
        guard !text.isEmpty else { return "empty value" }
        guard let type = type ?? IndicatorType.infer(text) else {
            return "cannot tell what kind of indicator '\(Self.clip(text))' is; write it as type:value (md5:, ip:, domain:, path: …)"
        }
        func put(_ type: IndicatorType, _ value: String, _ key: [UInt8], _ table: WritableKeyPath<IndicatorSet, IndicatorKeys>) {
            let index = Int32(indicators.count)
            if self[keyPath: table].insert(key, index) != nil {
                duplicates += 1
                return
            }
            indicators.append(Indicator(type: type, value: value, name: name, id: id, source: source, group: group))
        }
        switch type {
        case .md5, .sha1, .sha256, .sha512, .imphash:
            let hex = text.lowercased()
            let bytes = Array(hex.utf8)
            guard bytes.allSatisfy({ IPAddress.hexValue($0) != nil }), bytes.count == type.digestLength else {
                return "'\(Self.clip(text))' is not a \(type.rawValue) (\(type.digestLength!) hex digits)"
            }
            put(type, hex, bytes, \.hashes)
        case .ip, .cidr:
            var value = text
            if value.hasPrefix("[") && value.hasSuffix("]") { value = String(value.dropFirst().dropLast()) }
            guard let network = IPNetwork(value) else { return "'\(Self.clip(text))' is not an IP address or CIDR block" }
            let index = Int32(indicators.count)
            if networks.insert(network, index) != nil {
                duplicates += 1
            } else {
                let kind: IndicatorType = network.bits == 128 ? .ip : .cidr
                indicators.append(Indicator(type: kind, value: network.description, name: name, id: id, source: source, group: group))
            }
        case .domain:
            var host = text.lowercased()
            if host.hasPrefix("*.") { host.removeFirst(2) }
            while host.hasSuffix(".") { host.removeLast() }
            if IPAddress(host) != nil { return add(host, type: .ip, name: name, id: id, source: source, group: group) }
            let bytes = Array(host.utf8)
            guard !bytes.isEmpty, bytes.allSatisfy({ $0 > 0x20 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "\\") }) else {
                return "'\(Self.clip(text))' is not a domain name"
            }
            put(.domain, host, bytes, \.domains)
        case .url:
            guard let parts = URLParts(text) else { return "'\(Self.clip(text))' is not a URL" }
            // Matched without the scheme: http and https (and a refanged hxxp) name the same resource.
            if !parts.rest.isEmpty && parts.rest != parts.host { put(.url, text, Array(parts.rest.utf8), \.urls) }
            if let reason = add(
                parts.host, type: IPAddress(parts.host) != nil ? .ip : .domain, name: name, id: id, source: source, group: group)
            {
                return reason
            }
        case .fileName, .path:
            var value = text
            if value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard let key = Self.pathKey(value) else { return "'\(Self.clip(text))' is not a file name or path" }
            put(key.contains(UInt8(ascii: "\\")) || key.contains(UInt8(ascii: "/")) ? .path : .fileName, value, key, \.paths)
        }
        return nil
    }

    /// The key a path is matched by: a relative path, or one under an environment variable, matches as a tail
    /// (`%APPDATA%\x\y.exe` as `x\y.exe`); an absolute one matches whole.
    static func pathKey(_ value: String) -> [UInt8]? {
        var bytes = Array(value.utf8)
        if bytes.first == UInt8(ascii: "%"), let close = bytes.dropFirst().firstIndex(of: UInt8(ascii: "%")),
            close + 1 < bytes.count, bytes[close + 1] == UInt8(ascii: "\\") || bytes[close + 1] == UInt8(ascii: "/")
        {
            bytes.removeFirst(close + 1)
        }
        while let first = bytes.first, first == UInt8(ascii: "\\") || first == UInt8(ascii: "/") { bytes.removeFirst() }
        guard !bytes.isEmpty, !bytes.contains(where: { $0 < 0x20 }) else { return nil }
        return bytes
    }

    static func trim(_ s: String) -> String {
        var view = Substring(s)
        while let c = view.first, c.isWhitespace { view.removeFirst() }
        while let c = view.last, c.isWhitespace { view.removeLast() }
        return String(view)
    }

    static func clip(_ s: String) -> String { s.count > 80 ? String(s.prefix(80)) + "…" : s }

    /// Undoes the usual defanging of shared indicators: `hxxp://`, `evil[.]com`, `1.2.3(.)4`, `[:]//`.
    public static func refang(_ s: String) -> String {
        guard s.contains("[") || s.contains("(") || s.contains("{") || s.lowercased().hasPrefix("hxxp") || s.lowercased().hasPrefix("fxp")
        else { return s }
        var out = s
        for (from, to) in [
            ("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("(dot)", "."), ("[:]", ":"), ("[://]", "://"), ("[/]", "/"),
            ("[@]", "@"),
        ] {
            out = out.replacingAll(from, with: to)
        }
        let lower = out.lowercased()
        for (from, to) in [("hxxps", "https"), ("hxxp", "http"), ("fxp", "ftp")] where lower.hasPrefix(from) {
            out = to + out.dropFirst(from.count)
            break
        }
        return out
    }
}

/// A URL split for matching: the part after `scheme://` and its host.
struct URLParts {
    var rest: String
    var host: String

    init?(_ text: String) {
        var rest = Substring(text)
        if let scheme = text.firstRange(of: "://") { rest = text[scheme.upperBound...] }
        while rest.hasSuffix("/") { rest.removeLast() }
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != "\\" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
        } else {
            host = authority.prefix { $0 != ":" }
        }
        while host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        self.rest = String(rest).lowercased()
        self.host = String(host).lowercased()
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
