// Indicator sweeps over the shared logs against counts computed here without Vigil's readers or matcher:
// the indicators are discovered in the logs themselves (Sysmon Hashes, addresses, DNS queries, images),
// then every event is checked with Foundation, NSRegularExpression and glibc's inet_pton. For EVTX the
// records are cut out of the file by their `**` headers and searched as UTF-16.
import Foundation
import Testing
import VigilCore
import VigilHunt
import VigilLogs
import VigilTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The independent side: which events show an indicator, by the rules `vigil ioc --help` states.
enum IndependentIOC {
    static let roles: [String: IndicatorFieldRole] = Dictionary(
        IndicatorFields.table.map { ($0.name.lowercased(), $0.role) }, uniquingKeysWith: { a, _ in a })

    /// Every string value of a record with its (dotted) field name.
    static func strings(_ record: [String: Any], prefix: String = "") -> [(String, String)] {
        var out: [(String, String)] = []
        for (key, value) in record {
            let name = prefix.isEmpty ? key : prefix + "." + key
            switch value {
            case let s as String: out.append((name, s))
            case let d as [String: Any]: out += strings(d, prefix: name)
            case let a as [Any]: out += a.compactMap { $0 as? String }.map { (name, $0) }
            default: break
            }
        }
        return out
    }

    static let url = try! NSRegularExpression(pattern: #"[A-Za-z0-9]://([^/?#\\\s"'<>`|^{}()]+)"#)

    /// Hosts of the URLs in `text`, without user and port, lower case.
    static func urlHosts(_ text: String) -> [String] {
        url.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { m in
            guard let r = Range(m.range(at: 1), in: text) else { return nil }
            var host = String(text[r])
            if let at = host.lastIndex(of: "@") { host = String(host[host.index(after: at)...]) }
            if host.hasPrefix("["), let close = host.firstIndex(of: "]") { return String(host[host.index(after: host.startIndex)..<close]) }
            if let colon = host.firstIndex(of: ":") { host = String(host[..<colon]) }
            while host.hasSuffix(".") || host.hasSuffix(",") || host.hasSuffix(";") { host.removeLast() }
            return host.lowercased()
        }
    }

    static func trim(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// 128 bits from inet_pton (IPv4 mapped), after dropping a `%zone`.
    static func address(_ text: String) -> [UInt8]? {
        let plain = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        var v6 = in6_addr()
        if inet_pton(AF_INET6, plain, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        var v4 = in_addr()
        if inet_pton(AF_INET, plain, &v4) == 1 {
            return [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + withUnsafeBytes(of: &v4) { Array($0) }
        }
        return nil
    }

    static func inBlock(_ a: [UInt8], _ net: [UInt8], _ bits: Int) -> Bool {
        for i in 0..<bits where (net[i / 8] >> (7 - i % 8)) & 1 != (a[i / 8] >> (7 - i % 8)) & 1 { return false }
        return true
    }

    enum Probe {
        case hash(String)
        case block([UInt8], Int)
        case domain(String)
        case path(String)
    }

    static func probe(_ line: String) -> Probe {
        let colon = line.firstIndex(of: ":")!
        let type = line[..<colon]
        let value = String(line[line.index(after: colon)...])
        switch type {
        case "ip", "cidr":
            let parts = value.split(separator: "/")
            let net = address(String(parts[0]))!
            let bits = parts.count == 2 ? (value.contains(":") ? Int(parts[1])! : 96 + Int(parts[1])!) : 128
            return .block(net, bits)
        case "domain": return .domain(value.lowercased())
        case "path", "filename": return .path(value.lowercased().replacingOccurrences(of: "/", with: "\\"))
        default: return .hash(value.lowercased())
        }
    }

    static func isAlnum(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }

    /// A string value with what every probe needs, worked out once.
    struct Value {
        /// Runs of ASCII letters and digits, lower case (the candidates for a hash).
        var words: Set<Substring> = []
        /// Addresses (inet_pton) the value holds: URL hosts; list items and command-line tokens, without ports; the whole value.
        var addresses: [[UInt8]] = []
        /// Host names: URL hosts, and the whole value of a host-name field.
        var hosts: [String] = []
        /// Path candidates: the whole value of a path field, the quoted parts and tokens of a command line.
        var paths: [String] = []

        init(_ field: String, _ value: String) {
            let role = roles[field.lowercased()]
            let lower = value.lowercased()
            if value.count >= 32 { words = Set(lower.split(whereSeparator: { !isAlnum($0) })) }
            let urlHosts = value.contains("://") ? IndependentIOC.urlHosts(value) : []
            var candidates = urlHosts
            if role == .address || role == .commandLine {
                let separators: (Character) -> Bool =
                    role == .address ? { $0 == ";" || $0 == "," || $0.isWhitespace } : { $0 == "\"" || $0 == "'" || $0.isWhitespace }
                for token in value.split(whereSeparator: separators) {
                    var t = String(token)
                    if t.hasPrefix("["), let close = t.firstIndex(of: "]") {
                        t = String(t[t.index(after: t.startIndex)..<close])
                    } else if t.filter({ $0 == ":" }).count == 1 {
                        t = String(t[..<t.firstIndex(of: ":")!])
                    }
                    candidates.append(t)
                }
            }
            candidates.append(trim(value))
            addresses = candidates.compactMap(address)
            hosts = urlHosts + (role == .hostName ? [trim(lower)] : [])
            let folded = trim(lower).replacingOccurrences(of: "/", with: "\\")
            if role == .path {
                paths.append(
                    folded.count >= 2 && folded.hasPrefix("\"") && folded.hasSuffix("\"") ? String(folded.dropFirst().dropLast()) : folded)
            } else if role == .commandLine {
                let quoted = folded.split(separator: "\"", omittingEmptySubsequences: false)
                for (i, piece) in quoted.enumerated() where i % 2 == 1 && i < quoted.count - 1 { paths.append(String(piece)) }
                paths += folded.split(whereSeparator: { $0.isWhitespace || $0 == "\"" || $0 == "'" }).map(String.init)
            }
        }
    }

    static func values(_ record: [String: Any]) -> [Value] { strings(record).map { Value($0.0, $0.1) } }

    static func matches(_ probe: Probe, _ values: [Value]) -> Bool {
        switch probe {
        case .hash(let h): return values.contains { $0.words.contains(Substring(h)) }
        case .block(let net, let bits): return values.contains { $0.addresses.contains { inBlock($0, net, bits) } }
        case .domain(let d):
            return values.contains { v in
                v.hosts.contains { host in
                    var host = host
                    while host.hasSuffix(".") { host.removeLast() }
                    return host == d || host.hasSuffix("." + d)
                }
            }
        case .path(let p): return values.contains { $0.paths.contains { $0 == p || $0.hasSuffix("\\" + p) } }
        }
    }
}

@Suite struct IOCRealDataTests {
    static let sysmonFiles =
        Independent.sysmonFiles + ["logs/sysmon-json/covenant_dcsync_dcerpc_drsuapi_DsGetNCChanges_2020-08-05020926.json.gz"]

    /// The most frequent values first, ties by value.
    static func top(_ counts: [String: Int], _ n: Int, where keep: (String) -> Bool = { _ in true }) -> [String] {
        Array(counts.filter { keep($0.key) }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(n).map(\.key))
    }

    /// Hits per indicator line from a sweep with `threads` workers, and the hits in order as `file:line value`.
    static func sweep(_ lines: [String], _ files: [String], threads: Int) throws -> (
        counts: [String: Int], order: [String], report: EventStreamReport
    ) {
        let set = try IOCFixture.load("found.txt", lines.joined(separator: "\n"))
        #expect(set.diagnostics.isEmpty, "\(set.diagnostics)")
        #expect(set.indicators.count == lines.count)
        let matcher = IndicatorMatcher(set)
        var counts: [String: Int] = [:]
        var order: [String] = []
        var report = EventStreamReport()
        matcher.sweep(files, threads: threads, report: &report) { hits, _ in
            for hit in hits {
                let line = lines[hit.indicator]
                counts[line, default: 0] += 1
                order.append("\(hit.file):\(hit.line) \(line)")
            }
        }
        return (counts, order, report)
    }

    @Test func sysmonJSONHitsEqualAnIndependentCount() throws {
        let files = try Self.sysmonFiles.map { try SharedData.path($0) }
        let records = try files.flatMap { try Independent.records($0) }
        var hashes: [String: [String: Int]] = [:]
        var ips: [String: Int] = [:]
        var queries: [String: Int] = [:]
        var images: [String: Int] = [:]
        for r in records {
            if let h = r["Hashes"] as? String {
                for part in h.split(separator: ",") {
                    let kv = part.split(separator: "=")
                    if kv.count == 2 { hashes[kv[0].lowercased(), default: [:]][String(kv[1]), default: 0] += 1 }
                }
            }
            for key in ["DestinationIp", "SourceIp"] { if let ip = r[key] as? String { ips[ip, default: 0] += 1 } }
            if let q = r["QueryName"] as? String, q.contains(".") { queries[q, default: 0] += 1 }
            if let image = r["Image"] as? String { images[image, default: 0] += 1 }
        }
        let v4 = Self.top(ips, 3) { !$0.contains(":") }
        let v6 = Self.top(ips, 1) { $0.contains(":") && !$0.hasPrefix("0:") }
        let domains = Self.top(queries, 2)
        let paths = Self.top(images, 3)
        try #require(v4.count == 3 && v6.count == 1 && domains.count == 2 && paths.count == 3, "the shared logs changed")
        let firstV4 = v4[0].split(separator: ".")
        let parent = domains[0].split(separator: ".").suffix(2).joined(separator: ".")
        var lines: [String] = []
        lines += Self.top(hashes["sha256"] ?? [:], 3).map { "sha256:" + $0 }
        lines += Self.top(hashes["md5"] ?? [:], 2).map { "md5:" + $0 }
        lines += Self.top(hashes["imphash"] ?? [:], 2).map { "imphash:" + $0 }
        lines += Self.top(hashes["sha1"] ?? [:], 1).map { "sha1:" + $0 }
        lines += v4.map { "ip:" + $0 } + ["ip:" + v6[0], "cidr:\(firstV4[0]).\(firstV4[1]).0.0/16", "cidr:fe80::/10"]
        lines += domains.map { "domain:" + $0 } + (domains.contains(parent) ? [] : ["domain:" + parent])
        lines += paths.prefix(2).map { "path:" + $0 } + ["filename:" + paths[2].split(separator: "\\").last!]
        try #require(lines.count >= 20)

        var expected: [String: Int] = [:]
        let probes = lines.map { ($0, IndependentIOC.probe($0)) }
        for r in records {
            let values = IndependentIOC.values(r)
            for (line, probe) in probes where IndependentIOC.matches(probe, values) { expected[line, default: 0] += 1 }
        }
        let (counts, order, report) = try Self.sweep(lines, files, threads: 2)
        #expect(report.events == records.count)
        #expect(report.bad == 0)
        for line in lines {
            #expect(counts[line, default: 0] == expected[line, default: 0], "\(line)")
            #expect(expected[line, default: 0] > 0, "\(line) is in the logs, so it must be found")
        }
        // One worker gives the same hits in the same order.
        #expect(try Self.sweep(lines, files, threads: 1).order == order)
    }

    static let evtxFiles = [
        "AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx", "Command and Control/DE_sysmon-3-rdp-tun.evtx",
        "Lateral Movement/LM_DCOM_MSHTA_LethalHTA_Sysmon_3_1.evtx", "Execution/sysmon_exec_from_vss_persistence.evtx",
    ]

    /// The records of an EVTX file as byte ranges, by the file's own structure: 64 KiB chunks after the
    /// 4 KiB header, records from offset 512 of a chunk up to its free-space offset, each starting with
    /// `**\0\0` and its size.
    static func records(_ data: [UInt8]) -> [ArraySlice<UInt8>] {
        func u32(_ at: Int) -> Int { Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24 }
        var out: [ArraySlice<UInt8>] = []
        var chunk = 4096
        while chunk + 65536 <= data.count {
            if data[chunk..<(chunk + 8)].elementsEqual("ElfChnk\0".utf8) {
                let free = min(u32(chunk + 48), 65536)
                var at = chunk + 512
                while at + 24 <= chunk + free, data[at] == 0x2A, data[at + 1] == 0x2A, data[at + 2] == 0, data[at + 3] == 0 {
                    let size = u32(at + 4)
                    guard size >= 24, at + size <= chunk + free else { break }
                    out.append(data[at..<(at + size)])
                    at += size
                }
            }
            chunk += 65536
        }
        return out
    }

    /// The record's text as UTF-16 at both byte alignments (values are not always aligned).
    static func text(_ record: ArraySlice<UInt8>) -> String {
        let bytes = Array(record)
        func decode(_ from: Int) -> String {
            let units = stride(from: from, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
            return String(decoding: units, as: UTF16.self)
        }
        return decode(0) + "\u{0}" + decode(1)
    }

    @Test func evtxHitsEqualAnIndependentCount() throws {
        let root = try SharedData.path("logs/evtx-attack-samples")
        let files = Self.evtxFiles.map { root + "/" + $0 }
        let manifest = try Independent.evtxManifest()
        var texts: [String] = []
        for file in files {
            let records = Self.records(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
            #expect(records.count == manifest[file], "\(file)")
            texts += records.map(Self.text)
        }
        let hashPattern = try NSRegularExpression(pattern: "(SHA256|MD5|IMPHASH)=([0-9A-F]{32,64})(?![0-9A-Za-z])")
        let ipPattern = try NSRegularExpression(pattern: #"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9.])"#)
        var found: [String: [String: Int]] = [:]
        for text in texts {
            let range = NSRange(text.startIndex..., in: text)
            for m in hashPattern.matches(in: text, range: range) {
                found[String(text[Range(m.range(at: 1), in: text)!]).lowercased(), default: [:]][
                    String(text[Range(m.range(at: 2), in: text)!]), default: 0] += 1
            }
            for m in ipPattern.matches(in: text, range: range) {
                let ip = String(text[Range(m.range, in: text)!])
                if IndependentIOC.address(ip) != nil { found["ip", default: [:]][ip, default: 0] += 1 }
            }
        }
        var lines: [String] = []
        lines += Self.top(found["sha256"] ?? [:], 3).map { "sha256:" + $0 }
        lines += Self.top(found["md5"] ?? [:], 2).map { "md5:" + $0 }
        lines += Self.top(found["imphash"] ?? [:], 1).map { "imphash:" + $0 }
        lines += Self.top(found["ip"] ?? [:], 3).map { "ip:" + $0 }
        try #require(lines.count == 9, "the shared logs changed")

        var expected: [String: Int] = [:]
        for text in texts {
            for line in lines {
                let value = String(line[line.index(after: line.firstIndex(of: ":")!)...])
                for r in text.ranges(of: value) {
                    let before = r.lowerBound == text.startIndex ? " " : text[text.index(before: r.lowerBound)]
                    let after = r.upperBound == text.endIndex ? " " : text[r.upperBound]
                    let boundary: (Character) -> Bool =
                        line.hasPrefix("ip:") ? { !($0.isNumber || $0 == ".") } : { !IndependentIOC.isAlnum($0) }
                    if boundary(before) && boundary(after) {
                        expected[line, default: 0] += 1
                        break
                    }
                }
            }
        }
        let (counts, _, report) = try Self.sweep(lines, files, threads: 2)
        #expect(report.events == texts.count)
        for line in lines {
            #expect(counts[line, default: 0] == expected[line, default: 0], "\(line)")
            #expect(expected[line, default: 0] > 0)
        }
    }
}
