// `vigil rules update`: SigmaHQ's release rule packages (or a mirror with their layout) downloaded, checked
// (ZIP structure and CRCs, an optional SHA-256 sidecar, the rules load) and installed in Vigil's data folder
// in one atomic step, with what changed against the set installed before: rules added, removed, modified.

import Foundation
import VigilAttack
import VigilCore
import VigilHTTP
import VigilSigma

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum RulePackages {
    /// Where GitHub serves the assets of SigmaHQ's latest release (it redirects to its download host).
    public static let defaultBaseURL = "https://github.com/SigmaHQ/sigma/releases/latest/download"

    /// SigmaHQ's release packages (their Releases.md): Core is status test+ and level high+; Core+ adds medium;
    /// Core++ adds experimental; the emerging-threats add-on; All is Core++ with the emerging threats.
    public enum Package: String, CaseIterable, Sendable {
        case core
        case corePlus = "core+"
        case corePlusPlus = "core++"
        case emergingThreats = "emerging-threats"
        case all

        public var fileName: String {
            switch self {
            case .core: "sigma_core.zip"
            case .corePlus: "sigma_core+.zip"
            case .corePlusPlus: "sigma_core++.zip"
            case .emergingThreats: "sigma_emerging_threats_addon.zip"
            case .all: "sigma_all_rules.zip"
            }
        }
    }

    /// Rule packages are a few MB; these bound what a hostile or broken mirror can make Vigil hold or write.
    public static let maxDownloadBytes = 256 << 20
    public static let limits = ZipArchive.Limits(maxEntries: 50_000, maxEntryBytes: 8 << 20, maxTotalBytes: 512 << 20)

    /// The installed rule set: `<data>/rules/sigma`, a link to the folder of the last installed package.
    public static func folder(data: String = AttackSource.dataFolder()) -> String { data + "/rules/sigma" }

    /// The installed rule set's folder, when there is one.
    public static func installed(data: String = AttackSource.dataFolder()) -> String? {
        let path = folder(data: data)
        return FileBytes.isDirectory(path) ? path : nil
    }

    /// A rule in the comparison: by its id, or by its path in the package when it has none.
    public struct Rule: Sendable, Encodable, Equatable {
        public var key: String
        public var title: String
        public var path: String
        /// Where the rule was before, when it moved.
        public var previousPath: String?
    }

    public struct Report: Sendable, Encodable {
        public var source: String
        public var sha256: String
        /// "verified" when the mirror published a `.sha256` file that matches, "not published" otherwise.
        public var checksum: String
        public var folder: String
        /// False when the package holds exactly the files already installed (nothing was written).
        public var installed: Bool
        public var files: Int
        public var rules: Int
        /// Documents that do not load or compile (see `vigil rules check` on the folder).
        public var rejected: Int
        public var added: [Rule]
        public var removed: [Rule]
        public var modified: [Rule]
        public var unchanged: Int
    }

    static func failure(_ source: String, _ code: String, _ message: String) -> Diagnostic {
        Diagnostic(SourceLocation(file: source), code: code, message)
    }

    /// Downloads `package` from `baseURL`, checks it and installs it into `data`'s rule folder.
    public static func update(
        baseURL: String = defaultBaseURL, package: Package = .all, data: String = AttackSource.dataFolder(), timeout: Double = 120
    ) throws(Diagnostic) -> Report {
        let url = (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + "/" + package.fileName
        let response: HTTP.Response
        do { response = try HTTP.get(url, timeout: timeout, maxBytes: maxDownloadBytes) } catch {
            throw failure(url, "rules-download", "download failed: \(error.reason)")
        }
        guard response.isSuccess else { throw failure(url, "rules-download", "server answered HTTP \(response.status)") }
        // A mirror may publish `<package>.sha256` (sha256sum's format); SigmaHQ's releases do not.
        var expected: String?
        if let sidecar = try? HTTP.get(url + ".sha256", timeout: timeout, maxBytes: 4096), sidecar.isSuccess {
            let text = String(decoding: sidecar.body, as: UTF8.self)
            guard let digest = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).first.map(String.init),
                digest.count == 64, digest.allSatisfy(\.isHexDigit)
            else {
                throw failure(url + ".sha256", "rules-checksum", "not a SHA-256 checksum file")
            }
            expected = digest.lowercased()
        }
        return try install(zip: response.body, source: url, expectedSHA256: expected, data: data)
    }

    /// Checks a downloaded package and installs it, unless it holds exactly what is installed already.
    public static func install(zip bytes: [UInt8], source: String, expectedSHA256: String? = nil, data: String) throws(Diagnostic)
        -> Report
    {
        let digest = SHA256.hex(bytes)
        if let expectedSHA256, expectedSHA256 != digest {
            throw failure(source, "rules-checksum", "SHA-256 is \(digest), but the mirror's .sha256 file says \(expectedSHA256)")
        }
        let archive = try ZipArchive(bytes, file: source, limits: limits)
        guard archive.entries.contains(where: { isRuleFile($0.name) }) else {
            throw failure(source, "rules-empty", "the package holds no .yml or .yaml rule file")
        }
        let root = data + "/rules"
        try FileBytes.makeDirectories(root)
        let generation = ".sigma-\(Int(time(nil)))-\(getpid())"
        let staging = root + "/" + generation
        removeTree(staging)
        do {
            try archive.extract(into: staging)
        } catch {
            removeTree(staging)
            throw error
        }
        // Every rule parses and compiles as `hunt` would load it; a package where nothing loads is refused.
        let collection = RuleLoader.load([staging])
        let ruleSet = RuleSet(rules: collection.rules, filters: collection.filters, correlations: collection.correlations)
        let rejected = collection.rejectedCount + ruleSet.diagnostics.count(where: { $0.severity == .error })
        guard !collection.rules.isEmpty else {
            removeTree(staging)
            throw failure(source, "rules-none-load", "no rule in the package loads (\(rejected) rejected)")
        }

        let current = installed(data: data)
        let before = current.map { inventory($0) } ?? [:]
        let after = inventory(staging)
        var report = compare(before: before, after: after)
        report.source = source
        report.sha256 = digest
        report.checksum = expectedSHA256 == nil ? "not published" : "verified"
        report.folder = folder(data: data)
        report.files = archive.entries.count(where: { !$0.isDirectory })
        report.rules = collection.rules.count + collection.correlations.count + collection.filters.count
        report.rejected = rejected
        if let current, sameFiles(current, staging) {
            removeTree(staging)
            return report
        }
        do {
            try switchLink(root: root, to: generation)
        } catch {
            removeTree(staging)
            throw error
        }
        report.installed = true
        return report
    }

    static func isRuleFile(_ name: String) -> Bool { name.hasSuffix(".yml") || name.hasSuffix(".yaml") }

    /// One rule file's identity for the comparison.
    struct Entry {
        var path: String
        var title: String
        var bytes: [UInt8]
    }

    /// The rule files under `folder` by key: each top-level `id:` of the file (a file of several documents has
    /// several), or the file's path in the package when it has none or repeats an id already seen.
    static func inventory(_ folder: String) -> [String: Entry] {
        var result: [String: Entry] = [:]
        for file in FileBytes.files(under: folder) where isRuleFile(file) {
            guard let bytes = try? FileBytes.read(file) else { continue }
            let path = String(file.dropFirst(folder.count + 1))
            var ids: [String] = []
            var title = ""
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                if line.hasPrefix("id:") {
                    ids.append(scalar(line.dropFirst(3)))
                } else if title.isEmpty && line.hasPrefix("title:") {
                    title = scalar(line.dropFirst(6))
                }
            }
            let entry = Entry(path: path, title: title, bytes: bytes)
            var keyed = false
            for id in ids where !id.isEmpty && result[id] == nil {
                result[id] = entry
                keyed = true
            }
            if !keyed { result[path] = entry }
        }
        return result
    }

    /// A YAML plain or quoted scalar on one line, without its quotes or trailing comment.
    static func scalar(_ text: Substring) -> String {
        var value = text.trimmingCharacters(in: .whitespaces)
        if let quote = value.first, quote == "'" || quote == "\"", let end = value.dropFirst().firstIndex(of: quote) {
            return String(value[value.index(after: value.startIndex)..<end])
        }
        if let comment = value.range(of: " #") { value = String(value[..<comment.lowerBound]) }
        return value.trimmingCharacters(in: .whitespaces)
    }

    static func compare(before: [String: Entry], after: [String: Entry]) -> Report {
        var report = Report(
            source: "", sha256: "", checksum: "", folder: "", installed: false, files: 0, rules: 0, rejected: 0, added: [], removed: [],
            modified: [], unchanged: 0)
        for key in after.keys.sorted() {
            let new = after[key]!
            guard let old = before[key] else {
                report.added.append(Rule(key: key, title: new.title, path: new.path))
                continue
            }
            if old.bytes == new.bytes && old.path == new.path {
                report.unchanged += 1
            } else {
                report.modified.append(
                    Rule(key: key, title: new.title, path: new.path, previousPath: old.path == new.path ? nil : old.path))
            }
        }
        for key in before.keys.sorted() where after[key] == nil {
            let old = before[key]!
            report.removed.append(Rule(key: key, title: old.title, path: old.path))
        }
        return report
    }

    /// Whether two folders hold the same files with the same bytes.
    static func sameFiles(_ a: String, _ b: String) -> Bool {
        let left = FileBytes.files(under: a).map { String($0.dropFirst(a.count)) }
        let right = FileBytes.files(under: b).map { String($0.dropFirst(b.count)) }
        guard left == right else { return false }
        for name in left where (try? FileBytes.read(a + name)) != (try? FileBytes.read(b + name)) { return false }
        return true
    }

    /// Points `<root>/sigma` at `generation` by renaming a new link over it (one atomic step: a reader sees the old
    /// set or the new one), then removes the folder the old link pointed at. A `sigma` that is a real folder (made
    /// by hand) is moved aside first.
    static func switchLink(root: String, to generation: String) throws(Diagnostic) {
        let link = root + "/sigma"
        let temporary = root + "/.sigma-link-\(getpid())"
        unlink(temporary)
        guard symlink(generation, temporary) == 0 else {
            throw failure(temporary, "io-write", "cannot create link: \(WriteAll.message(errno))")
        }
        var previous: String?
        var info = stat()
        if lstat(link, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFLNK {
                var buffer = [CChar](repeating: 0, count: 4096)
                let n = readlink(link, &buffer, buffer.count - 1)
                if n > 0 { previous = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            } else {
                let aside = ".sigma-replaced-\(Int(time(nil)))-\(getpid())"
                guard rename(link, root + "/" + aside) == 0 else {
                    unlink(temporary)
                    throw failure(link, "io-write", "cannot move the existing folder aside: \(WriteAll.message(errno))")
                }
                previous = aside
            }
        }
        guard rename(temporary, link) == 0 else {
            let reason = WriteAll.message(errno)
            unlink(temporary)
            throw failure(link, "io-write", "cannot install the new rule set: \(reason)")
        }
        // Only a folder this code made, directly under the rules folder, is ever removed.
        if let previous, previous != generation, previous.hasPrefix(".sigma-"), !previous.contains("/") {
            removeTree(root + "/" + previous)
        }
    }

    static func removeTree(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}
