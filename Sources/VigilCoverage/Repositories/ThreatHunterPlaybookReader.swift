// OTRF Threat Hunter Playbook hunts (`docs/hunts/<platform>/<id>/metadata.yaml` + `notebook.md`): ATT&CK
// mappings from the metadata, and the Windows events each analytic reads from the notebook's data-source tables.

import VigilCore
import Yams

public enum ThreatHunterPlaybookReader: RuleRepositoryReader {
    public static let source = RuleSource.threatHunterPlaybook

    public static func recognises(_ path: String) -> Bool {
        if !FileBytes.isDirectory(path) { return path.hasSuffix("/metadata.yaml") && FileBytes.exists(notebook(for: path)) }
        if FileBytes.isDirectory(path + "/docs/hunts") { return true }
        // hunts/, hunts/windows/ or one hunt's own folder.
        return RepositoryFiles.shallowFiles(path, depth: 3).contains {
            $0.hasSuffix("/metadata.yaml") && FileBytes.exists(notebook(for: $0))
        }
    }

    public static func read(_ path: String) -> RuleImport {
        let base = RepositoryFiles.base(of: path)
        let files = RepositoryFiles.files(path, suffixes: ["/metadata.yaml"])
        let outcomes = RepositoryFiles.parallelMap(files) { readFile($0, base: base) }
        return RepositoryFiles.collect(source, root: path, outcomes: outcomes)
    }

    static func notebook(for metadata: String) -> String {
        String(metadata.dropLast("metadata.yaml".count)) + "notebook.md"
    }

    static func readFile(_ file: String, base: String) -> FileOutcome {
        do throws(Diagnostic) {
            let root = try YAMLFiles.mapping(try RepositoryFiles.readText(file), file: file)
            guard let id = YAMLFiles.text(root["id"]), let title = YAMLFiles.text(root["title"]) else {
                throw Diagnostic(SourceLocation(file: file, line: 1), code: "thp-missing-field", "hunt metadata has no id or no title")
            }
            var rule = DetectionRule(source: source, id: id, title: title, path: RepositoryFiles.relative(file, to: base))
            rule.platforms = YAMLFiles.texts(root["platform"])
            rule.status = "hunt"
            rule.summary = YAMLFiles.text(root["hypothesis"])
            rule.qualifiers["purpose"] = "hunting"
            var diagnostics: [Diagnostic] = []
            for mapping in root["attack_mappings"]?.sequence ?? [] {
                rule.tactics.appendIfAbsent(contentsOf: YAMLFiles.texts(mapping["tactics"]))
                guard let technique = YAMLFiles.text(mapping["technique"]) else { continue }
                // `sub_technique` or `sub-technique`: "001", a list of them, None or empty for none.
                let subs = YAMLFiles.texts(mapping["sub_technique"] ?? mapping["sub-technique"])
                    .filter { !$0.isEmpty && $0.lowercased() != "none" && $0.lowercased() != "null" }
                if subs.isEmpty {
                    rule.techniqueIDs.appendIfAbsent(technique)
                } else {
                    rule.techniqueIDs.appendIfAbsent(contentsOf: subs.map { $0.hasPrefix("T") ? $0 : technique + "." + $0 })
                }
            }
            let notebookPath = notebook(for: file)
            if FileBytes.exists(notebookPath) {
                do throws(Diagnostic) {
                    let text = String(decoding: try RepositoryFiles.readText(notebookPath), as: UTF8.self)
                    readNotebook(text, into: &rule)
                } catch {
                    diagnostics.append(error)
                }
            } else {
                diagnostics.append(
                    Diagnostic(
                        SourceLocation(file: notebookPath), .warning, code: "thp-no-notebook",
                        "hunt has no notebook.md: its data sources are unknown"))
            }
            return .rule(rule, file: file, line: YAMLFiles.line(root["attack_mappings"]), diagnostics: diagnostics)
        } catch {
            return .failed(error)
        }
    }

    /// The `| Data source | Event Provider | Relationship | Event |` tables and the SQL of each analytic.
    static func readNotebook(_ text: String, into rule: inout DetectionRule) {
        var inTable = false
        var inCode = false
        var code = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if inCode, code.contains("SELECT") {
                    let terms = QueryTerms(code, sqlEquals: true)
                    rule.fields.appendIfAbsent(contentsOf: terms.fields)
                    rule.values.appendIfAbsent(contentsOf: terms.values)
                }
                inCode.toggle()
                code = ""
                continue
            }
            if inCode {
                code += line + "\n"
                continue
            }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { RepositoryFiles.trim($0) }
            guard line.hasPrefix("|"), cells.count >= 6 else {
                inTable = false
                continue
            }
            if cells[1] == "Data source", cells[2] == "Event Provider" {
                inTable = true
                continue
            }
            guard inTable, !cells[1].hasPrefix(":"), !cells[1].hasPrefix("-") else { continue }
            let dataSource = cells[1]
            let provider = cells[2]
            if let event = Int(cells[4]) {
                // One need per provider and data source, gathering the event IDs of every analytic.
                if let index = rule.logSources.firstIndex(where: {
                    $0.kind == .windowsEvent && $0.product == provider && $0.category == dataSource
                }) {
                    if !rule.logSources[index].eventIDs.contains(event) { rule.logSources[index].eventIDs.append(event) }
                } else {
                    rule.logSources.append(LogSourceNeed(kind: .windowsEvent, product: provider, category: dataSource, eventIDs: [event]))
                }
            } else if !dataSource.isEmpty {
                rule.logSources.appendIfAbsent(
                    LogSourceNeed(kind: .dataSource, product: dataSource, category: provider.isEmpty ? nil : provider))
            }
            if !cells[3].isEmpty { rule.tags.appendIfAbsent(cells[3]) }
        }
    }
}
