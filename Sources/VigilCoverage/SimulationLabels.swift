// Which ATT&CK techniques a log file simulates: the labels validated coverage checks rules against. They come from
// Security-Datasets metadata beside the logs, technique IDs in file or folder names, and manifests an organisation
// writes for its own captures. Every ID is resolved on the loaded ATT&CK (revocations, crosswalk) as rule tags are.

import Foundation
import VigilAttack
import VigilCore
import Yams

/// The techniques one log file simulates, and where each label came from.
public struct SimulationLabel: Sendable, Codable, Hashable {
    public var file: String
    /// Resolved technique IDs on the loaded ATT&CK, in the order first found.
    public var techniques: [String]
    /// Where the labels were read: `metadata SDWIN-….yaml`, `file name`, `manifest FILE:LINE`.
    public var origins: [String]
    /// IDs as written that resolved through revocation or the crosswalk, with how.
    public var remapped: [String]
}

/// Labels log files with the techniques they simulate. Sources, all used together:
/// - **Security-Datasets metadata**: a `metadata/` or `_metadata/` folder in the file's folder or one of its two
///   parents holding `SDWIN-*.yaml` (or any `.yaml`) with `attack_mappings` (`technique`, `sub-technique`) and
///   `files[].link`: a log file whose name starts with a link's file name without `.zip` (then `_` or `.`) gets
///   that dataset's techniques.
/// - **Names**: technique IDs in the file's name or its folders' names (`T1070.001-Clear Windows event logs/…`,
///   `…_t1098.evtx`): `T` or `t`, four digits, optionally `.` and three digits, not inside a longer word or number.
/// - **Manifests** (`--simulations FILE`): YAML (`simulations: [{path: GLOB, techniques: [IDs]}]`, or the list alone)
///   or CSV with a header naming `path` and `techniques` (IDs separated by spaces, `;` or `|`). A path is relative to
///   the manifest's folder; `*` and `?` stay inside one folder name; a path without `/` matches the file name.
public struct SimulationLabeler: Sendable {
    struct ManifestEntry: Sendable {
        var pattern: Glob
        var byName: Bool
        var base: String
        var techniques: [String]
        var location: SourceLocation
        var written: String
    }

    struct Dataset: Sendable {
        var stem: String
        var techniques: [String]
        var source: String
    }

    let kb: KnowledgeBase
    let crosswalk: Crosswalk
    var manifest: [ManifestEntry] = []
    /// Manifest entries that labelled at least one file.
    var used: Set<Int> = []
    /// Folder → the Security-Datasets metadata found for it.
    var datasets: [String: [Dataset]] = [:]
    /// Problems with the labels' sources: unreadable manifests and metadata, IDs that resolve nowhere.
    public private(set) var diagnostics: [Diagnostic] = []

    public init(kb: KnowledgeBase, crosswalk: Crosswalk = .builtIn(), manifests: [String] = []) {
        self.kb = kb
        self.crosswalk = crosswalk
        for path in manifests { loadManifest(path) }
    }

    /// The labels of one log file; a file with none gets a warning diagnostic saying so.
    public mutating func label(_ path: String) -> SimulationLabel {
        let file = URL(fileURLWithPath: path).standardizedFileURL.path
        var label = SimulationLabel(file: path, techniques: [], origins: [], remapped: [])
        func add(_ written: String, origin: String, at location: SourceLocation) {
            let resolution = kb.resolveTechnique(written, crosswalk: crosswalk)
            guard let i = resolution.index, let id = kb.objects[i].attackID else {
                diagnostics.append(
                    Diagnostic(location, .warning, code: "simulation-label-unresolved", "\(written): \(resolution.note)"))
                return
            }
            if resolution.outcome != .exact && resolution.outcome != .deprecated { label.remapped.append(resolution.note) }
            if !label.techniques.contains(id) { label.techniques.append(id) }
            if !label.origins.contains(origin) { label.origins.append(origin) }
        }
        let name = (file as NSString).lastPathComponent
        for dataset in datasetsFor(folder: (file as NSString).deletingLastPathComponent) where Self.names(name, dataset: dataset.stem) {
            for id in dataset.techniques {
                add(id, origin: "metadata \((dataset.source as NSString).lastPathComponent)", at: SourceLocation(file: dataset.source))
            }
        }
        for id in Self.techniqueIDs(inPath: file) { add(id, origin: "file name", at: SourceLocation(file: path)) }
        for (k, entry) in manifest.enumerated() where entry.matches(file) {
            used.insert(k)
            for id in entry.techniques {
                add(id, origin: "manifest \(entry.location.file):\(entry.location.line ?? 0)", at: entry.location)
            }
        }
        if label.techniques.isEmpty {
            diagnostics.append(
                Diagnostic(
                    SourceLocation(file: path), .warning, code: "simulation-unlabelled",
                    "no technique label: no dataset metadata, no technique ID in its name, no manifest entry; it validates nothing"))
        }
        return label
    }

