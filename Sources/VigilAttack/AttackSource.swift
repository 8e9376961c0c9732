// Where ATT&CK comes from: an explicit file or folder (--attack, VIGIL_ATTACK), the bundles imported
// into Vigil's data folder, or the index built into the binary.

import Foundation
import VigilCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum AttackSource {
    /// `$XDG_DATA_HOME/vigil`, else `~/.local/share/vigil`.
    public static func dataFolder() -> String {
        if let xdg = environment("XDG_DATA_HOME"), !xdg.isEmpty { return xdg + "/vigil" }
        let home = environment("HOME") ?? "."
        return home + "/.local/share/vigil"
    }

    public static var attackFolder: String { dataFolder() + "/attack" }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// A bundle file found in a folder, with what a quick look at its head says.
    public struct Candidate: Sendable {
        public var path: String
        public var domain: Domain
        public var version: String
    }

    /// Loads ATT&CK. `path` (or VIGIL_ATTACK) may be a bundle or a folder of bundles; without either,
    /// Vigil's data folder, then the embedded index. `warnings` lists files skipped in folders.
    public static func load(path explicit: String?, domain: Domain?) throws(Diagnostic) -> (KnowledgeBase, warnings: [Diagnostic]) {
        let path = explicit ?? environment("VIGIL_ATTACK").flatMap { $0.isEmpty ? nil : $0 }
        if let path {
            guard FileBytes.exists(path) else {
                throw Diagnostic(SourceLocation(file: path), code: "attack-not-found", "no such file or folder")
            }
            if FileBytes.isDirectory(path) { return try loadFolder(path, domain: domain ?? .enterprise, required: true) }
            let kb = try STIXLoader.load(path: path)
            if let domain, kb.info.domain != domain {
                throw Diagnostic(
                    SourceLocation(file: path), code: "attack-wrong-domain",
                    "this bundle is ATT&CK \(kb.info.domain.title), not \(domain.title)")
            }
            return (kb, [])
        }
        let wanted = domain ?? .enterprise
        if FileBytes.isDirectory(attackFolder) {
            let (kb, warnings) = try loadFolder(attackFolder, domain: wanted, required: false)
            if kb.info.hasProse { return (kb, warnings) }
        }
        return (try EmbeddedIndex.embedded(wanted), [])
    }

    /// The newest bundle of `domain` in a folder. Files that are not bundles are reported, not fatal.
    static func loadFolder(_ folder: String, domain: Domain, required: Bool) throws(Diagnostic) -> (KnowledgeBase, warnings: [Diagnostic]) {
        var warnings: [Diagnostic] = []
        let candidates = scan(folder, warnings: &warnings).filter { $0.domain == domain }
        guard let best = candidates.max(by: { KnowledgeBase.isVersion($0.version, olderThan: $1.version) }) else {
            if !required { return (try EmbeddedIndex.embedded(domain), warnings) }
            throw Diagnostic(SourceLocation(file: folder), code: "attack-no-bundle", "no ATT&CK \(domain.title) bundle in this folder")
        }
        return (try STIXLoader.load(path: best.path), warnings)
    }

    /// Bundles in a folder, identified from the first bytes of each file.
    public static func scan(_ folder: String, warnings: inout [Diagnostic]) -> [Candidate] {
        var result: [Candidate] = []
        for file in FileBytes.files(under: folder) {
            let name = file.lowercased()
            guard name.hasSuffix(".json") || name.hasSuffix(".json.gz") else { continue }
            do {
                let bytes = try FileBytes.readInflating(file)
                if let candidate = sniff(bytes, path: file) {
                    result.append(candidate)
                } else {
                    warnings.append(
                        Diagnostic(SourceLocation(file: file), .warning, code: "attack-not-bundle", "not an ATT&CK STIX bundle; skipped"))
                }
            } catch {
                warnings.append(Diagnostic(SourceLocation(file: file), .warning, code: error.code, error.message + "; skipped"))
            }
        }
        return result
    }

    /// Domain and version from the head of a bundle: the collection object (STIX 2.1) or the first
    /// `x_mitre_domains`, and the version from the collection or the file name.
    static func sniff(_ bytes: [UInt8], path: String) -> Candidate? {
        let head = String(decoding: bytes.prefix(1 << 20), as: UTF8.self)
        guard head.contains("\"objects\""), head.contains("\"type\"") else { return nil }
        guard let domainRange = head.range(of: "\"x_mitre_domains\"") else { return nil }
        let after = head[domainRange.upperBound...]
        var domain: Domain?
        for d in Domain.allCases {
            if let r = after.range(of: "\"\(d.rawValue)\""), r.lowerBound < (after.firstIndex(of: "]") ?? after.endIndex) {
                domain = d
                break
            }
        }
        guard let domain else { return nil }
        var version: String?
        if let c = head.range(of: "\"x-mitre-collection\"") {
            let rest = head[c.upperBound...]
            if let v = rest.range(of: "\"x_mitre_version\"") {
                let tail = rest[v.upperBound...].drop { $0 == " " || $0 == ":" || $0 == "\n" || $0 == "\t" }
                if tail.first == "\"" { version = String(tail.dropFirst().prefix { $0 != "\"" }) }
            }
        }
        return Candidate(path: path, domain: domain, version: version ?? STIXLoader.Builder.versionFromFileName(path) ?? "0")
    }

    /// Copies a validated bundle into the data folder as `<domain>-<version>.json[.gz]`. Returns its path.
    public static func importBundle(_ path: String, into folder: String = attackFolder) throws(Diagnostic) -> (
        path: String, info: KnowledgeBaseInfo, counts: KnowledgeBase.Counts
    ) {
        let raw = try FileBytes.read(path)
        let bytes = Gzip.isGzip(raw) ? try Gzip.inflate(raw, file: path) : raw
        let kb = try STIXLoader.load(bytes: bytes, source: path)
        let destination = folder + "/\(kb.info.domain.rawValue)-\(kb.info.version).json" + (Gzip.isGzip(raw) ? ".gz" : "")
        try writeAtomically(raw, to: destination)
        return (destination, kb.info, kb.counts)
    }

    /// Writes to a temporary file beside the target and renames it, so a reader never sees half a bundle.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(Diagnostic) {
        try makeDirectories(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]))
        let temp = path + ".part-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw Diagnostic(SourceLocation(file: temp), code: "io-write", "cannot create: \(String(cString: strerror(errno)))")
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temp)
                throw Diagnostic(SourceLocation(file: temp), code: "io-write", "write failed: \(reason)")
            }
            written += n
        }
        fsync(fd)
        close(fd)
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw Diagnostic(SourceLocation(file: path), code: "io-write", "cannot rename into place: \(String(cString: strerror(errno)))")
        }
    }

    static func makeDirectories(_ path: String) throws(Diagnostic) {
        guard !path.isEmpty, !FileBytes.isDirectory(path) else { return }
        if let slash = path.lastIndex(of: "/"), slash > path.startIndex { try makeDirectories(String(path[..<slash])) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw Diagnostic(SourceLocation(file: path), code: "io-mkdir", "cannot create folder: \(String(cString: strerror(errno)))")
        }
    }
}
