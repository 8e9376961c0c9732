// MITRE Cyber Analytics Repository (`analytics/CAR-*.yaml`): ATT&CK coverage with its level, the CAR data
// model objects and actions an analytic reads (`process/create/exe`), platforms.

import VigilCore
import Yams

public enum CARReader: RuleRepositoryReader {
    public static let source = RuleSource.car

    public static func recognises(_ path: String) -> Bool {
        if !FileBytes.isDirectory(path) { return RepositoryFiles.name(path).hasPrefix("CAR-") }
        let folder = FileBytes.isDirectory(path + "/analytics") ? path + "/analytics" : path
        return RepositoryFiles.shallowFiles(folder, depth: 1).contains { RepositoryFiles.name($0).hasPrefix("CAR-") }
    }

    public static func read(_ path: String) -> RuleImport {
        // data_model/ and sensors/ describe CAR itself; only analytics/ holds analytics.
        let folder = FileBytes.isDirectory(path + "/analytics") ? path + "/analytics" : path
        let base = RepositoryFiles.base(of: path)
        let files = RepositoryFiles.files(folder, suffixes: [".yaml", ".yml"])
        let outcomes = RepositoryFiles.parallelMap(files) { readFile($0, base: base) }
        return RepositoryFiles.collect(source, root: path, outcomes: outcomes)
    }

    /// Coverage levels from weakest to strongest (CAR writes both Medium and Moderate).
    static let coverageRank: [String: Int] = ["low": 1, "medium": 2, "moderate": 2, "high": 3]

    /// CAR `subtypes` that name a data model object, for analytics without `data_model_references`.
    static let subtypeObjects: [String: String] = [
        "process": "process", "registry": "registry", "file": "file", "login": "user_session", "netflow": "flow",
        "flow": "flow", "network": "flow", "dll": "module", "thread": "thread", "service": "service", "driver": "driver",
    ]

    static func readFile(_ file: String, base: String) -> FileOutcome {
        do throws(Diagnostic) {
            let root = try YAMLFiles.mapping(try RepositoryFiles.readText(file), file: file)
            guard let id = YAMLFiles.text(root["id"]), let title = YAMLFiles.text(root["title"]) else {
                throw Diagnostic(SourceLocation(file: file, line: 1), code: "car-missing-field", "analytic has no id or no title")
            }
            var rule = DetectionRule(source: source, id: id, title: title, path: RepositoryFiles.relative(file, to: base))
            rule.platforms = YAMLFiles.texts(root["platforms"])
            rule.tags = YAMLFiles.texts(root["analytic_types"])
            var weakest: (rank: Int, word: String)?
            for entry in root["coverage"]?.sequence ?? [] {
                guard let technique = YAMLFiles.text(entry["technique"]) else { continue }
                rule.techniqueIDs.appendIfAbsent(technique)
                let subtechniques = YAMLFiles.texts(entry["subtechniques"])
                rule.techniqueIDs.appendIfAbsent(contentsOf: subtechniques)
                rule.tactics.appendIfAbsent(contentsOf: YAMLFiles.texts(entry["tactics"]))
                if let level = YAMLFiles.text(entry["coverage"]), let rank = coverageRank[level.lowercased()] {
                    // Per technique, so that coverage can colour each technique by its own level.
                    for id in [technique] + subtechniques { rule.qualifiers["coverage.\(id)"] = level }
                    if weakest == nil || rank < weakest!.rank { weakest = (rank, level) }
                }
            }
            // The rule-level word is the weakest level: a rating must not claim more than every technique gets.
            if let weakest {
                rule.status = weakest.word
                rule.qualifiers["coverage"] = weakest.word
            }
            for reference in YAMLFiles.texts(root["data_model_references"]) {
                let parts = reference.split(separator: "/").map(String.init)
                guard let object = parts.first else { continue }
                rule.logSources.appendIfAbsent(
                    LogSourceNeed(kind: .carDataModel, product: object, category: parts.count > 1 ? parts[1] : nil))
                if parts.count > 2 { rule.fields.appendIfAbsent(parts[2]) }
            }
            if rule.logSources.isEmpty {
                for subtype in YAMLFiles.texts(root["subtypes"]) {
                    for word in subtype.lowercased().split(separator: " ") {
                        if let object = subtypeObjects[String(word)] {
                            rule.logSources.appendIfAbsent(LogSourceNeed(kind: .carDataModel, product: object))
                        }
                    }
                }
            }
            // Implementations name the data model they were written against (`Sysmon native`, `LogPoint native`): any
            // one of them would do, so they are kept as information, not as needs.
            var models: [String] = []
            for implementation in root["implementations"]?.sequence ?? [] {
                if let model = YAMLFiles.text(implementation["data_model"]), !model.isEmpty { models.appendIfAbsent(model) }
            }
            if !models.isEmpty { rule.qualifiers["implementation_data_models"] = models.joined(separator: ", ") }
            return .rule(rule, file: file, line: YAMLFiles.line(root["coverage"]))
        } catch {
            return .failed(error)
        }
    }
}
