// Vigil's compact ATT&CK index: IDs, names, aliases, tactics, platforms, log-source references and
// relationships, without MITRE's prose. Generated from a bundle by `vigil attack build-index` and
// embedded in the binary so that a fresh install answers offline at once. The format is versioned.

import VigilCore

public enum EmbeddedIndex {
    /// Bumped whenever the line format changes; readers reject other versions with a clear message.
    public static let formatVersion = 1
    static let magic = "vigil-attack-index"

    static let kindCodes: [ObjectKind: String] = [
        .technique: "T", .tactic: "A", .group: "G", .software: "S", .campaign: "C", .mitigation: "M",
        .dataSource: "DS", .dataComponent: "DC", .detectionStrategy: "DET", .analytic: "AN", .asset: "AS", .matrix: "X",
    ]
    static let relationCodes: [RelationshipType: String] = [
        .uses: "u", .mitigates: "m", .detects: "d", .targets: "t", .subtechniqueOf: "s", .attributedTo: "a", .revokedBy: "r", .other: "o",
    ]
    static let urlPrefix = "https://attack.mitre.org/"

    /// Escapes the separators of the line format so that every text round-trips exactly.
    static func clean(_ text: String) -> String {
        guard text.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "|" || $0 == "\\" }) else { return text }
        var out = ""
        for c in text {
            switch c {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "|": out += "\\p"
            default: out.append(c)
            }
        }
        return out
    }

    static func unescape(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\\"), i + 1 < bytes.count {
                switch bytes[i + 1] {
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "p"): out.append(UInt8(ascii: "|"))
                default: out.append(bytes[i + 1])
                }
                i += 2
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func list(_ items: [String]) -> String { items.map(clean).joined(separator: "|") }

    /// The index text for a knowledge base (deterministic: the same bundle gives the same bytes).
    public static func encode(_ kb: KnowledgeBase) -> String {
        var out = "\(magic) \(formatVersion)\n"
        out += "domain\t\(kb.info.domain.rawValue)\nversion\t\(kb.info.version)\nspec\t\(kb.info.specVersion)\n"
        if let name = kb.info.name { out += "name\t\(clean(name))\n" }
        if let modified = kb.info.modified { out += "modified\t\(modified)\n" }
        // Objects Vigil does not model are not in `objects`; all modelled ones are kept (revoked too).
        var keep: [Int] = []
        var newIndex = [Int](repeating: -1, count: kb.objects.count)
        for (i, o) in kb.objects.enumerated() where kindCodes[o.kind] != nil {
            newIndex[i] = keep.count
            keep.append(i)
        }
        for i in keep {
            let o = kb.objects[i]
            var flags = ""
            if o.revoked { flags += "r" }
            if o.deprecated { flags += "d" }
            if o.isSubtechnique { flags += "s" }
            var url = o.url ?? ""
            if url.hasPrefix(urlPrefix) { url = "~" + url.dropFirst(urlPrefix.count) }
            let refs = o.refs.map { String(newIndex[$0]) }.joined(separator: ",")
            let fields = [
                "O", kindCodes[o.kind]!, o.stixType, o.attackID ?? "", clean(o.name), flags, list(o.aliases), list(o.platforms),
                list(o.tactics), refs, clean(url), o.version ?? "", o.modified ?? "",
            ]
            out += fields.joined(separator: "\t") + "\n"
            for source in o.logSources {
                out += "L\t\(source.dataComponent.map { String(newIndex[$0]) } ?? "")\t\(clean(source.name))\t\(clean(source.channel))\n"
            }
        }
        for r in kb.relationships where newIndex[r.source] >= 0 && newIndex[r.target] >= 0 {
            var flags = ""
            if r.revoked { flags += "r" }
            if r.deprecated { flags += "d" }
            out += "R\t\(relationCodes[r.type]!)\t\(newIndex[r.source])\t\(newIndex[r.target])\t\(flags)\n"
        }
        return out
    }

    /// Reads index text back into a knowledge base (without prose). Works on bytes: it runs at every start.
    public static func decode(_ text: String, source: String) throws(Diagnostic) -> KnowledgeBase {
        try decode(Array(text.utf8), source: source)
    }

    public static func decode(_ bytes: [UInt8], source: String) throws(Diagnostic) -> KnowledgeBase {
        let kindByCode = Dictionary(uniqueKeysWithValues: kindCodes.map { ($1, $0) })
        let relationByCode = Dictionary(uniqueKeysWithValues: relationCodes.map { ($1, $0) })
        var info = KnowledgeBaseInfo(domain: .enterprise, version: "unknown", specVersion: "index", source: source, hasProse: false)
        var kb = KnowledgeBase(info: info)
        var lineNumber = 0
        func bad(_ reason: String) -> Diagnostic {
            Diagnostic(SourceLocation(file: source, line: lineNumber), code: "attack-index-invalid", reason)
        }
        var sawHeader = false
        var fields: [Range<Int>] = []
        fields.reserveCapacity(16)
        try bytes.withUnsafeBufferPointer { (raw: UnsafeBufferPointer<UInt8>) throws(Diagnostic) in
            func text(_ r: Range<Int>) -> String { unescape(UnsafeBufferPointer(rebasing: raw[r])) }
            func number(_ r: Range<Int>) -> Int? {
                guard !r.isEmpty else { return nil }
                var v = 0
                for i in r {
                    let d = Int(raw[i]) - 48
                    guard d >= 0 && d < 10 else { return nil }
                    v = v * 10 + d
                }
                return v
            }
            func list(_ r: Range<Int>, _ separator: UInt8) -> [Range<Int>] {
                guard !r.isEmpty else { return [] }
                var parts: [Range<Int>] = []
                var start = r.lowerBound
                for i in r where raw[i] == separator {
                    parts.append(start..<i)
                    start = i + 1
                }
                parts.append(start..<r.upperBound)
                return parts
            }
            func has(_ r: Range<Int>, _ flag: Character) -> Bool { r.contains { raw[$0] == flag.asciiValue! } }
            var lineStart = 0
            let n = raw.count
            while lineStart < n {
                var lineEnd = lineStart
                while lineEnd < n && raw[lineEnd] != 0x0A { lineEnd += 1 }
                defer { lineStart = lineEnd + 1 }
                lineNumber += 1
                if lineEnd == lineStart { continue }
                fields.removeAll(keepingCapacity: true)
                var fieldStart = lineStart
                for i in lineStart..<lineEnd where raw[i] == 0x09 {
                    fields.append(fieldStart..<i)
                    fieldStart = i + 1
                }
                fields.append(fieldStart..<lineEnd)
                let f = fields
                let tag = text(f[0])
                if !sawHeader {
                    let header = tag.split(separator: " ")
                    guard header.count == 2, header[0] == magic else { throw bad("not a Vigil ATT&CK index") }
                    guard Int(header[1]) == formatVersion else {
                        throw bad("index format \(header[1]) is not supported by this Vigil (it reads format \(formatVersion))")
                    }
                    sawHeader = true
                    continue
                }
                switch tag {
                case "domain":
                    guard f.count == 2, let d = Domain(rawValue: text(f[1])) else { throw bad("unknown domain") }
                    info.domain = d
                case "version": if f.count == 2 { info.version = text(f[1]) }
                case "spec": if f.count == 2 { info.specVersion = text(f[1]) }
                case "name": if f.count == 2 { info.name = text(f[1]) }
                case "modified": if f.count == 2 { info.modified = text(f[1]) }
                case "O":
                    guard f.count == 13, let kind = kindByCode[text(f[1])] else { throw bad("malformed object line") }
                    // Index objects have no STIX id; a synthetic one keeps ids unique for lookups.
                    var o = AttackObject(stixID: "index--\(kb.objects.count)", stixType: text(f[2]), name: text(f[4]))
                    o.kind = kind
                    o.attackID = f[3].isEmpty ? nil : text(f[3])
                    o.revoked = has(f[5], "r")
                    o.deprecated = has(f[5], "d")
                    o.isSubtechnique = has(f[5], "s")
                    o.aliases = list(f[6], UInt8(ascii: "|")).map(text)
                    o.platforms = list(f[7], UInt8(ascii: "|")).map(text)
                    o.tactics = list(f[8], UInt8(ascii: "|")).map(text)
                    o.refs = list(f[9], UInt8(ascii: ",")).compactMap(number)
                    if !f[10].isEmpty {
                        let url = text(f[10])
                        o.url = url.hasPrefix("~") ? urlPrefix + url.dropFirst() : url
                    }
                    o.version = f[11].isEmpty ? nil : text(f[11])
                    o.modified = f[12].isEmpty ? nil : text(f[12])
                    kb.add(o)
                case "L":
                    guard f.count == 4, !kb.objects.isEmpty else { throw bad("malformed log-source line") }
                    kb.objects[kb.objects.count - 1].logSources.append(
                        LogSourceReference(dataComponent: number(f[1]), name: text(f[2]), channel: text(f[3])))
                case "R":
                    guard f.count == 5, let type = relationByCode[text(f[1])], let s = number(f[2]), let t = number(f[3]) else {
                        throw bad("malformed relationship line")
                    }
                    kb.relationships.append(
                        Relationship(type: type, source: s, target: t, revoked: has(f[4], "r"), deprecated: has(f[4], "d")))
                default:
                    throw bad("unknown line type \(tag)")
                }
            }
        }
        guard sawHeader else { throw bad("empty index") }
        let n = kb.objects.count
        for o in kb.objects {
            for r in o.refs where r < 0 || r >= n { throw bad("object reference out of range") }
            for l in o.logSources { if let dc = l.dataComponent, dc < 0 || dc >= n { throw bad("log-source reference out of range") } }
        }
        for r in kb.relationships where r.source < 0 || r.source >= n || r.target < 0 || r.target >= n {
            throw bad("relationship reference out of range")
        }
        kb.info = info
        kb.finish()
        return kb
    }

    /// The gzip+base64 form embedded in Swift source.
    public static func pack(_ text: String) -> String { Base64.encode(Gzip.deflate(Array(text.utf8)), lineLength: 100) }

    public static func unpack(_ packed: String, source: String) throws(Diagnostic) -> String {
        guard let compressed = Base64.decode(packed) else {
            throw Diagnostic(SourceLocation(file: source), code: "attack-index-invalid", "embedded index is not valid base64")
        }
        return String(decoding: try Gzip.inflate(compressed, file: source), as: UTF8.self)
    }

    static func unpackBytes(_ packed: String, source: String) throws(Diagnostic) -> [UInt8] {
        guard let compressed = Base64.decode(packed) else {
            throw Diagnostic(SourceLocation(file: source), code: "attack-index-invalid", "embedded index is not valid base64")
        }
        return try Gzip.inflate(compressed, file: source)
    }

    /// The knowledge base built into this binary for a domain.
    public static func embedded(_ domain: Domain) throws(Diagnostic) -> KnowledgeBase {
        let packed: String
        switch domain {
        case .enterprise: packed = EmbeddedIndexData.enterprise
        case .mobile: packed = EmbeddedIndexData.mobile
        case .ics: packed = EmbeddedIndexData.ics
        }
        let source = "<embedded \(domain.rawValue) index>"
        return try decode(try unpackBytes(packed, source: source), source: source)
    }

    /// Swift source for `EmbeddedIndexData`, generated from the given knowledge bases.
    public static func swiftSource(_ bases: [KnowledgeBase]) -> String {
        var out = """
            // swift-format-ignore-file
            // Generated by `vigil attack build-index` from MITRE's bundles: do not edit by hand.
            // Vigil's compact ATT&CK index (format \(formatVersion)), gzip + base64; see EmbeddedIndex.swift.

            enum EmbeddedIndexData {

            """
        for domain in Domain.allCases {
            let name: String
            switch domain {
            case .enterprise: name = "enterprise"
            case .mobile: name = "mobile"
            case .ics: name = "ics"
            }
            if let kb = bases.first(where: { $0.info.domain == domain }) {
                out += "    /// ATT&CK \(domain.title) \(kb.info.version)\n"
                out += "    static let \(name) = \"\"\"\n\(pack(encode(kb)))\n\"\"\"\n"
            } else {
                out += "    static let \(name) = \"\"\n"
            }
        }
        out += "}\n"
        return out
    }
}
