// Elastic detection-rules (TOML): detection rules (`[rule]`, building blocks, `_deprecated`) and hunting
// queries (`[hunt]`), with their ATT&CK mappings, severity, risk score, maturity, indices and integrations.

import VigilCore

public enum ElasticReader: RuleRepositoryReader {
    public static let source = RuleSource.elastic

    public static func recognises(_ path: String) -> Bool {
        if !FileBytes.isDirectory(path) {
            return path.hasSuffix(".toml") && ["metadata", "rule", "hunt"].contains(firstTable(path) ?? "")
        }
        if FileBytes.isDirectory(path + "/rules_building_block") { return true }
        // The repository root (rules/<platform>/x.toml), or any folder of it given alone.
        // Hunting queries sit in hunting/<platform>/queries/. Not deeper: a folder holding elastic/ beside other
        // repositories must not pass for one.
        let candidate = [("/rules", 3), ("/hunting", 3), ("", 2), ("", 3)].lazy.enumerated().compactMap { index, place in
            RepositoryFiles.shallowFiles(path + place.0, depth: place.1).first {
                $0.hasSuffix(".toml") && (index < 3 || $0.hasSuffix("/queries/" + RepositoryFiles.name($0)))
            }
        }.first
        return candidate.map { ["metadata", "rule", "hunt"].contains(firstTable($0) ?? "") } ?? false
    }

    public static func read(_ path: String) -> RuleImport {
        let base = RepositoryFiles.base(of: path)
        let files = RepositoryFiles.files(path, suffixes: [".toml"])
        let outcomes = RepositoryFiles.parallelMap(files) { readFile($0, base: base) }
        return RepositoryFiles.collect(source, root: path, outcomes: outcomes)
    }

    static func readFile(_ file: String, base: String) -> FileOutcome {
        do throws(Diagnostic) {
            let document = try TOMLDocument.parse(try RepositoryFiles.readText(file), file: file)
            let path = RepositoryFiles.relative(file, to: base)
            if let rule = document.table("rule") {
                let line = rule.tables("threat").first?.line ?? rule.line
                return .rule(try detection(document, rule, file: file, path: path), file: file, line: line)
            }
            if let hunt = document.table("hunt") { return .rule(try hunting(hunt, file: file, path: path), file: file, line: hunt.line) }
            throw Diagnostic(SourceLocation(file: file, line: 1), code: "elastic-no-rule", "neither a [rule] nor a [hunt] table")
        } catch {
            return .failed(error)
        }
    }

    static func detection(_ document: TOMLTable, _ table: TOMLTable, file: String, path: String) throws(Diagnostic) -> DetectionRule {
        guard let id = table.string("rule_id"), let name = table.string("name") else {
            throw Diagnostic(
                SourceLocation(file: file, line: table.line), code: "elastic-missing-field", "[rule] has no rule_id or no name")
        }
        var rule = DetectionRule(source: source, id: id, title: name, path: path)
        for threat in table.tables("threat") where threat.string("framework")?.hasPrefix("MITRE ATT&CK") ?? true {
            for technique in threat.tables("technique") {
                if let id = technique.string("id") { rule.techniqueIDs.appendIfAbsent(id) }
                for sub in technique.tables("subtechnique") {
                    if let id = sub.string("id") { rule.techniqueIDs.appendIfAbsent(id) }
                }
            }
            if let tactic = threat.table("tactic"), let id = tactic.string("id") ?? tactic.string("name") {
                rule.tactics.appendIfAbsent(id)
            }
        }
        let maturity = document.string("metadata.maturity")
        rule.status = maturity
        if let maturity { rule.qualifiers["maturity"] = maturity }
        if let text = table.string("severity") {
            rule.severity = Severity(lenient: text)
            rule.qualifiers["severity"] = text
        }
        if let risk = table.value(at: "risk_score")?.integer { rule.qualifiers["risk_score"] = String(risk) }
        let language = table.string("language") ?? table.string("type") ?? ""
        rule.qualifiers["language"] = language
        if let type = table.string("type") { rule.qualifiers["type"] = type }
        if table.string("building_block_type") != nil { rule.qualifiers["purpose"] = "building-block" }
        if let job = table.value(at: "machine_learning_job_id")?.strings, !job.isEmpty {
            rule.qualifiers["machine_learning_job_id"] = job.joined(separator: ",")
        }
        rule.deprecated = maturity == "deprecated" || path.contains("_deprecated/")
        rule.tags = table.strings("tags")
        for tag in rule.tags where tag.hasPrefix("OS: ") { rule.platforms.appendIfAbsent(String(tag.dropFirst(4))) }

        let query = table.string("query") ?? ""
        var indices = table.strings("index")
        if indices.isEmpty, language == "esql" { indices = esqlSources(query) }
        for index in indices { rule.logSources.appendIfAbsent(LogSourceNeed(kind: .elasticIndex, product: index)) }
        for integration in document.strings("metadata.integration") {
            rule.logSources.appendIfAbsent(LogSourceNeed(kind: .elasticIntegration, product: integration))
        }
        let terms = QueryTerms(query, bareValuesAfterColon: language == "kuery" || language == "lucene")
        rule.fields = terms.fields
        rule.values = terms.values
        // New-terms and threshold rules key on fields that the query itself does not compare.
        rule.fields.appendIfAbsent(contentsOf: table.strings("new_terms.value"))
        rule.fields.appendIfAbsent(contentsOf: table.strings("threshold.field"))
        return rule
    }