    /// Manifest entries that matched none of the files labelled so far: each a diagnostic with its line.
    public func unusedManifestEntries() -> [Diagnostic] {
        manifest.indices.filter { !used.contains($0) }.map { k in
            Diagnostic(
                manifest[k].location, .warning, code: "simulation-manifest-unused",
                "\(manifest[k].written) names no log file that was read")
        }
    }

    // MARK: - Names

    /// Technique IDs written in a path's names (`T1070.001`, `t1098`), in order, upper-cased.
    public static func techniqueIDs(inPath path: String) -> [String] {
        let b = Array(path.utf8)
        var found: [String] = []
        func isWord(_ c: UInt8) -> Bool { c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 26 }
        func digits(_ from: Int, _ n: Int) -> Bool { from + n <= b.count && b[from..<from + n].allSatisfy { $0 &- 0x30 < 10 } }
        var i = 0
        while i < b.count {
            defer { i += 1 }
            guard b[i] | 0x20 == UInt8(ascii: "t"), i == 0 || !isWord(b[i - 1]), digits(i + 1, 4) else { continue }
            var end = i + 5
            if end + 4 <= b.count, b[end] == UInt8(ascii: "."), digits(end + 1, 3), end + 4 == b.count || b[end + 4] &- 0x30 >= 10 {
                end += 4
            }
            guard end == b.count || b[end] &- 0x30 >= 10 else { continue }
            let id = "T" + String(decoding: b[(i + 1)..<end], as: UTF8.self)
            if !found.contains(id) { found.append(id) }
            i = end - 1
        }
        return found
    }

    /// A log file named after a dataset's archive: `name.json(.gz)` or `name_<time>.json(.gz)` for `name.zip`.
    static func names(_ file: String, dataset stem: String) -> Bool {
        guard !stem.isEmpty, file.hasPrefix(stem), file.count > stem.count else { return false }
        let next = file[file.index(file.startIndex, offsetBy: stem.count)]
        return next == "_" || next == "."
    }

    // MARK: - Security-Datasets metadata

    mutating func datasetsFor(folder: String) -> [Dataset] {
        var result: [Dataset] = []
        var dir = folder
        for _ in 0..<3 {
            result += metadata(in: dir)
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir || parent.isEmpty { break }
            dir = parent
        }
        return result
    }

