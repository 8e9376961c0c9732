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

    /// A bundle file found in a folder, and what it says it is.
    public struct Candidate: Sendable, Equatable {
        public var path: String
        public var domain: Domain
        public var version: String
        /// `2.0` (mitre/cti) or `2.1` (attack-stix-data).
        public var specVersion: String
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
        if FileBytes.isDirectory(attackFolder) { return try loadFolder(attackFolder, domain: wanted, required: false) }
        return (try EmbeddedIndex.embedded(wanted), [])
    }

    /// The newest bundle of `domain` in a folder. Files that are not bundles are reported, not fatal.
    static func loadFolder(_ folder: String, domain: Domain, required: Bool) throws(Diagnostic) -> (KnowledgeBase, warnings: [Diagnostic]) {
        var warnings: [Diagnostic] = []
        guard let best = newest(scan(folder, warnings: &warnings), domain: domain) else {
            if !required { return (try EmbeddedIndex.embedded(domain), warnings) }
            throw Diagnostic(SourceLocation(file: folder), code: "attack-no-bundle", "no ATT&CK \(domain.title) bundle in this folder")
        }
        return (try STIXLoader.load(path: best.path), warnings)
    }

    /// The bundle of `domain` that loading picks among `candidates`: the highest version, then STIX 2.1
    /// over 2.0, then the first path by name. A version that is not numbers ("unknown") is the oldest.
    public static func newest(_ candidates: [Candidate], domain: Domain) -> Candidate? {
        func numbers(_ version: String) -> [Int] {
            let parts = version.split(separator: ".").map { Int($0) }
            return parts.contains(nil) ? [] : parts.compactMap { $0 }
        }
        return candidates.filter { $0.domain == domain }.max { a, b in
            let (va, vb) = (numbers(a.version), numbers(b.version))
            if va != vb { return va.lexicographicallyPrecedes(vb) }
            if a.specVersion != b.specVersion { return a.specVersion < b.specVersion }
            return a.path > b.path
        }
    }

    /// The bundles in a folder, each identified by reading it (see `identify`).
    public static func scan(_ folder: String, warnings: inout [Diagnostic]) -> [Candidate] {
        var result: [Candidate] = []
        for file in FileBytes.files(under: folder) {
            let name = file.lowercased()
            guard name.hasSuffix(".json") || name.hasSuffix(".json.gz") else { continue }
            do {
                if let candidate = try identify(try FileBytes.readInflating(file), path: file) {
                    result.append(candidate)
                } else {
                    warnings.append(
                        Diagnostic(
                            SourceLocation(file: file), .warning, code: "attack-not-bundle",
                            "not an ATT&CK STIX bundle (no x-mitre-collection and no x_mitre_domains); skipped"))
                }
            } catch {
                warnings.append(Diagnostic(error.location, .warning, code: error.code, error.message + "; skipped"))
            }
        }
        return result
    }

    /// Thrown inside the stream to stop it once the collection has decided everything.
    private struct Identified: Error {}

    /// What a bundle is, decided as the loader decides it (`BundleIdentity`): by its x-mitre-collection,
    /// wherever in the file that is (STIX 2.1; the stream stops there), else by the `x_mitre_domains` of all
    /// its objects (STIX 2.0). Nil when nothing in it names an ATT&CK domain. Invalid JSON before that point
    /// and JSON that is not a bundle throw.
    public static func identify(_ bytes: [UInt8], path: String) throws(Diagnostic) -> Candidate? {
        var identity = BundleIdentity()
        var tape = JSONTape()
        let shape: JSONStreaming.Shape?
        do {
            shape = try bytes.withUnsafeBytes { raw in
                try JSONStreaming.forEachElement(
                    of: "objects", in: raw, tape: &tape,
                    member: { name, view, node in identity.bundleMember(name, view, node) },
                    element: { view, root, _ in
                        guard view.kind(root) == .object, let type = view.member(root, "type").flatMap(view.string),
                            view.member(root, "id").flatMap(view.string) != nil
                        else { return }
                        identity.object(view, root, type: type)
                        if identity.sawCollection { throw Identified() }
                    })
            }
        } catch is Identified {
            shape = nil
        } catch let error as JSONSyntaxError {
            throw bytes.withUnsafeBytes { error.diagnostic(file: path, bytes: $0) }
        } catch {
            throw Diagnostic(SourceLocation(file: path), code: "stix-read", "\(error)")
        }
        if let shape {
            guard case .streamed = shape else {
                throw Diagnostic(SourceLocation(file: path, offset: 0), code: "stix-not-bundle", "JSON, but not a STIX bundle")
            }
        }
        // The stream may stop before a late "type" member; one that was seen must say "bundle".
        if let type = identity.bundleType, type != "bundle" {
            throw Diagnostic(SourceLocation(file: path, offset: 0), code: "stix-not-bundle", "JSON of type \"\(type)\", not a STIX bundle")
        }
        guard let domain = identity.domain else { return nil }
        return Candidate(path: path, domain: domain, version: identity.version(source: path), specVersion: identity.specVersion)
    }

    /// Copies a validated bundle into the data folder as `<domain>-<version>.json[.gz]` (gzip stays gzip).
    public static func importBundle(_ path: String, into folder: String = attackFolder) throws(Diagnostic) -> (
        path: String, info: KnowledgeBaseInfo, counts: KnowledgeBase.Counts
    ) {
        let raw = try FileBytes.read(path)
        let bytes = Gzip.isGzip(raw) ? try Gzip.inflate(raw, file: path) : raw
        let kb = try STIXLoader.load(bytes: bytes, source: path)
        let destination = try install(raw, inflated: bytes, as: kb.info, into: folder)
        return (destination, kb.info, kb.counts)
    }

    /// Installs a bundle the loader read as `info` into `folder` as `<domain>-<version>.json`, or `.json.gz`
    /// when `raw` is gzip, replacing the installed bundle of that domain and version (in either form).
    /// Refuses a bundle that the folder scan would not identify as the loader did, so that what is
    /// installed is what later commands find. Returns the installed path.
    public static func install(_ raw: [UInt8], inflated: [UInt8], as info: KnowledgeBaseInfo, into folder: String) throws(Diagnostic)
        -> String
    {
        let version = info.version
        guard let first = version.first, first.isNumber || first.isLetter,
            version.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") })
        else {
            throw Diagnostic(
                SourceLocation(file: info.source), code: "attack-bad-version",
                "ATT&CK version \"\(version)\" cannot name an installed file (letters, digits, '.', '-', '_' only)")
        }
        let base = folder + "/\(info.domain.rawValue)-\(version).json"
        let gzip = Gzip.isGzip(raw)
        let destination = gzip ? base + ".gz" : base
        let seen = try identify(inflated, path: destination)
        guard let seen, seen.domain == info.domain, seen.version == info.version else {
            let what = seen.map { "ATT&CK \($0.domain.title) \($0.version)" } ?? "not an ATT&CK bundle"
            throw Diagnostic(
                SourceLocation(file: info.source), code: "attack-not-recognised",
                "loads as ATT&CK \(info.domain.title) \(info.version), but a folder scan would see \(what); not installed")
        }
        try FileBytes.writeAtomically(raw, to: destination)
        let twin = gzip ? base : base + ".gz"
        if FileBytes.exists(twin), unlink(twin) != 0 {
            throw Diagnostic(
                SourceLocation(file: twin), code: "io-write",
                "cannot remove the bundle this one replaces: \(String(cString: strerror(errno)))")
        }
        return destination
    }

    /// The bundle of `domain` that commands load from `folder` (Vigil's data folder by default), if any.
    public static func inUse(_ domain: Domain, folder: String = attackFolder) -> Candidate? {
        var warnings: [Diagnostic] = []
        return newest(scan(folder, warnings: &warnings), domain: domain)
    }
}