    static func hunting(_ hunt: TOMLTable, file: String, path: String) throws(Diagnostic) -> DetectionRule {
        guard let id = hunt.string("uuid"), let name = hunt.string("name") else {
            throw Diagnostic(SourceLocation(file: file, line: hunt.line), code: "elastic-missing-field", "[hunt] has no uuid or no name")
        }
        var rule = DetectionRule(source: source, id: id, title: name, path: path)
        rule.techniqueIDs = hunt.strings("mitre").map { RepositoryFiles.trim($0) }
        rule.status = "hunting"
        rule.qualifiers["purpose"] = "hunting"
        let languages = hunt.strings("language")
        rule.qualifiers["language"] = languages.joined(separator: ",")
        for integration in hunt.strings("integration") {
            rule.logSources.appendIfAbsent(LogSourceNeed(kind: .elasticIntegration, product: integration))
        }
        // hunting/<platform>/queries/x.toml: the folder names the platform.
        let parts = path.split(separator: "/")
        if let hunting = parts.firstIndex(of: "hunting"), hunting + 1 < parts.count - 1 {
            rule.platforms = [String(parts[hunting + 1])]
        }
        var query = ""
        for text in hunt.strings("query") {
            query += text + "\n"
            for index in esqlSources(text) { rule.logSources.appendIfAbsent(LogSourceNeed(kind: .elasticIndex, product: index)) }
        }
        let terms = QueryTerms(query)
        rule.fields = terms.fields
        rule.values = terms.values
        return rule
    }

    /// The index patterns of an ES|QL `FROM a, b` source command.
    static func esqlSources(_ query: String) -> [String] {
        for line in query.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first, first.lowercased() == "from" else { continue }
            var indices: [String] = []
            for word in words.dropFirst() {
                let lower = word.lowercased()
                if lower == "metadata" || word.hasPrefix("|") { break }
                for part in word.split(separator: ",") where !part.isEmpty { indices.append(String(part)) }
                if !word.hasSuffix(",") { break }
            }
            return indices
        }
        return []
    }

    /// The first table header of a TOML file, to tell Elastic rules from EQL analytics without reading all of it.
    static func firstTable(_ file: String) -> String? {
        guard let bytes = try? FileBytes.read(file) else { return nil }
        for line in String(decoding: bytes.prefix(4096), as: UTF8.self).split(separator: "\n") where line.hasPrefix("[") {
            return String(line.drop(while: { $0 == "[" }).prefix(while: { $0 != "]" && $0 != "." }))
        }
        return nil
    }
}
