// Sigma rules read for coverage only: id, title, ATT&CK tags, level, status, logsource, and the field names and
// values of the detection (for the Pyramid of Pain). Whether a rule counts is the Sigma engine's verdict
// (SigmaEngineVerdict), not this reader's: it reads no conditions.

import VigilCore
import Yams

public enum SigmaMetadataReader: RuleRepositoryReader {
    public static let source = RuleSource.sigma

    public static func recognises(_ path: String) -> Bool {
        if !FileBytes.isDirectory(path) { return path.hasSuffix(".yml") || path.hasSuffix(".yaml") }
        let folders = topFolders(path).map { path + "/" + $0 }
        return (folders.isEmpty ? [path] : folders).contains { folder in
            RepositoryFiles.shallowFiles(folder, depth: 3).contains { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
        }
    }

    /// In SigmaHQ's layout the rules sit in `rules*/`, `deprecated/` and `unsupported/`; `tests-data/` and the like
    /// hold tool configuration, not rules.
    static func topFolders(_ path: String) -> [String] {
        [
            "rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder", "rules-compliance", "rules-dfir", "deprecated",
            "unsupported",
        ]
        .filter { FileBytes.isDirectory(path + "/" + $0) }
    }

    public static func read(_ path: String) -> RuleImport {
        let base = RepositoryFiles.base(of: path)
        let folders =
            FileBytes.isDirectory(path) && FileBytes.isDirectory(path + "/rules") ? topFolders(path).map { path + "/" + $0 } : [path]
        let files = folders.flatMap { RepositoryFiles.files($0, suffixes: [".yml", ".yaml"]) }
        let outcomes = RepositoryFiles.parallelMap(files) { readFile($0, base: base) }
        // Coverage counts only what the engine would run: its verdict decides, rule by rule.
        let verdict = SigmaEngineVerdict.check(files)
        return RepositoryFiles.collect(source, root: path, outcomes: zip(files, outcomes).map { verdict.filter($1, file: $0) })
    }

    static func readFile(_ file: String, base: String) -> FileOutcome {
        do throws(Diagnostic) {
            let documents = try YAMLFiles.documents(try RepositoryFiles.readText(file), file: file)
            let path = RepositoryFiles.relative(file, to: base)
            var outcome = FileOutcome()
            var global: Node?
            var previous: Node?
            for document in documents {
                guard document.mapping != nil else {
                    outcome.diagnostics.append(
                        Diagnostic(
                            SourceLocation(file: file, line: document.mark?.line ?? 1), code: "sigma-not-mapping",
                            "a Sigma document must be a mapping"))
                    continue
                }
                var node = document
                // Legacy multi-document files: `action: global` is merged into each following document,
                // `action: repeat` repeats the previous one with changes, `action: reset` forgets the global part.
                switch YAMLFiles.text(node["action"]) {
                case "global":
                    global = node
                    continue
                case "reset":
                    global = nil
                    continue
                case "repeat":
                    if let previous { node = merge(previous, node) }
                default:
                    if let global { node = merge(global, node) }
                }
                previous = node
                if node["correlation"] != nil || node["filter"] != nil { continue }
                switch rule(node, file: file, path: path) {
                case .success(let rule):
                    let checked = FileOutcome.rule(rule, file: file, line: YAMLFiles.line(node["tags"]) ?? node.mark?.line)
                    outcome.rules.append(contentsOf: checked.rules)
                    outcome.diagnostics.append(contentsOf: checked.diagnostics)
                case .failure(let diagnostic): outcome.diagnostics.append(diagnostic)
                }
            }
            if documents.isEmpty {
                outcome.diagnostics.append(Diagnostic(SourceLocation(file: file, line: 1), code: "sigma-empty", "empty YAML file"))
            }
            return outcome
        } catch {
            return .failed(error)
        }
    }

    static func rule(_ node: Node, file: String, path: String) -> Result<DetectionRule, Diagnostic> {
        let line = node.mark?.line ?? 1
        // One pass over the keys instead of a linear Yams lookup per field.
        var keys: [String: Node] = [:]
        for (key, value) in node.mapping ?? [:] {
            if let name = key.scalar?.string { keys[name] = value }
        }
        guard let title = YAMLFiles.text(keys["title"]) else {
            return .failure(Diagnostic(SourceLocation(file: file, line: line), code: "sigma-missing-field", "Sigma rule has no title"))
        }
        guard let detection = keys["detection"], detection.mapping != nil else {
            return .failure(
                Diagnostic(
                    SourceLocation(file: file, line: line), code: "sigma-missing-field", "Sigma rule '\(title)' has no detection mapping"))
        }
        // Rules without an id (rare, mostly legacy) are known by their path.
        var rule = DetectionRule(source: source, id: YAMLFiles.text(keys["id"]) ?? path, title: title, path: path)
        rule.tags = YAMLFiles.texts(keys["tags"])
        for tag in rule.tags {
            let lower = tag.lowercased()
            guard lower.hasPrefix("attack.") else { continue }
            let name = lower.dropFirst(7)
            if isNumbered(name, prefix: "t") {
                rule.techniqueIDs.appendIfAbsent(name.uppercased())
            } else if isNumbered(name, prefix: "ta") {
                rule.tactics.appendIfAbsent(name.uppercased())
            } else if !isNumbered(name, prefix: "g") && !isNumbered(name, prefix: "s") && !isNumbered(name, prefix: "c") {
                rule.tactics.appendIfAbsent(String(name))
            }
        }
        if let level = YAMLFiles.text(keys["level"]) {
            rule.severity = Severity(lenient: level)
            rule.qualifiers["level"] = level
        }
        rule.status = YAMLFiles.text(keys["status"])
        rule.deprecated = rule.status == "deprecated" || path.hasPrefix("deprecated/") || path.contains("/deprecated/")
        if path.hasPrefix("unsupported/") || path.contains("/unsupported/") { rule.qualifiers["unsupported"] = "true" }
        if let name = YAMLFiles.text(keys["name"]) { rule.qualifiers["name"] = name }
        var terms = DetectionTerms()
        for (key, value) in detection.mapping! {
            guard let name = key.scalar?.string, name != "condition", name != "timeframe" else { continue }
            terms.collect(value)
        }
        rule.fields = terms.fields
        rule.values = terms.values
        let eventIDs = terms.eventIDs
        let logsource = keys["logsource"]
        let need = LogSourceNeed(
            kind: .sigma, product: YAMLFiles.text(logsource?["product"]), category: YAMLFiles.text(logsource?["category"]),
            service: YAMLFiles.text(logsource?["service"]), eventIDs: eventIDs)
        rule.logSources = [need]
        if let product = need.product { rule.platforms = [product] }
        return .success(rule)
    }

    /// `t1059`, `g0016`, `s0002`, `ta0002`, `c0024`: a letter prefix then a digit.
    static func isNumbered(_ name: Substring, prefix: String) -> Bool {
        name.hasPrefix(prefix) && name.dropFirst(prefix.count).first?.isNumber == true
    }

    /// A global or previous document with a later one laid over it; nested mappings (logsource, detection) merge.
    static func merge(_ base: Node, _ over: Node) -> Node {
        guard case .mapping(var result) = base, case .mapping(let overlay) = over else { return over }
        for (key, value) in overlay {
            if key.scalar?.string == "action" { continue }
            if let existing = result[key], existing.mapping != nil, value.mapping != nil {
                result[key] = merge(existing, value)
            } else {
                result[key] = value
            }
        }
        return .mapping(result)
    }
}

/// Field names (before any `|modifier`) and literal values of a detection, however nested, in first-seen order.
/// Sets keep it linear: some rules list hundreds of values.
struct DetectionTerms {
    var fields: [String] = []
    var values: [String] = []
    var eventIDs: [Int] = []
    private var seenFields: Set<String> = []
    private var seenValues: Set<String> = []

    mutating func collect(_ node: Node) {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard let text = key.scalar?.string else { continue }
                let field = String(text.prefix(while: { $0 != "|" }))
                if !field.isEmpty, seenFields.insert(field).inserted { fields.append(field) }
                if field == "EventID" {
                    for id in YAMLFiles.texts(value).compactMap({ Int($0) }) where !eventIDs.contains(id) { eventIDs.append(id) }
                }
                collect(value)
            }
        case .sequence(let sequence):
            for item in sequence { collect(item) }
        case .scalar(let scalar):
            // A plain `null` is YAML's empty value, not the text "null".
            let text = scalar.string
            if !text.isEmpty, text != "null" || scalar.style != .plain, seenValues.insert(text).inserted { values.append(text) }
        default:
            break
        }
    }
}
