// What the repository readers share: finding a repository's rule files, telling text from binary with the
// line where it stops being text, reading files in parallel, and small helpers for building rules.

import Dispatch
import VigilCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum RepositoryFiles {
    /// Files under `root` (or `root` itself when it is a file) whose names end with one of `suffixes`.
    static func files(_ root: String, suffixes: [String]) -> [String] {
        let all = FileBytes.isDirectory(root) ? FileBytes.files(under: root) : [root]
        return all.filter { path in suffixes.contains { path.hasSuffix($0) } }
    }

    /// The files and folders directly in a folder, sorted (hidden entries skipped).
    static func entries(_ path: String) -> (files: [String], folders: [String]) {
        guard let handle = opendir(path) else { return ([], []) }
        defer { closedir(handle) }
        var files: [String] = []
        var folders: [String] = []
        while let entry = readdir(handle) {
            let name = FileBytes.entryName(entry)
            if name.hasPrefix(".") { continue }
            let child = (path.hasSuffix("/") ? path : path + "/") + name
            if FileBytes.isDirectory(child) { folders.append(child) } else { files.append(child) }
        }
        return (files.sorted(), folders.sorted())
    }

    /// Files at most `depth` folders down (1: directly in `path`), for telling a repository's kind by its layout
    /// without walking a large tree.
    static func shallowFiles(_ path: String, depth: Int) -> [String] {
        let (files, folders) = entries(path)
        guard depth > 1 else { return files }
        return files + folders.flatMap { shallowFiles($0, depth: depth - 1) }
    }

    static func name(_ path: String) -> Substring { path.split(separator: "/").last ?? "" }

    /// The folder a path names, or the folder holding it when it is a file: rule paths are shown relative to it.
    static func base(of root: String) -> String {
        if FileBytes.isDirectory(root) { return root.hasSuffix("/") ? String(root.dropLast()) : root }
        guard let slash = root.lastIndex(of: "/") else { return "." }
        return String(root[..<slash])
    }

    static func relative(_ path: String, to base: String) -> String {
        let prefix = base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// A file's bytes when it is UTF-8 text. NUL bytes or invalid UTF-8 (a binary among the rules) are reported
    /// with the line where the text stops.
    static func readText(_ path: String) throws(Diagnostic) -> [UInt8] {
        let bytes = try FileBytes.read(path)
        if let nul = bytes.firstIndex(of: 0) {
            throw Diagnostic(location(path, bytes, nul), code: "not-text", "not a text file: NUL byte (binary among the rules?)")
        }
        if String(validating: bytes, as: UTF8.self) == nil {
            throw Diagnostic(location(path, bytes, firstInvalidUTF8(bytes)), code: "not-text", "not UTF-8 text")
        }
        return bytes
    }

    static func location(_ path: String, _ bytes: [UInt8], _ offset: Int) -> SourceLocation {
        var line = 1
        var lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return SourceLocation(file: path, line: line, column: offset - lineStart + 1, offset: offset)
    }

    /// Rare path (only for files already known to be bad): the first line that is not valid UTF-8.
    private static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            if String(validating: bytes[start..<end], as: UTF8.self) == nil { return start }
            start = end + 1
        }
        return 0
    }

    /// `body` over every file on all cores, results in input order.
    static func parallelMap<T: Sendable>(_ items: [String], _ body: @Sendable (String) -> T) -> [T] { Parallel.map(items, body) }

    /// Gathers per-file outcomes into one import, in file order.
    static func collect(_ source: RuleSource, root: String, outcomes: [FileOutcome]) -> RuleImport {
        var result = RuleImport(source: source, root: root, filesSeen: outcomes.count)
        for outcome in outcomes {
            result.rules.append(contentsOf: outcome.rules)
            result.diagnostics.append(contentsOf: outcome.diagnostics)
        }
        return result
    }
}

/// What reading one file gave: its rules (a file may hold several) and its problems.
struct FileOutcome: Sendable {
    var rules: [DetectionRule] = []
    var diagnostics: [Diagnostic] = []

    init(rules: [DetectionRule] = [], diagnostics: [Diagnostic] = []) {
        self.rules = rules
        self.diagnostics = diagnostics
    }

    static func failed(_ diagnostic: Diagnostic) -> FileOutcome { FileOutcome(diagnostics: [diagnostic]) }

    /// One rule, with a warning for each technique ID that is not of the form T1234 or T1234.567. Such text is
    /// kept as written: whether an ID exists in ATT&CK is for the crosswalk to say, not the reader.
    static func rule(_ rule: DetectionRule, file: String, line: Int?, diagnostics: [Diagnostic] = []) -> FileOutcome {
        var rule = rule
        if rule.location == nil { rule.location = SourceLocation(file: file, line: line ?? 1) }
        var outcome = FileOutcome(rules: [rule], diagnostics: diagnostics)
        for id in rule.techniqueIDs where TechniqueID(id) == nil {
            outcome.diagnostics.append(
                Diagnostic(
                    SourceLocation(file: file, line: line ?? 1), .warning, code: "technique-id-syntax",
                    "'\(id)' is not an ATT&CK technique ID; kept as written"))
        }
        return outcome
    }
}

extension Array where Element: Equatable {
    /// Appends what is not there yet, keeping first-seen order (rule lists are short).
    mutating func appendIfAbsent(_ element: Element) {
        if !contains(element) { append(element) }
    }

    mutating func appendIfAbsent(contentsOf elements: some Sequence<Element>) {
        for element in elements { appendIfAbsent(element) }
    }
}

extension RepositoryFiles {
    static func trim(_ text: some StringProtocol) -> String {
        var view = Substring(text)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