    mutating func metadata(in folder: String) -> [Dataset] {
        if let known = datasets[folder] { return known }
        var found: [Dataset] = []
        for sub in ["metadata", "_metadata"] {
            let dir = folder + "/" + sub
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                if let dataset = readDataset(dir + "/" + name) { found += dataset }
            }
        }
        datasets[folder] = found
        return found
    }

    mutating func readDataset(_ path: String) -> [Dataset]? {
        let node: Node
        do throws(Diagnostic) {
            node = try YAMLFiles.mapping(try FileBytes.read(path), file: path)
        } catch {
            diagnostics.append(error)
            return nil
        }
        var techniques: [String] = []
        for mapping in node["attack_mappings"]?.sequence ?? [] {
            guard let technique = YAMLFiles.text(mapping["technique"]), !technique.isEmpty else { continue }
            let sub = YAMLFiles.text(mapping["sub-technique"]).flatMap { $0.isEmpty ? nil : $0 }
            techniques.append(sub.map { technique + "." + $0 } ?? technique)
        }
        let stems = (node["files"]?.sequence ?? []).compactMap { YAMLFiles.text($0["link"]) }.map { link -> String in
            var name = (link as NSString).lastPathComponent
            for ext in [".zip", ".tar.gz", ".json", ".gz"] where name.hasSuffix(ext) { name.removeLast(ext.count) }
            return name
        }
        guard !techniques.isEmpty, !stems.isEmpty else { return nil }
        return stems.map { Dataset(stem: $0, techniques: techniques, source: path) }
    }

    // MARK: - Manifests

    mutating func loadManifest(_ path: String) {
        let bytes: [UInt8]
        do throws(Diagnostic) { bytes = try FileBytes.read(path) } catch {
            diagnostics.append(error)
            return
        }
        let base = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") || lower.hasSuffix(".tsv") {
            loadCSVManifest(bytes, path: path, base: base, separator: lower.hasSuffix(".tsv") ? "\t" : ",")
            return
        }
        let root: Node?
        do throws(Diagnostic) { root = try YAMLFiles.documents(bytes, file: path).first } catch {
            diagnostics.append(error)
            return
        }
        let entries = root?["simulations"]?.sequence ?? root?.sequence
        guard let entries else {
            diagnostics.append(
                Diagnostic(
                    SourceLocation(file: path, line: root?.mark?.line ?? 1), code: "simulation-manifest",
                    "expected `simulations:` with a list of {path, techniques}, or the list alone"))
            return
        }
        for entry in entries {
            let location = SourceLocation(file: path, line: entry.mark?.line)
            guard let pattern = YAMLFiles.text(entry["path"]), !pattern.isEmpty else {
                diagnostics.append(Diagnostic(location, code: "simulation-manifest", "an entry without `path`"))
                continue
            }
            addEntry(pattern, techniques: YAMLFiles.texts(entry["techniques"]), base: base, at: location)
        }
    }

    mutating func loadCSVManifest(_ bytes: [UInt8], path: String, base: String, separator: Character) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.first?.split(separator: separator).map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }),
            let pathColumn = header.firstIndex(of: "path"), let techniquesColumn = header.firstIndex(of: "techniques")
        else {
            diagnostics.append(
                Diagnostic(SourceLocation(file: path, line: 1), code: "simulation-manifest", "the header must name `path` and `techniques`")
            )
            return
        }
        for (n, line) in lines.enumerated().dropFirst() {
            let text = line.trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            if text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let cells = text.split(separator: separator, omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"")).description
            }
            let location = SourceLocation(file: path, line: n + 1)
            guard cells.count > max(pathColumn, techniquesColumn), !cells[pathColumn].isEmpty else {
                diagnostics.append(Diagnostic(location, code: "simulation-manifest", "a row without a path or techniques"))
                continue
            }
            let ids = cells[techniquesColumn].split(whereSeparator: { " ;|".contains($0) }).map(String.init)
            addEntry(cells[pathColumn], techniques: ids, base: base, at: location)
        }
    }

    mutating func addEntry(_ pattern: String, techniques: [String], base: String, at location: SourceLocation) {
        if techniques.isEmpty {
            diagnostics.append(Diagnostic(location, code: "simulation-manifest", "\(pattern): no techniques"))
            return
        }
        let byName = !pattern.contains("/")
        let wildcard = pattern.contains("*") || pattern.contains("?")
        if !byName && !wildcard {
            let full = pattern.hasPrefix("/") ? pattern : base + "/" + pattern
            if !FileManager.default.fileExists(atPath: full) {
                diagnostics.append(Diagnostic(location, code: "simulation-manifest-missing", "\(pattern): no such file"))
            }
        }
        manifest.append(
            ManifestEntry(
                pattern: Glob(pattern, separator: UInt8(ascii: "/")), byName: byName, base: base, techniques: techniques,
                location: location, written: pattern))
    }
}

extension SimulationLabeler.ManifestEntry {
    /// Whether the entry names `file` (an absolute, standardised path).
    func matches(_ file: String) -> Bool {
        if byName { return pattern.matches((file as NSString).lastPathComponent) }
        if file.hasPrefix(base + "/") { return pattern.matches(String(file.dropFirst(base.count + 1))) }
        return pattern.matches(file)
    }
}
