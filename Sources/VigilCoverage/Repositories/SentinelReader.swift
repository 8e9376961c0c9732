// Sentinel-ATT&CK KQL detections (`detections/T1063_Security_Software_Discovery.txt`): the technique from the
// file name, the `// Key: value` comment header (Name, Severity, DataSource, Tactics), the tables the query reads.

import VigilCore

public enum SentinelReader: RuleRepositoryReader {
    public static let source = RuleSource.sentinel

    public static func recognises(_ path: String) -> Bool {
        if !FileBytes.isDirectory(path) { return path.hasSuffix(".txt") && fileTechnique(path) != nil }
        let folder = FileBytes.isDirectory(path + "/detections") ? path + "/detections" : path
        return RepositoryFiles.shallowFiles(folder, depth: 1).contains { $0.hasSuffix(".txt") && fileTechnique($0) != nil }
    }

    public static func read(_ path: String) -> RuleImport {
        // The repository's parser/ folder holds the KQL `Sysmon` function, not a detection.
        let folder = FileBytes.isDirectory(path + "/detections") ? path + "/detections" : path
        let base = RepositoryFiles.base(of: path)
        let files = RepositoryFiles.files(folder, suffixes: [".txt", ".kql"])
        let outcomes = RepositoryFiles.parallelMap(files) { readFile($0, base: base) }
        return RepositoryFiles.collect(source, root: path, outcomes: outcomes)
    }

    /// `T1063` from `…/T1063_Security_Software_Discovery.txt`: the text before the first `_` when it starts with T and a digit.
    static func fileTechnique(_ file: String) -> String? {
        let name = file.split(separator: "/").last ?? ""
        guard let underscore = name.firstIndex(of: "_") else { return nil }
        let prefix = name[..<underscore]
        guard prefix.first == "T", prefix.dropFirst().first?.isNumber == true else { return nil }
        return String(prefix)
    }

    static func readFile(_ file: String, base: String) -> FileOutcome {
        do throws(Diagnostic) {
            let text = String(decoding: try RepositoryFiles.readText(file), as: UTF8.self)
            var header: [String: String] = [:]
            var lineNumber = 0
            var queryLines: [Substring] = []
            var inHeader = true
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                lineNumber += 1
                if inHeader, line.hasPrefix("//") {
                    let body = line.dropFirst(2)
                    if let colon = body.firstIndex(of: ":") {
                        let key = RepositoryFiles.trim(body[..<colon])
                        if !key.isEmpty, !key.contains(" "), header[key] == nil {
                            header[key] = RepositoryFiles.trim(body[body.index(after: colon)...])
                        }
                    }
                    continue
                }
                if inHeader, RepositoryFiles.trim(line).isEmpty { continue }
                inHeader = false
                queryLines.append(line)
            }
            guard let name = header["Name"] else {
                throw Diagnostic(
                    SourceLocation(file: file, line: 1, column: 1), code: "kql-no-header",
                    "KQL file without the `// Name:` comment header that Sentinel-ATT&CK detections carry")
            }
            let fileName = String(file.split(separator: "/").last ?? "")
            let id = fileName.hasSuffix(".txt") || fileName.hasSuffix(".kql") ? String(fileName.dropLast(4)) : fileName
            var rule = DetectionRule(source: source, id: id, title: name, path: RepositoryFiles.relative(file, to: base))
            // T0000 is the repository's mark for "no ATT&CK technique".
            let technique = fileTechnique(file) ?? header["Description"].flatMap(descriptionTechnique)
            if let technique, technique != "T0000" {
                rule.techniqueIDs = [technique]
            }
            if let severity = header["Severity"] {
                rule.severity = Severity(lenient: severity)
                rule.qualifiers["severity"] = severity
            }
            rule.tactics = hashList(header["Tactics"] ?? "")
            for key in ["QueryFrequency", "QueryPeriod", "AlertTriggerThreshold"] { rule.qualifiers[key] = header[key] }
            let query = queryLines.joined(separator: "\n")
            let terms = QueryTerms(query)
            rule.fields = terms.fields
            rule.values = terms.values
            var tables = hashList(header["DataSource"] ?? "")
            tables.appendIfAbsent(contentsOf: queryTables(query))
            for table in tables {
                rule.logSources.append(LogSourceNeed(kind: .dataSource, product: table, eventIDs: terms.eventIDs))
            }
            // Sysmon (by its Windows event IDs) and the Windows security tables only exist on Windows hosts.
            if tables.contains(where: { ["sysmon", "securityevent", "windowsevent", "event"].contains($0.lowercased()) }) {
                rule.platforms = ["Windows"]
            }
            return .rule(rule, file: file, line: 1)
        } catch {
            return .failed(error)
        }
    }

    /// "Checks for execution of MITRE ATT&CK T1063".
    static func descriptionTechnique(_ text: String) -> String? {
        text.split(separator: " ").last { $0.first == "T" && $0.dropFirst().first?.isNumber == true }.map(String.init)
    }

    /// `#Defense Evasion, #Execution` or `#Persistence #Privilege_Escalation`.
    static func hashList(_ text: String) -> [String] {
        text.split(separator: "#").map { RepositoryFiles.trim($0.replacing("_", with: " ").filter { $0 != "," }) }.filter { !$0.isEmpty }
    }

    /// The tables a KQL query reads: its first word, and the first word after `union`, `join (…` or `join kind=… (`.
    static func queryTables(_ query: String) -> [String] {
        var tables: [String] = []
        let words = query.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        func tableName(_ word: Substring) -> String? {
            let name = word.drop(while: { $0 == "(" }).prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
            guard let first = name.first, first.isLetter, !name.contains("=") else { return nil }
            return String(name)
        }
        if let first = words.first(where: { !$0.hasPrefix("let") }), let name = tableName(first), !query.hasPrefix("let ") {
            tables.append(name)
        }
        for (index, word) in words.enumerated() where word == "union" || word == "join" {
            var next = index + 1
            while next < words.count, words[next].hasPrefix("kind=") || words[next] == "(" || words[next].hasPrefix("hint.") {
                next += 1
            }
            if next < words.count, let name = tableName(words[next]), !["isfuzzy", "withsource"].contains(name) {
                tables.appendIfAbsent(name)
            }
        }
        return tables
    }
}
