// Endgame EQL Analytics Library (TOML `[analytic.metadata]` + `[analytic] query`): techniques, tactics,
// confidence, operating systems, and the event types the query reads.

import VigilCore

public enum EQLReader: RuleRepositoryReader {
    public static let source = RuleSource.eql

    public static func recognises(_ path: String) -> Bool {
        if !FileBytes.isDirectory(path) { return path.hasSuffix(".toml") && ElasticReader.firstTable(path) == "analytic" }
        if FileBytes.isDirectory(path + "/eqllib/analytics") { return true }
        let candidate = ["/analytics", ""].lazy.compactMap { folder in
            RepositoryFiles.shallowFiles(path + folder, depth: 2).first { $0.hasSuffix(".toml") }
        }.first
        return candidate.map { ElasticReader.firstTable($0) == "analytic" } ?? false
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
            guard let analytic = document.table("analytic"), let metadata = analytic.table("metadata") else {
                throw Diagnostic(SourceLocation(file: file, line: 1), code: "eql-no-analytic", "no [analytic.metadata] table")
            }
            guard let id = metadata.string("id"), let name = metadata.string("name") else {
                throw Diagnostic(
                    SourceLocation(file: file, line: metadata.line), code: "eql-missing-field", "[analytic.metadata] has no id or no name")
            }
            var rule = DetectionRule(source: source, id: id, title: name, path: RepositoryFiles.relative(file, to: base))
            rule.techniqueIDs = metadata.strings("techniques")
            rule.tactics = metadata.strings("tactics")
            rule.platforms = metadata.strings("os")
            rule.tags = metadata.strings("tags")
            if let confidence = metadata.string("confidence") {
                rule.status = confidence
                rule.qualifiers["confidence"] = confidence
            }
            // detect / hunt / enrich: enrichment analytics gather context and alert on nothing.
            let categories = metadata.strings("categories")
            if !categories.isEmpty { rule.qualifiers["purpose"] = categories.contains("detect") ? "detect" : categories[0] }
            let query = analytic.string("query") ?? ""
            rule.logSources = eventTypes(query).map { LogSourceNeed(kind: .eqlEvent, product: $0.type, category: $0.subtype) }
            let terms = QueryTerms(query)
            rule.fields = terms.fields
            rule.values = terms.values
            return .rule(rule, file: file, line: metadata.line)
        } catch {
            return .failed(error)
        }
    }

    /// The `<event type> where …` clauses of a query and the `subtype.<x>` each tests (`process where subtype.create`).
    static func eventTypes(_ query: String) -> [(type: String, subtype: String?)] {
        var result: [(type: String, subtype: String?)] = []
        let words = query.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "[" || $0 == "(" })
        var index = 0
        while index + 1 < words.count {
            if words[index + 1] == "where", words[index].allSatisfy({ $0.isLetter || $0 == "_" }) {
                let type = String(words[index])
                var subtype: String?
                var j = index + 2
                // The clause ends at a `]` (sequence/join) or where the next `<type> where` starts.
                while j < words.count, !(j + 1 < words.count && words[j + 1] == "where") {
                    if words[j].hasPrefix("subtype.") {
                        subtype = String(words[j].dropFirst(8).prefix(while: { $0.isLetter || $0 == "_" }))
                        break
                    }
                    if words[j].contains("]") { break }
                    j += 1
                }
                if !result.contains(where: { $0.type == type && $0.subtype == subtype }) { result.append((type, subtype)) }
                index += 2
            } else {
                index += 1
            }
        }
        return result
    }
}
